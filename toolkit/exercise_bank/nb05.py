"""Exercises of notebook 05 (modeling)."""

from functools import lru_cache

from toolkit.exercises import Exercise, register


def _train():
    from toolkit.datasets import load

    history = load("history")
    return history[history["month"] < "2024-10-01"]


def _majority_accuracy() -> float:
    return float(1 - _train()["churned"].mean())


@lru_cache(maxsize=1)
def _threshold_curve():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline

    from toolkit.error_analysis import threshold_curve
    from toolkit.features import make_preprocessor

    train = _train()
    X, y = train.drop(columns="churned"), train["churned"]
    model = make_pipeline(make_preprocessor(X, drop=["exit_survey_score", "month"]),
                          LogisticRegression(max_iter=1000))
    proba = cross_val_predict(model, X, y, cv=5, method="predict_proba")[:, 1]
    return threshold_curve(y, proba)


def _cautious_threshold() -> float:
    curve = _threshold_curve()
    return float(curve.loc[curve["recall"] >= 0.8, "threshold"].max())


# The answer of 5.4 needs five model fits; it is stored here so that checking it is instant,
# and tests/test_modeling.py recomputes it, so it cannot drift from the data.
CAUTIOUS_THRESHOLD = 0.20


register(Exercise(
    "5.1",
    "Mean cross-validated accuracy of the 'most frequent' baseline (a fraction between 0 and 1)?",
    expected=_majority_accuracy,
    tolerance=0.005,
    mistakes=lambda: {
        1 - _majority_accuracy(): "That is the share of churners: the accuracy of always "
                                  "predicting 'churns'. The baseline always predicts 'stays'.",
        0.5: "0.5 is about the coin flip's accuracy; look at the row 'most frequent'.",
        0.0: "0 is its precision, recall and F1: it never flags anyone. Read `accuracy_mean`.",
    },
    hints=("Find the row whose `model` is 'most frequent' in `comparison`.",
           "`comparison.set_index('model').loc['most frequent', 'accuracy_mean']`"),
    explanation="About 80 %: always answering 'stays' is right for four customers in five, "
                "which is why accuracy alone cannot tell a useful churn model from no model.",
))

register(Exercise(
    "5.2",
    "Why is the random forest, despite its higher precision, not the pick?",
    expected="a",
    kind="choice",
    options=("a", "b", "c"),
    mistakes={
        "b": "Its training time is well under a second per fold here: not a reason to drop it. "
             "Compare the recall columns instead.",
        "c": "Precision does matter: each flag costs a retention call. But look at its recall: "
             "a model that flags few customers is precise and still misses most churners.",
    },
    hints=("Compare `recall_mean` of the random forest with logistic regression's.",
           "F1 combines precision and recall; which model has the higher F1?"),
    explanation="Its recall is low: it flags few customers, so most are right, but most churners "
                "go unnoticed. F1 punishes that, and logistic regression wins on F1.",
))

register(Exercise(
    "5.3",
    "From the learning curve: 'more data' or 'better features'?",
    expected="better features",
    kind="choice",
    options=("more data", "better features"),
    mistakes={
        "more data": "More rows help while the training and validation curves are far apart. "
                     "Here they have nearly met: the model already learns what these features can "
                     "tell it.",
    },
    hints=("Look at the gap between the two curves at the largest training size.",
           "A small gap and a flat validation curve mean the model is limited by what it is "
           "given, not by how many examples it has."),
    explanation="The curves have met, so more of the same rows will not help much; a more "
                "informative feature will. Notebook 06 finds one.",
))

register(Exercise(
    "5.4",
    "Highest threshold whose out-of-fold recall is at least 0.8 (a number between 0 and 1)?",
    expected=CAUTIOUS_THRESHOLD,
    tolerance=0.005,
    mistakes={
        0.31: "That is the threshold with the best F1; its recall is below 0.8. Keep only the "
              "rows with recall >= 0.8 first.",
        0.01: "Every low threshold reaches 80 % recall; the team wants the *highest* one, so "
              "that as few stayers as possible are called.",
        0.5: "0.5 is the default threshold; at 0.5 the model reaches far less than 80 % recall.",
    },
    hints=("Keep the rows of `curve` with `recall >= 0.8`.",
           "Among them, take the largest `threshold`: "
           "`curve.loc[curve['recall'] >= 0.8, 'threshold'].max()`."),
    explanation="Lower thresholds flag more customers: recall rises and precision falls. The "
                "highest threshold that still reaches the recall target calls the fewest stayers.",
))
