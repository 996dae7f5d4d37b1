"""Exercises of notebook 04 (label consistency).

Every value a feedback message quotes is computed from the shipped data (the annotations, the
history and, where the notebook opens it, the answer key), never typed.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pandas as pd

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

REGIONS = ("North", "South", "East", "West", "Central")
#: Exercise 4.2: the candidate guideline wordings, by letter.
WORDINGS = {
    "A": "Label carefully: 1 if the customer churned, 0 if not.",
    "B": "A customer has churned when they close their account.",
    "C": "A customer has churned when they stop paying us: they close the account or move to "
         "the free tier. A move to a cheaper paid plan is not churn.",
    "D": "When you are unsure, label 0.",
}
#: Exercise 4.6: how many labels the team can check by hand.
BUDGET = 200
#: Exercise 4.6: the lists the team could send, by name.
LISTS = ("top suspects", "south free-tier movers", "random rows", "all of south")


@cache
def _load(name: str) -> pd.DataFrame:
    from toolkit.datasets import load

    return load(name)


def _round(name: str) -> pd.DataFrame:
    annotations = _load("annotations")
    return annotations[annotations["round"] == name]


def _pairwise_before() -> pd.DataFrame:
    from toolkit.labels import annotator_agreement

    return annotator_agreement(_round("before_guideline")).pairwise


def _off_diagonal() -> pd.Series:
    matrix = _pairwise_before()
    return matrix.where(matrix < 1).stack()


# --- 4.1 ---------------------------------------------------------------------------------

register(Exercise(
    "4.1",
    "Before the guideline, which two annotators agree least (a list of two names)?",
    expected=lambda: frozenset(_off_diagonal().idxmin()),
    kind="set",
    mistakes=lambda: {
        frozenset(_off_diagonal().idxmax()): "That pair has the *highest* kappa: look for the "
                                             "smallest number off the diagonal.",
    },
    hints=("Look at `agreement_before.pairwise` or its heat map: the darker the cell, the "
           "lower the kappa.",
           "Ignore the diagonal (everyone agrees with themselves) and find the smallest value "
           "off it: its row and its column name the pair."),
    explanation=lambda: (
        f"{' and '.join(sorted(n.title() for n in _off_diagonal().idxmin()))} have the lowest "
        f"kappa, {_off_diagonal().min():.2f}: the section below shows on which customers "
        "they part ways."),
))


# --- 4.2: which wording resolves the disagreement ----------------------------------------

def _by_outcome() -> pd.DataFrame:
    """Per customer of the first round: unanimous or not, and what really happened."""
    from toolkit.labels import annotator_agreement

    per_item = annotator_agreement(_round("before_guideline")).per_item
    outcome = _load("history_truth").set_index("customer_id")["outcome"]
    return per_item.join(outcome)


def _disagreement_facts() -> dict:
    items = _by_outcome()
    split = items[~items["unanimous"]]
    clear = items[items["outcome"] != "downgraded"]
    movers = items[items["outcome"] == "downgraded"]
    return {"n_split": len(split), "n_split_movers": int((split["outcome"] == "downgraded").sum()),
            "clear_unanimous": float(clear["unanimous"].mean()),
            "movers_unanimous": float(movers["unanimous"].mean()), "n_movers": len(movers)}


def _wording_mistakes() -> dict:
    f = _disagreement_facts()
    return {
        "A": (f"Care is not what is missing. On customers who closed or stayed the annotators "
              f"are unanimous {f['clear_unanimous']:.0%} of the time; on those who moved to the "
              f"free tier, {f['movers_unanimous']:.0%}. The brief is silent on that case, and "
              "asking for care does not fill the silence."),
        "B": (f"It would raise agreement (everyone would label the {f['n_movers']} free-tier "
              "movers 0) but it defines the problem away: a customer on the free tier pays "
              "nothing, so the revenue is lost all the same. Agreement is not correctness: a "
              "rule must also say what the business means by churn."),
        "D": ("A default breaks ties one way without saying why: every unsure free-tier mover "
              "becomes a 'stayer' although they stopped paying, and the next annotator who is "
              "sure reads it the other way. Name the case instead."),
    }


register(Exercise(
    "4.2",
    "Which guideline wording (A, B, C or D) resolves the annotators' disagreement?",
    expected="C",
    kind="choice",
    options=tuple(WORDINGS),
    mistakes=_wording_mistakes,
    hints=("Find the kind of customer the annotators split on (the table above), then look for "
           "the wording that names that case.",
           "A good guideline settles the hard case *and* says what the business means: which "
           "customers stop bringing in money?"),
    explanation=lambda: (
        f"It names the case that splits them ({_disagreement_facts()['n_split_movers']} of the "
        f"{_disagreement_facts()['n_split']} customers without a unanimous label moved to the "
        "free tier), says which way it goes and why (the free tier earns nothing), and names "
        "the neighbouring case (a cheaper paid plan). The next section tests it."),
    activity="decide",
))


# --- 4.3 ---------------------------------------------------------------------------------

def _ties(name: str) -> int:
    from toolkit.labels import majority_vote

    return int(majority_vote(_round(name))["tie"].sum())


def _n_customers(name: str) -> int:
    return int(_round(name)["customer_id"].nunique())


register(Exercise(
    "4.3",
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
    hints=("`votes_before` has one row per customer.",
           "Which column is True when no label has more votes than the other?"),
    explanation=lambda: (
        f"{_ties('before_guideline')} of {_n_customers('before_guideline')} customers "
        f"({_ties('before_guideline') / _n_customers('before_guideline'):.0%}) have no "
        "majority: hiding those behind an arbitrary rule would bury exactly the cases the "
        "guideline has to settle."),
))


# --- 4.4: twins, whatever their labels ---------------------------------------------------

def _describing_columns() -> list[str]:
    return [c for c in _load("history").columns if c not in ("customer_id", "churned")]


def _twin_rows() -> int:
    history = _load("history")
    return int(history.duplicated(subset=_describing_columns(), keep=False).sum())


def _conflicting_rows() -> int:
    from toolkit.labels import find_conflicting_labels

    return len(find_conflicting_labels(_load("history"), _describing_columns(), "churned"))


def _twin_mistakes() -> dict:
    history = _load("history")
    messages: dict[int, list[str]] = {}

    def add(value: int, message: str) -> None:
        messages.setdefault(int(value), []).append(message)

    copies = int(history.duplicated(subset=_describing_columns()).sum())
    add(copies, "`duplicated()` marks only the later copy of each pair (`keep='first'` is its "
                "default); the question counts both rows: pass `keep=False`.")
    add(_conflicting_rows(), "The rows whose labels conflict are only some of the twins: count "
                             "every row that has a twin, whatever its label.")
    add(int(history.duplicated(subset=[*_describing_columns(), "churned"], keep=False).sum()),
        "You compared the label too, so only the twins that agree were counted; leave "
        "`churned` out of the columns.")
    add(0, "Zero twins usually means `customer_id` is among the columns: a copy filed under a "
           "new id never matches the original. Leave identifiers out.")
    return {value: " Or: ".join(texts) for value, texts in messages.items()}


register(Exercise(
    "4.4",
    "How many rows of history have an exact twin on every column but the id and the label, "
    "whatever their labels (a whole number)?",
    expected=_twin_rows,
    tolerance=0,
    mistakes=_twin_mistakes,
    hints=("`everything_but_id` already lists the columns that describe a customer.",
           "`DataFrame.duplicated(subset=...)` marks repeated rows; read what its `keep` "
           "argument does, because the question counts both rows of a pair."),
    explanation=lambda: (
        f"{_twin_rows()} rows have a twin, and {_conflicting_rows()} of them carry the opposite "
        f"label to their twin: {_conflicting_rows() / _twin_rows():.0%} of the duplicated rows "
        "contradict each other. A model trained on both copies is told two things about the "
        "same customer."),
    activity="do",
))


# --- 4.5: where the suspects concentrate -------------------------------------------------

@lru_cache(maxsize=1)
def _suspects() -> pd.DataFrame:
    """The notebook's suspect labels: out-of-fold logistic regression, the region left out."""
    from sklearn.pipeline import make_pipeline

    from toolkit.estimators import LogisticRegression
    from toolkit.features import make_preprocessor
    from toolkit.labels import find_suspect_labels

    history = _load("history")
    X = history.drop(columns=["churned", "exit_survey_score", "region"])
    model = make_pipeline(make_preprocessor(X), LogisticRegression())
    return find_suspect_labels(X, history["churned"], model, cv=5, seed=0)


