"""Exercises of notebook 05 (modeling).

The answers of 5.2 and 5.3 need several model fits on month-ordered folds. They are stored
below so that checking is instant, and ``tests/test_bank_nb05.py`` recomputes every one of them
from the data with :func:`value_curve`, so they cannot drift.
"""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

CANDIDATES = ("logistic regression", "decision tree", "random forest", "gradient boosting")


@lru_cache(maxsize=1)
def _train():
    from toolkit.datasets import load

    history = load("history")
    train = history[history["month"] < "2024-10-01"]
    return train.drop(columns="churned"), train["churned"]


def _pipeline(name: str):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline

    from toolkit.features import make_preprocessor
    from toolkit.modeling import (
        CASE_STUDY_AGE_REFERENCE,
        CASE_STUDY_DROP,
        case_study_decision,
        case_study_pipeline,
    )

    X, _ = _train()
    if name == "logistic regression":
        return case_study_pipeline(X, C=case_study_decision()["C"])
    forest = RandomForestClassifier(n_estimators=50, min_samples_leaf=5, random_state=0)
    return make_pipeline(make_preprocessor(X, drop=list(CASE_STUDY_DROP),
                                           age_reference=CASE_STUDY_AGE_REFERENCE), forest)


#: Stored results of :func:`value_curve` (EUR and thresholds), recomputed by the tests.
FOREST_BEST_VALUE = 6360.0
FOREST_VALUE_AT_HALF = 3780.0
LOGISTIC_BEST_VALUE = 6840.0
LOGISTIC_BEST_THRESHOLD = 0.31
DEARER_BEST_THRESHOLD = 0.67


@lru_cache(maxsize=3)
def value_curve(name: str, offer_cost: float = 30.0):
    from toolkit.modeling import MonthSplit, out_of_fold_proba, value_by_threshold
    from toolkit.scoping import CampaignEconomics, case_study_scope

    X, y = _train()
    oof = out_of_fold_proba(_pipeline(name), X, y, MonthSplit(3))
    money = case_study_scope().economics
    economics = CampaignEconomics(money.customer_value, offer_cost, money.save_rate)
    return value_by_threshold(y.loc[oof.index], oof, economics)


register(Exercise(
    "5.1",
    "Which candidate do you select, judging by average precision?",
    expected="logistic regression",
    kind="choice",
    options=CANDIDATES,
    activity="decide",
    mistakes={
        "gradient boosting": "Gradient boosting comes close, but its average precision is lower "
                             "and its spread across the months is wider: nothing in the table "
                             "says it ranks churners better, and it is slower and harder to "
                             "explain.",
        "random forest": "The forest ranks churners less well than the best candidate (lower "
                         "average precision). Its precision at 0.5 looks fine only because it "
                         "flags few customers at that threshold.",
        "decision tree": "A single tree of depth 5 has the lowest average precision of the four "
                         "candidates: its few leaves give coarse probabilities.",
    },
    hints=("Compare the candidates' `average_precision_mean`, with their `_std`.",
           "The baselines' average precision is the share of churners; which candidate is "
           "furthest above it, by more than the spread?"),
    explanation="Logistic regression has the highest mean average precision. Gradient boosting "
                "is within the spread across months, so the tie goes to the simpler, faster "
                "model, which is also the right shape for a world that is logistic by "
                "construction.",
))


register(Exercise(
    "5.2",
    "Largest out-of-fold business value (EUR) the random forest reaches at any threshold?",
    expected=FOREST_BEST_VALUE,
    tolerance=0.5,
    activity="do",
    mistakes={
        LOGISTIC_BEST_VALUE: "That is the logistic regression's best value. Compute the "
                             "forest's own out-of-fold probabilities first.",
        FOREST_VALUE_AT_HALF: "That is the forest's value at 0.5, the threshold we wanted to "
                              "avoid. Take the largest value over all thresholds.",
    },
    hints=("`modeling.out_of_fold_proba(pipelines['random forest'], X_train, y_train, folds)` "
           "gives the forest's probabilities for July–September.",
           "Pass them to `modeling.value_by_threshold` with the labels of the same rows "
           "(`y_train.loc[...index]`) and `money`.",
           "Which column of that table holds the euros, and which of its values do you want?"),
    explanation="Even at its own best threshold the forest is worth less than the logistic "
                "regression: the comparison no longer rests on 0.5, and the choice stands.",
))


register(Exercise(
    "5.3",
    "With a 60 EUR offer, which threshold is worth the most on the out-of-fold predictions?",
    expected=DEARER_BEST_THRESHOLD,
    tolerance=0.005,
    activity="do",
    mistakes={
        LOGISTIC_BEST_THRESHOLD: "That is the best threshold for the 30 EUR offer. A dearer "
                                 "offer needs more certainty before it pays: rebuild the "
                                 "economics with `offer_cost=60`.",
        0.5: "0.5 is the default threshold, not the one the money chooses. Compute the value "
             "at every threshold with the new economics.",
    },
    hints=("`scoping.CampaignEconomics(customer_value=..., offer_cost=60, save_rate=...)`: copy "
           "the other two numbers from `scope.economics`.",
           "`modeling.value_by_threshold(y_valid, oof, dearer)` gives the value per threshold.",
           "Keep the threshold of the row with the largest value."),
    explanation="A dearer offer pays only for customers more likely to churn, so the best "
                "threshold rises, close to the new break-even precision.",
))


register(Exercise(
    "5.4",
    "From the learning curve: 'more data' or 'better features'?",
    expected="better features",
    kind="choice",
    options=("more data", "better features"),
    activity="decide",
    mistakes={
        "more data": "More rows help while the training and validation curves are far apart. "
                     "Here they have nearly met: the model already learns what these features can "
                     "tell it.",
    },
    hints=("Look at the gap between the two curves at the largest training size.",
           "A small gap and a flat validation curve mean the model is limited by what it is "
           "given, not by how many examples it has."),
    explanation="The curves have nearly met and the validation curve gains little from more "
                "rows, so more of the same will not help much; a more informative feature will. "
                "Notebook 06 finds one.",
))


register_quiz(Quiz(
    "5.q1",
    "Suppose the model had done worse on the test months than out of fold. A colleague proposes "
    "to try a few other thresholds and values of `C` on the test months and keep the best. "
    "What is wrong with that?",
    options={"a": "Nothing: the test months are the most honest data, so they give the most "
                  "honest choice.",
             "b": "The test score would then reward the choice made on it: it would no longer "
                  "say how the model does on new customers.",
             "c": "Nothing, as long as only the threshold changes and the model stays.",
             "d": "Nothing, if the choice is made by cross-validation within the test months."},
    correct="b",
    feedback={
        "a": "The test months are honest only while nothing is chosen on them. Each choice made "
             "there fits their quirks a little, and the score they give becomes optimistic.",
        "b": "Right: a test set is used once, to measure a decision already written down. To "
             "choose again, go back to the folds of the training months, and keep new months "
             "(production, notebook 08) for the next honest measurement.",
        "c": "The threshold is chosen from data as much as `C` is: picking it on the test months "
             "makes the test value optimistic in the same way.",
        "d": "Cross-validating inside the test months still uses them to choose, and then no "
             "untouched data is left to measure the choice.",
    },
))
