"""Exercises of notebook 02 (data and baselines)."""

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz


def _penguin_shares():
    from toolkit.datasets import load

    return load("penguins")["species"].value_counts(normalize=True)


def _penguin_majority() -> float:
    return float(_penguin_shares().max())


def _penguin_mistakes() -> dict[float, str]:
    shares = _penguin_shares()
    return {
        1 / 3: "1/3 is a fair three-sided coin: it ignores the penguin. The majority baseline "
               "always answers the most frequent species, and is right on all of those.",
        0.5: "0.5 is a two-sided coin's accuracy on a yes/no label. Here there are three "
             "species, and the baseline is no coin: it always says the most frequent one.",
        0.8: "0.8 is the churn data's floor (80 % stay). Every dataset has its own floor: "
             "compute the share of the most frequent species.",
        float(shares.min()): "That is the share of the *least* frequent species. The majority "
                             "baseline always answers the most frequent one.",
    }


register(Exercise(
    "2.1",
    "Which column exists only after the outcome is known, so it cannot be used to predict?",
    expected="exit_survey_score",
    kind="choice",
    options=("age", "last_complaint", "support_calls_90d", "exit_survey_score"),
    activity="decide",
    mistakes={
        "age": "`age` is missing for some customers, but it is known before they leave: "
               "missing is not the same as leaky.",
        "last_complaint": "Complaints are logged while the customer is still with us, so they "
                          "are available when we predict. Mostly empty, but fair to use.",
        "support_calls_90d": "Support calls happen before the customer leaves: a strong, fair "
                             "signal, not a leak.",
    },
    hints=("Read the `meaning` column of the datasheet.",
           "Which column is filled for almost every churner and for nobody else?"),
    explanation="The exit survey is sent after an account is closed: it is filled for leavers "
                "only, so it 'predicts' churn perfectly in history and does not exist in "
                "production.",
))

register(Exercise(
    "2.2",
    "Why do we test on October to December instead of a random 25 % of the rows?",
    expected="b",
    kind="choice",
    options=("a", "b", "c"),
    mistakes={
        "a": "Both splits cost the same: one comparison of dates or one random draw. Speed is "
             "not the reason.",
        "c": "A random split keeps about the same share of churners too, as the time split does "
             "here. "
             "Class balance is not what a time split protects.",
    },
    hints=("Think about the day the model goes live: which customers will it score?",
           "A random split lets the model learn from December to predict October."),
    explanation="The model will predict future months from past ones; the test must do the "
                "same, or it will flatter the model with a peek at the future.",
))

register(Exercise(
    "2.3",
    "Penguins: what accuracy does always predicting the most frequent species reach?",
    expected=_penguin_majority,
    tolerance=0.005,
    activity="do",
    mistakes=_penguin_mistakes,
    hints=("Load the data with `datasets.load('penguins')`; the label is `species`.",
           "`value_counts(normalize=True)` gives the share of each species.",
           "The majority baseline is right exactly on the penguins of one species: which one?"),
    explanation="The majority floor is the share of the most frequent class, whatever the data: "
                "on penguins it is far below churn's 80 %, because no species dominates.",
))

register(Exercise(
    "2.4",
    "Is the model really better than always-stays on the first 100 test customers?",
    expected="no",
    kind="choice",
    options=("yes", "no"),
    activity="do",
    mistakes={
        "yes": "Its accuracy is a little higher, but the 95 % interval of the difference "
               "includes 0 (and McNemar's p-value is far above 0.05): on 100 customers a gain "
               "that small is easily luck.",
    },
    hints=("Look at `ci95_low` and `ci95_high`: is 0 inside the interval?",
           "`model_really_better` in the summary answers the question directly."),
    explanation="Same model, same kind of data: on the full test months the gain is real, on "
                "100 customers it cannot be told from noise. Small test sets need intervals.",
))

register(Exercise(
    "2.5",
    "What does the annotators' agreement with the answer key tell us?",
    expected="b",
    kind="choice",
    options=("a", "b", "c"),
    activity="decide",
    mistakes={
        "a": "The annotators saw each account's outcome; the model must predict it a month "
             "ahead from a snapshot. Their score is for another, easier task, so it is no "
             "ceiling for the model.",
        "c": "Nobody asked the annotators to predict: they labelled what had already happened. "
             "How well people predict next month's churn was never measured.",
    },
    hints=("What did the annotators look at: the snapshot before, or the account after?",
           "Which part of a project does their work produce: the model's inputs, or its labels?"),
    explanation="The annotators label an outcome they can see, so their accuracy measures how "
                "good our labels can be. A model trained on noisier labels learns their noise.",
))


register_quiz(Quiz(
    "2.q1",
    "McNemar's test gives the model's gain over always *stays* a small p-value (below 0.05). "
    "Which statement is right?",
    options={"a": "The chance that the model is no better than the baseline is below 5 %.",
             "b": "If the model were no better, a gain this large would rarely come by luck.",
             "c": "The gain is large: the smaller the p-value, the bigger the improvement.",
             "d": "On a test set ten times larger, the p-value would stay about the same."},
    correct="b",
    feedback={
        "a": "Tempting, but the p-value is computed *assuming* the model is no better; it says "
             "how surprising the data would be then, not how likely that assumption is.",
        "b": "Right: the p-value says whether the gain can be told from luck, not how big it "
             "is. The interval of the difference says how big, and the scope's money says "
             "whether that size is worth having.",
        "c": "A tiny gain measured on very many customers gets a tiny p-value too. Read the "
             "size of the gain from its interval, and judge it in the business's units.",
        "d": "The same gain on more customers is harder to explain by luck, so the p-value "
             "shrinks. That is why a p-value cannot measure the size of an effect.",
    },
))