def _share_flagged() -> pd.Series:
    return _suspects()["suspect"].groupby(_load("history")["region"], observed=True).mean()


def _region_feedback() -> dict[str, str]:
    flagged = _suspects()["suspect"].groupby(_load("history")["region"], observed=True)
    counts, shares = flagged.sum(), flagged.mean()
    top = shares.idxmax()
    return {region: (f"{region} has {int(counts[region])} suspects, {shares[region]:.1%} of its "
                     f"customers; {top} has {shares[top]:.1%}. Divide each region's number of "
                     "suspects by its number of customers and compare the shares.")
            for region in REGIONS if region != top}


register(Exercise(
    "4.5",
    "Which region has the highest share of its customers flagged as suspect (one of 'North', "
    "'South', 'East', 'West', 'Central')?",
    expected=lambda: _share_flagged().idxmax(),
    kind="choice",
    options=REGIONS,
    mistakes=_region_feedback,
    hints=("`suspects` and `history` share the same index, so you can group a column of one "
           "by a column of the other.",
           "Group `suspects['suspect']` by `history['region']` (with `observed=True`) and take "
           "the share of True in each group; then find the largest."),
    explanation=lambda: (
        f"{_share_flagged().idxmax()} stands out ({_share_flagged().max():.1%} flagged, against "
        f"{_share_flagged().drop(_share_flagged().idxmax()).max():.1%} at most elsewhere), "
        "although the model never saw the region: its customers look like leavers but are "
        "labelled as staying more often than anywhere else."),
    activity="do",
))


# --- 4.6: which labels to send for re-checking -------------------------------------------

