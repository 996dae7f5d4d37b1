"""Exercises of notebook 06 (error analysis)."""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

#: The complaint topics as word lists (the notebook hands these over after Exercise 6.1).
TOPICS = {"price": "price|expensive|roaming", "billing": "invoice|charged twice|bill higher",
          "coverage": "signal|calls drop|coverage", "speed": "slow|buffering",
          "service": "hotline|staff|logging"}
PRICE_WORDS = ("price", "expensive", "competitor", "roaming")
#: The tags of Exercise 6.3 a good argument can start from (see its feedback).
GOOD_FIRST_TAGS = ("complaint: price", "new (< 5 months)")
OTHER_TAGS = ("complaint: billing", "complaint: coverage", "complaint: speed",
              "complaint: service", "no complaint")
#: The day of the notebook's confirmation: January and February 2025 with their labels.
FRESH_AS_OF = "2025-03-01"


def _history():
    from toolkit.datasets import load

    history = load("history")
    return history.drop(columns=["churned", "exit_survey_score"]), history["churned"]


@lru_cache(maxsize=1)
def complaint_topics() -> dict[str, str]:
    """Each complaint text of the history -> its topic under :data:`TOPICS`."""
    import re

    X, _ = _history()
    texts = X["last_complaint"].dropna().unique()
    return {text: next(t for t, words in TOPICS.items() if re.search(words, text))
            for text in texts}


def _tagged(answer) -> str | None:
    if not isinstance(answer, dict) or not answer:
        return ("The answer should be a dictionary {complaint text: tag}, e.g. "
                "{'no signal at home': 'coverage'}; got " + type(answer).__name__ + ".")
    known = complaint_topics()
    unknown = [text for text in answer if text not in known]
    if unknown:
        return (f"{unknown[0]!r} is not one of the complaint texts; copy them from the "
                "`last_complaint` column of `sample`.")
    bad = [tag for tag in answer.values() if tag not in TOPICS]
    if bad:
        return f"Tags are one of {list(TOPICS)!r}; got {bad[0]!r}."
    if len(answer) < 3:
        return "Tag every complaint of the sample (at least three); customers without one are "\
               "left out."
    wrong = [text for text, tag in answer.items() if known[text] != tag]
    if wrong:
        return (f"{len(wrong)} of your {len(answer)} tags would sort the complaints differently "
                f"from the team's word lists, e.g. {wrong[0]!r} as {answer[wrong[0]]!r}. What is "
                "that customer unhappy about: the price, the bill, the network, the speed or the "
                "people?")
    return None


register(Exercise(
    "6.1",
    "Tag each complaint of the sample of errors with its topic.",
    kind="custom",
    validate=_tagged,
    activity="do",
    hints=("Go through `sample['last_complaint']` one row at a time; skip the empty ones.",
           "Ask of each text: is the customer unhappy about what they pay, how they are billed, "
           "the network, the speed of data, or how they were treated?",
           "Roaming charges are something a customer *pays*."),
    explanation="Tagging by hand is slow, but it is how the tags are found: the team turns them "
                "into word lists next, so that every customer can be tagged.",
))

register(Exercise(
    "6.2",
    "Which two tags of the speech example come first in the prioritisation table?",
    expected=frozenset({"clean speech", "people noise"}),
    kind="set",
    mistakes={
        frozenset({"car noise", "people noise"}): "Car noise has the biggest gap, but only 4 % "
        "of the data: 4 points x 4 % = 0.16. Multiply each gap by its share.",
        frozenset({"car noise", "clean speech"}): "Car noise has the biggest gap, but only 4 % "
        "of the data: 4 points x 4 % = 0.16. Multiply each gap by its share.",
        frozenset({"low bandwidth", "car noise"}): "Low accuracy is not the criterion: low "
        "bandwidth is already at HLP, so there is nothing to gain there.",
    },
    hints=("The `gain` column is gap x share.", "Two tags tie at the top; which ones?"),
    explanation="Clean speech (1 point x 60 %) and people noise (2 points x 30 %) each promise "
                "0.6 points; car noise only 0.16 despite its big gap.",
))


