"""Exercises of notebook 00 (start here)."""

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz


def _churn_share() -> float:
    from toolkit.datasets import load

    return float(load("history")["churned"].mean())


register(Exercise(
    "0.1",
    "How many phases does the lifecycle figure show?",
    expected=4,
    tolerance=0,
    mistakes={
        3: "Scoping is a phase too: deciding what to build comes before any data.",
        10: "10 counts the steps inside the boxes; count the big boxes (the phases).",
        5: "5 counts the Data phase twice; monitoring and retraining belong to Deployment.",
    },
    hints=("Look at the big boxes in the figure, not the steps inside them.",
           "Scoping, Data, ... how many bold titles are there?"),
    explanation="Scoping, data, modeling and deployment, joined by two loops back.",
    activity="read",
))

register(Exercise(
    "0.2",
    "What share of the customers in `history` churned (a fraction between 0 and 1)?",
    expected=_churn_share,
    tolerance=0.005,
    mistakes=lambda: {
        1 - _churn_share(): "That is the share who *stayed*; churned is the column with the 1s.",
        _churn_share() * 5000: "That is a count of customers; divide by the number of rows.",
    },
    hints=("The label is the `churned` column: 1 means the customer left.",
           "The mean of a 0/1 column is the share of 1s: which pandas method gives a mean?"),
    explanation=lambda: (f"{_churn_share():.1%} of the customers leave, about one in "
                         f"{round(1 / _churn_share())}: remember it when you meet accuracy."),
    activity="do",
))


register_quiz(Quiz(
    "0.q1",
    "You trained a model, and its test score is good. Where in the lifecycle are you?",
    options={"a": "At the end: the project is done.",
             "b": "Part way: it still has to be deployed, watched and, one day, retrained.",
             "c": "At the start: scoping comes after the first model."},
    correct="b",
    feedback={
        "a": "A model on a laptop helps nobody yet. Deployment, monitoring and retraining "
             "follow, and monitoring often sends you back to the data.",
        "b": "Right: the lifecycle is a loop. Production data changes, and what you learn there "
             "sends you back to the data and the model.",
        "c": "Scoping comes first: it decides what 'good' means before any model is trained.",
    },
))