def _lists() -> dict[str, pd.Index]:
    history, truth = _load("history"), _load("history_truth")
    south = history["region"] == "South"
    movers_at_0 = south & (truth["outcome"] == "downgraded") & (history["churned"] == 0)
    return {"top suspects": _suspects().index[:BUDGET],
            "south free-tier movers": history.index[movers_at_0],
            "random rows": history.sample(BUDGET, random_state=0).index,
            "all of south": history.index[south]}


def _wrong_found() -> dict[str, int]:
    wrong = _load("history_truth")["label_is_wrong"]
    return {name: int(wrong.loc[rows].sum()) for name, rows in _lists().items()}


def _best_list() -> str:
    found, lists = _wrong_found(), _lists()
    affordable = {name: n for name, n in found.items() if len(lists[name]) <= BUDGET}
    return max(affordable, key=affordable.get)


def _list_feedback() -> dict[str, str]:
    found, lists = _wrong_found(), _lists()
    best = _best_list()
    base = float(_load("history_truth")["label_is_wrong"].mean())
    cause = (f"The list built from the cause, {best!r}, holds {len(lists[best])} rows and "
             f"{found[best]} wrong labels.")
    return {
        "top suspects": (f"The top {BUDGET} suspects hold {found['top suspects']} wrong labels "
                         "(the precision at k above): the right list when you know no cause. "
                         f"Here you know one. {cause}"),
        "random rows": (f"{BUDGET} random rows held {found['random rows']} wrong labels (the base "
                        f"rate is {base:.1%}): checking at random is the baseline, not a plan. "
                        f"{cause}"),
        "all of south": (f"South has {len(lists['all of south'])} customers, more than the "
                         f"{BUDGET} you can check, and most of its labels are right. {cause}"),
        "south free-tier movers": cause,
    }


register(Exercise(
    "4.6",
    "With 200 labels to check by hand, which list do you send (one of 'top suspects', "
    "'south free-tier movers', 'random rows', 'all of south')?",
    expected=_best_list,
    kind="choice",
    options=LISTS,
    mistakes=lambda: {name: text for name, text in _list_feedback().items()
                      if name != _best_list()},
    hints=("Count, for each list, how many of its rows have `is_wrong` True, and how many rows "
           "it has: a list longer than the budget cannot be sent whole.",
           "The suspects came from a model; the free-tier movers came from a cause you found. "
           "Which list holds more wrong labels per row checked?"),
    explanation=lambda: (
        f"{_list_feedback()[_best_list()]} Every row of it breaks the guideline for the same "
        "reason, so a checker confirms them quickly, and the budget left over goes to the top "
        "suspects. Fixing the cause (sharing the guideline) stops new wrong labels too."),
    activity="decide",
))


#: Quiz 4.q1's two annotators: 100 customers, each labels 10 of them "churned", and they agree
#: on 90 (5 churners and 85 stayers in common).
QUIZ_PAIR = ([1] * 5 + [1] * 5 + [0] * 5 + [0] * 85, [1] * 5 + [0] * 5 + [1] * 5 + [0] * 85)


def quiz_pair_agreement() -> tuple[float, float, float]:
    """Quiz 4.q1's pair: observed agreement, agreement expected by chance, Cohen's kappa."""
    first, second = QUIZ_PAIR
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    chance = p1 * p2 + (1 - p1) * (1 - p2)
    return observed, chance, (observed - chance) / (1 - chance)


_OBSERVED, _CHANCE, _KAPPA = quiz_pair_agreement()

register_quiz(Quiz(
    "4.q1",
    f"Two annotators label the same {len(QUIZ_PAIR[0])} customers. Each calls "
    f"{sum(QUIZ_PAIR[0])} of them churners, and they agree on {100 * _OBSERVED:.0f} % of the "
    "customers. "
    "How good is their agreement?",
    options={"a": f"Excellent: they agree on {100 * _OBSERVED:.0f} % of the customers.",
             "b": "Moderate: most of that agreement would happen by chance at these rates.",
             "c": f"Poor: disagreeing on one customer in {round(1 / (1 - _OBSERVED))} is too much "
                  "for any labels.",
             "d": "It cannot be judged without each customer's true outcome."},
    correct="b",
    feedback={
        "a": f"Two annotators who each say *stays* "
             f"{100 * (1 - sum(QUIZ_PAIR[0]) / len(QUIZ_PAIR[0])):.0f} % of the time, at random, "
             f"would already agree on {100 * _CHANCE:.0f} % of the customers. "
             "The plain share of agreement flatters them.",
        "b": f"Right: chance alone gives {100 * _CHANCE:.0f} % agreement at these rates, so "
             "Cohen's kappa "
             f"is ({_OBSERVED:.2f} - {_CHANCE:.2f}) / (1 - {_CHANCE:.2f}) = {_KAPPA:.2f}: their "
             "agreement beyond chance is less than half of what it could be.",
        "c": "The share of disagreements alone cannot say that: compare it with what chance "
             "gives. Kappa does, and here it is moderate rather than poor.",
        "d": "Agreement is measured between the annotators, with no answer key: kappa compares "
             "how often they agree with how often they would by chance.",
    },
))
