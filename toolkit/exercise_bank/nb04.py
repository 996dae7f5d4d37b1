"""Exercises of notebook 04 (label consistency)."""

from toolkit.exercises import Exercise, register

REGIONS = ("North", "South", "East", "West", "Central")


def _round(name: str):
    from toolkit.datasets import load

    annotations = load("annotations")
    return annotations[annotations["round"] == name]


def _pairwise_before():
    from toolkit.labels import annotator_agreement

    return annotator_agreement(_round("before_guideline")).pairwise


def _least_agreeing_pair() -> frozenset[str]:
    return frozenset(_pairwise_before().stack().idxmin())


def _most_agreeing_pair() -> frozenset[str]:
    matrix = _pairwise_before()
    off_diagonal = matrix.where(matrix < 1).stack()
    return frozenset(off_diagonal.idxmax())


register(Exercise(
    "4.1",
    "Before the guideline, which two annotators agree least (a list of two names)?",
    expected=_least_agreeing_pair,
    kind="set",
    mistakes=lambda: {
        _most_agreeing_pair(): "That pair has the *highest* kappa: look for the smallest "
                               "number off the diagonal.",
    },
    hints=("Look at `agreement_before.pairwise` or its heat map: the darker the cell, the "
           "lower the kappa.",
           "Ignore the diagonal (everyone agrees with themselves). The smallest value is in the "
           "row of the annotator who calls almost every downgrader 'churned'."),
    explanation="Amara counts almost every move to the free tier as churn, Bruno almost never: "
                "their kappa is the lowest because they read the vague brief in opposite ways.",
))


def _ties(name: str) -> int:
    from toolkit.labels import majority_vote

    return int(majority_vote(_round(name))["tie"].sum())


register(Exercise(
    "4.2",
    "Before the guideline, for how many of the 300 customers does the majority vote end in a "
    "tie (a whole number)?",
    expected=lambda: _ties("before_guideline"),
    tolerance=0,
    mistakes=lambda: {
        _ties("after_guideline"): "That is the count *after* the guideline; use the "
                                  "before_guideline round.",
        4 * _ties("before_guideline"): "You counted annotation rows; each customer has four. "
                                       "Count customers, one row per customer in the vote.",
        0: "A majority vote has no winner when two annotators say 0 and two say 1: look at the "
           "`tie` column instead of the `label` column.",
    },
    hints=("`labels.majority_vote(before)` gives one row per customer.",
           "The `tie` column is True when no label has more votes than the others: sum it."),
    explanation="One customer in six has no majority: hiding those behind an arbitrary rule "
                "would bury exactly the cases the guideline has to settle.",
))


def _conflicting_rows() -> int:
    from toolkit.datasets import load
    from toolkit.labels import find_conflicting_labels

    history = load("history")
    features = [c for c in history.columns if c not in ("customer_id", "churned")]
    return len(find_conflicting_labels(history, features, "churned"))


register(Exercise(
    "4.3",
    "How many rows of history belong to a group of identical customers with conflicting "
    "labels (a whole number)?",
    expected=_conflicting_rows,
    tolerance=0,
    mistakes=lambda: {
        _conflicting_rows() // 2: "That is the number of groups (pairs); the question asks for "
                                  "rows, and each pair has two.",
        0: "Zero conflicts usually means `customer_id` is among the features: a copy filed under "
           "a new id never matches the original. Leave identifiers out.",
        2 * _conflicting_rows(): "That counts every duplicated row, including the copies whose "
                                 "labels agree; keep only the groups whose labels differ.",
    },
    hints=("Use every column except the label and the identifier as `features`.",
           "`len(labels.find_conflicting_labels(history, features, 'churned'))` counts rows."),
    explanation="Thirty customers were entered twice in the CRM with opposite labels: at least "
                "one label of each pair is wrong, and a model trained on both sees noise.",
))


def _region_feedback() -> dict[str, str]:
    advice = ("{} has many flags partly because it has many customers, or labels that are "
              "merely hard to predict. Divide each region's number of suspects by its number of "
              "customers and compare the shares.")
    return {region: advice.format(region) for region in REGIONS if region != "South"}


register(Exercise(
    "4.4",
    "Which region has the highest share of its customers flagged as suspect (one of 'North', "
    "'South', 'East', 'West', 'Central')?",
    expected="South",
    kind="choice",
    options=REGIONS,
    mistakes=_region_feedback,
    hints=("`suspects` and `history` share the same index, so you can group one by a column "
           "of the other.",
           "`suspects['suspect'].groupby(history['region'], observed=True).mean()` gives each "
           "region's share of flagged customers."),
    explanation="South stands out, although the model never saw the region: its customers look "
                "like leavers but are labelled as staying more often than anywhere else.",
))