def _first_tag(answer) -> str | None:
    if not isinstance(answer, str):
        return f"Answer with one tag name (a str); got {type(answer).__name__}."
    tag = answer.strip()
    if tag in GOOD_FIRST_TAGS:
        return None
    if tag == "no complaint":
        return ("Its gain is negative: customers without a complaint are classified better than "
                "the model's average. Nothing to win there first.")
    if tag in OTHER_TAGS:
        return ("Its gain is about the same as the other complaint topics'. What singles a "
                "topic out is a surprise: its customers churn more often than the break-even "
                "precision, yet the model flags fewer of them than of a topic that churns less. "
                "Which topic is that?")
    return f"Answer with a tag from `ranked['tag']`, such as {GOOD_FIRST_TAGS[0]!r}; got {answer!r}."


register(Exercise(
    "6.3",
    "You have one week: which tag do you work on first?",
    kind="custom",
    validate=_first_tag,
    activity="decide",
    hints=("Sort by `gain`, but also ask: which error rate is *surprising*?",
           "Look at `by_topic`: which topic churns most, and how many of its customers does the "
           "model flag?",
           "New customers promise the largest gain, but the model already sees their tenure and "
           "contract; a topic the model seems blind to points at a cause you can check."),
    explanation="Both are good starts. New customers promise the largest gain, and their ROC "
                "AUC shows the model ranks them imperfectly. Price complaints are fewer, but "
                "they churn the most and the model flags fewer of them than of billing complaints, "
                "which points at a concrete cause to check. This notebook follows the price lead first.",
))


def _words_in_vocabulary() -> int:
    from toolkit.features import make_preprocessor

    X, y = _history()
    names = set(make_preprocessor(X, age_reference="month").fit(X, y).get_feature_names_out())
    return sum(f"last_complaint_{word}" in names for word in PRICE_WORDS)


register(Exercise(
    "6.4",
    "How many of 'price', 'expensive', 'competitor', 'roaming' are in the bag-of-words vocabulary?",
    expected=_words_in_vocabulary,
    tolerance=0,
    activity="do",
    mistakes={
        4: "Look again: the output columns are named `last_complaint_<word>`; search for each.",
        3: "Only one of them is a column. The others are each in one complaint text out of 15, "
           "too rare for a 30-word vocabulary.",
        0: "One of them is there: roaming charges come up often enough.",
    },
    hints=("The output columns are called `last_complaint_<word>`.",
           "Split `described.loc['last_complaint', 'output_columns']` on ', ' and test each "
           "word with `in`."),
    explanation="Only 'roaming' made the cut: two of the three price complaints are invisible "
                "to the model.",
))


@lru_cache(maxsize=1)
def fresh_predictions():
    """Old and fixed models of notebook 06, trained on 2024, on January-February 2025.

    Returns ``(fresh, old, new)``: the production rows whose labels are available on
    1 March 2025, and the two models' decisions at notebook 05's threshold.
    """
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import make_pipeline

    from toolkit.datasets import load
    from toolkit.estimators import LogisticRegression
    from toolkit.features import make_preprocessor
    from toolkit.modeling import case_study_model

    selected = case_study_model()
    X, y = _history()
    truth = load("history_truth")

    def topic_of(texts):
        texts = texts.fillna("")
        topic = np.select([texts.str.contains(w) for w in TOPICS.values()], list(TOPICS),
                          default="none")
        return pd.Categorical(topic, categories=[*TOPICS, "none"])

    def fit(X, y, drop=()):
        pre = make_preprocessor(X, drop=list(drop), age_reference="month")
        return make_pipeline(pre, LogisticRegression(C=selected.C)).fit(X, y)

    south = (X["region"] == "South").to_numpy()
    y_fixed = y.mask(south & (truth["outcome"] == "downgraded").to_numpy(), 1)
    X_topic = X.assign(complaint_topic=topic_of(X["last_complaint"]))
    known = load("production_labels", as_of=FRESH_AS_OF)
    fresh = load("production", as_of=FRESH_AS_OF).merge(known[["customer_id", "month", "churned"]],
                                                        on=["customer_id", "month"])
    X_fresh = fresh.drop(columns="churned")
    old = fit(X, y).predict_proba(X_fresh)[:, 1] >= selected.threshold
    new_model = fit(X_topic, y_fixed, drop=["last_complaint"])
    new = new_model.predict_proba(
        X_fresh.assign(complaint_topic=topic_of(X_fresh["last_complaint"])))[:, 1]
    return fresh, old.astype(int), (new >= selected.threshold).astype(int)


