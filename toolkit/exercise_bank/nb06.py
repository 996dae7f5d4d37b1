"""Exercises of notebook 06 (error analysis)."""

from toolkit.exercises import Exercise, register

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
    hints=("The `gain` column is gap x share.", "Two tags tie at 0.6 points each."),
    explanation="Clean speech (1 point x 60 %) and people noise (2 points x 30 %) each promise "
                "0.6 points; car noise only 0.16 despite its big gap.",
))

# Answers that need five model fits are stored, so that checking is instant;
# tests/test_error_analysis.py recomputes them from the data, so they cannot drift.
MONTH_TO_MONTH_ERROR = 0.2545
SOUTH_RECALL_AFTER = 0.7523
PRICE_WORDS = ("price", "expensive", "competitor", "roaming")
DROP = ["exit_survey_score", "month"]


def _words_in_vocabulary() -> int:
    from toolkit.datasets import load
    from toolkit.features import make_preprocessor

    history = load("history")
    X, y = history.drop(columns="churned"), history["churned"]
    names = set(make_preprocessor(X, drop=DROP).fit(X, y).get_feature_names_out())
    return sum(f"last_complaint_{word}" in names for word in PRICE_WORDS)


register(Exercise(
    "6.1",
    "Error rate of the slice contract = month-to-month (a fraction between 0 and 1)?",
    expected=MONTH_TO_MONTH_ERROR,
    tolerance=0.002,
    mistakes={
        0.164: "That is the overall error rate; the question asks for one slice.",
        0.788: "That is the slice's share of all errors (`error_share`): most errors are there, "
               "but the error rate counts errors among the slice's own customers.",
        1.550: "That is the lift (error rate / overall error rate); give the error rate itself.",
        0.508: "That is the slice's share of the customers, not its error rate.",
    },
    hints=("Look at the row `month-to-month` of `by_contract`.",
           "`by_contract.set_index('contract').loc['month-to-month', 'error_rate']`"),
    explanation="Well above the overall error rate: flexible customers are where the model errs.",
))

register(Exercise(
    "6.3",
    "How many of 'price', 'expensive', 'competitor', 'roaming' are in the bag-of-words vocabulary?",
    expected=_words_in_vocabulary,
    tolerance=0,
    mistakes={
        4: "Look again: the output columns are named `last_complaint_<word>`; search for each.",
        3: "Only one of them is a column. The others are each in one complaint text out of 15, "
           "too rare for a 30-word vocabulary.",
        0: "One of them is there: roaming charges come up often enough.",
    },
    hints=("The output columns are called `last_complaint_<word>`.",
           "Search `described.loc['last_complaint', 'output_columns']` for each of the four."),
    explanation="Only 'roaming' made the cut: two of the three price complaints are invisible "
                "to the model.",
))

register(Exercise(
    "6.4",
    "After relabelling and retraining, the recall on South's churners (a fraction)?",
    expected=SOUTH_RECALL_AFTER,
    tolerance=0.005,
    mistakes={
        0.408: "That is the recall *before* the fix; take the column 'recall after'.",
        0.248: "That is the share of South churners still missed (1 - recall).",
        0.598: "That is the share missed before the fix, on the recorded labels.",
    },
    hints=("Look at the row `South` of `recall`.",
           "`recall.loc['South', 'recall after']`"),
    explanation="From about four South churners in ten to three in four, the level of the other "
                "regions: the model no longer learns the South team's old rule.",
))
