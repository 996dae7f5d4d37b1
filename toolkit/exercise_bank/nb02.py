"""Exercises of notebook 02 (data and baselines)."""

from toolkit.exercises import Exercise, register


def _hlp() -> float:
    from toolkit.baselines import human_level_performance
    from toolkit.datasets import load

    table = human_level_performance(load("annotations"), load("history_truth"), by="round")
    pooled = table[table["annotator"] == "all annotators"].set_index("round")["accuracy"]
    return float(pooled["after_guideline"])


def _hlp_mistakes() -> dict[float, str]:
    from toolkit.baselines import human_level_performance
    from toolkit.datasets import load

    table = human_level_performance(load("annotations"), load("history_truth"), by="round")
    after = table[table["round"] == "after_guideline"].set_index("annotator")["accuracy"]
    before = table[table["round"] == "before_guideline"].set_index("annotator")["accuracy"]
    return {
        float(before["all annotators"]): "That is the round *before* the guideline, when "
        "annotators disagreed about downgraders. HLP is measured with the guideline in force.",
        float(after.drop("all annotators").max()): "That is the best single annotator. HLP is "
        "what a typical trained person reaches: pool every annotator's labels.",
        float(after.drop("all annotators").min()): "That is the weakest annotator. HLP is "
        "what a typical trained person reaches: pool every annotator's labels.",
    }


register(Exercise(
    "2.1",
    "Which column exists only after the outcome is known, so it cannot be used to predict?",
    expected="exit_survey_score",
    kind="choice",
    options=("age", "last_complaint", "support_calls_90d", "exit_survey_score"),
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
        "c": "A random split keeps about the same share of churners too (here 19.5 % vs 20 %). "
             "Class balance is not what a time split protects.",
    },
    hints=("Think about the day the model goes live: which customers will it score?",
           "A random split lets the model learn from December to predict October."),
    explanation="The model will predict future months from past ones; the test must do the "
                "same, or it will flatter the model with a peek at the future.",
))

register(Exercise(
    "2.3",
    "20 % of test customers churn. What accuracy does a fair coin reach (a fraction)?",
    expected=0.5,
    tolerance=0.01,
    mistakes={
        0.8: "That is always-stays' accuracy: predicting 'stays' for everyone is right on the "
             "80 % who stay. A coin ignores the balance: it is right half the time on stayers "
             "and half the time on churners, 0.5 × 0.8 + 0.5 × 0.2 = 0.5.",
        0.2: "0.2 is the share of churners (and the accuracy of always-'churns'). The coin "
             "does not know the balance: it is right on half the stayers and half the churners.",
        0.68: "0.68 is a coin weighted to say 'churn' 20 % of the time (the stratified "
              "strategy): 0.8 × 0.8 + 0.2 × 0.2. A fair coin says 'churn' half the time.",
    },
    hints=("The coin is right on a customer with probability 0.5, whatever that customer did.",
           "Check with `simulate_coin_flips(test['churned']).mean`."),
    explanation="Skewed labels do not help a fair coin: it stays at 50 %. The majority class, "
                "at 80 %, is the floor that matters here.",
))

register(Exercise(
    "2.4",
    "Is the model really better than always-stays on the first 100 test customers?",
    expected="no",
    kind="choice",
    options=("yes", "no"),
    mistakes={
        "yes": "Its accuracy is a little higher, but the 95 % interval of the difference "
               "includes 0 (and McNemar's p-value is far above 0.05): on 100 customers a gain "
               "that small is easily luck.",
    },
    hints=("Look at `ci95_low` and `ci95_high`: is 0 inside the interval?",
           "`model_really_better` in the summary answers the question directly."),
    explanation="Same model, same kind of data: on 1,235 rows the gain is real, on 100 it "
                "cannot be told from noise. Small test sets need intervals.",
))

register(Exercise(
    "2.5",
    "What is human-level performance (pooled accuracy of the annotators) after the guideline?",
    expected=_hlp,
    tolerance=0.005,
    mistakes=_hlp_mistakes,
    hints=("Call `human_level_performance(annotations, truth, by='round')`.",
           "Read the 'all annotators' row of the after_guideline round."),
    explanation="About 98 %: the ceiling our models should be compared with, far above the "
                "80 % floor.",
))