def _fixed_count(mask_of, fixed: bool = True) -> int:
    fresh, old, new = fresh_predictions()
    y = fresh["churned"].to_numpy()
    mask = mask_of(fresh, y)
    right_new, right_old = new[mask] == y[mask], old[mask] == y[mask]
    return int(((right_new & ~right_old) if fixed else (right_old & ~right_new)).sum())


def _south_churners(fresh, y):
    return (fresh["region"] == "South").to_numpy() & (y == 1)


def _count_mistakes() -> dict[int, str]:
    return {
        _fixed_count(lambda fresh, y: y == 1): "That counts every churner the fix caught, in "
            "all regions. The question is about South's churners.",
        _fixed_count(_south_churners, fixed=False): "That is the other off-diagonal cell: South "
            "churners the old model caught and the fixed one misses.",
    }


register(Exercise(
    "6.5",
    "South churners of January-February 2025 caught by the fixed model but missed by the old?",
    expected=lambda: float(_fixed_count(_south_churners)),
    tolerance=0,
    activity="do",
    mistakes=_count_mistakes,
    hints=("The South churners are `south_f & (y_fresh == 1)`.",
           "Among them, compare `fresh_new` and `fresh_old` with the label: right now, wrong "
           "before.",
           "Count the rows where the fixed model is right and the old one is wrong."),
    explanation="That off-diagonal cell, against the few churners the fix lost, is what "
                "McNemar's test weighs: on months no fix has seen, the fix holds.",
))


#: Quiz 6.q1's slice: its size and errors, and the rows and overall error rate around it.
QUIZ_SLICE = {"size": 40, "errors": 14, "rows": 4000, "overall": 0.18}


def quiz_slice_interval() -> tuple[float, float]:
    """The 95 % Wilson interval of Quiz 6.q1's slice (the interval ``error_slices`` reports)."""
    from scipy.stats import binomtest

    ci = binomtest(QUIZ_SLICE["errors"], QUIZ_SLICE["size"]).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


_LOW, _HIGH = quiz_slice_interval()
_RATE = QUIZ_SLICE["errors"] / QUIZ_SLICE["size"]

register_quiz(Quiz(
    "6.q1",
    f"Out of {QUIZ_SLICE['rows']:,} customers with an overall error rate of "
    f"{QUIZ_SLICE['overall']:.2f}, a slice of {QUIZ_SLICE['size']} customers has an error rate "
    f"of {_RATE:.2f}, with a 95 % interval from {_LOW:.2f} to {_HIGH:.2f}. Which statements "
    "are right? (Choose every one that is.)",
    options={"a": f"The slice's true error rate is {_RATE:.2f}.",
             "b": "The slice is probably worse than average: its whole interval lies above the "
                  "overall rate.",
             "c": "Fixing this slice completely would cut the overall error rate a lot.",
             "d": "A slice ten times larger with the same error rate would have a narrower "
                  "interval."},
    correct=("b", "d"),
    feedback={
        "a": f"{_RATE:.2f} is what {QUIZ_SLICE['size']} customers happened to show; the true rate "
             f"could be anywhere from about {_LOW:.2f} to {_HIGH:.2f}. Read the interval, not "
             "only the point.",
        "b": f"Right: even the low end ({_LOW:.2f}) is above {QUIZ_SLICE['overall']:.2f}, so the "
             "slice is unlikely to be average by luck.",
        "c": f"The slice holds {QUIZ_SLICE['size'] / QUIZ_SLICE['rows']:.0%} of the customers: "
             f"removing all of its {QUIZ_SLICE['errors']} errors lowers the overall rate by "
             f"{QUIZ_SLICE['errors'] / QUIZ_SLICE['rows']:.3f} at most. Weigh a slice by gap "
             "times share, as the prioritisation table does.",
        "d": "Right: more customers measure the same rate more precisely, and the interval "
             "shrinks roughly with the square root of the size.",
    },
))
