"""Exercises and quizzes of notebook 08 (monitoring and drift)."""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

#: The signals of Exercise 8.1, in the order they become available.
SIGNALS = ("schema", "input drift", "domain classifier", "estimated performance",
           "realised performance")
#: Notebook 08's simulation: the reference is 2024 up to September; October to December are
#: healthy months it does not hold, from which Exercise 8.2 draws its batches.
REFERENCE_END = "2024-10-01"
SMALL_BATCHES, SMALL_ROWS, SEED = 30, 200, 0
NOT_WATCHED = ("customer_id", "month", "signup_date")


def _reference():
    from toolkit.datasets import load

    history = load("history")
    reference = history[history["month"] < REFERENCE_END]
    held_out = history[history["month"] >= REFERENCE_END]
    columns = [c for c in history.columns
               if c not in (*NOT_WATCHED, "churned", "exit_survey_score")]
    return reference, held_out, columns


@lru_cache(maxsize=1)
def false_alarm_rates() -> dict[str, float]:
    """Exercise 8.2 computed as notebook 08 sets it: fixed thresholds and calibrated bands."""
    import numpy as np
    import pandas as pd

    from toolkit import drift

    reference, held_out, columns = _reference()
    rng = np.random.default_rng(SEED)
    small = [held_out.iloc[rng.choice(len(held_out), SMALL_ROWS, replace=False)]
             for _ in range(SMALL_BATCHES)]
    calibration = drift.calibrate(reference[columns], chunk=SMALL_ROWS)
    prepared = drift.PreparedReference(reference, columns)  # what drift_report does, once
    out = {}
    for name, cal in (("fixed", None), ("calibrated", calibration)):
        flags = [drift.compare_prepared(prepared, b, cal).table["drifted"] for b in small]
        out[name] = float(pd.concat(flags).dropna().astype(bool).mean())
        out[f"{name}_batches"] = float(np.mean([f.fillna(False).astype(bool).any() for f in flags]))
    return out


@lru_cache(maxsize=1)
def july_facts() -> dict[str, float]:
    """Exercise 8.3's feedback: how July's charges compare with June/August and with training."""
    from toolkit.datasets import load

    production, history = load("production"), load("history")
    by_month = production.groupby(production["month"].dt.strftime("%Y-%m"))["monthly_charges"]
    median = by_month.median()
    july = production[production["month"] == "2025-07-01"]["monthly_charges"]
    return {"ratio": float(median["2025-07"] / median[["2025-06", "2025-08"]].mean()),
            "above_training": float((july > history["monthly_charges"].max()).mean())}


register(Exercise(
    "8.1",
    "Which signal raises the first alert when a concept changes?",
    expected="realised performance",
    kind="choice",
    options=SIGNALS,
    activity="decide",
    mistakes={
        "schema": "The schema checks each input's type, range and categories. In a concept "
                  "change the inputs stay the same, so every request passes.",
        "input drift": "Look at the North simulation: no column drifted, because the inputs are "
                       "exactly the same. Input tests watch the inputs, not the outcome.",
        "domain classifier": "The domain classifier is a drift test on all the inputs at once. "
                             "If no input changed, it cannot tell the batches apart (AUC near 0.5).",
        "estimated performance": "The estimate is computed from the model's scores; the scores do "
                                 "not change when only the outcome does, so the estimate stays put "
                                 "(see the North simulation).",
    },
    hints=("In a concept change, what changes: the inputs, the scores, or who has the outcome?",
           "Which signal needs the labels, and so waits for them?"),
    explanation="Only the outcomes move, so only a signal that uses the labels sees it, and it "
                "waits for them: a concept change is caught late, by the realised performance.",
))


def _rates(answer) -> str | None:
    if not isinstance(answer, dict) or set(answer) != {"fixed", "calibrated"}:
        return ("Answer with a dict {'fixed': rate, 'calibrated': rate}; got "
                f"{type(answer).__name__}" + (f" with keys {list(answer)!r}."
                                              if isinstance(answer, dict) else "."))
    try:
        fixed, calibrated = float(answer["fixed"]), float(answer["calibrated"])
    except (TypeError, ValueError):
        return "Both rates must be numbers between 0 and 1."
    truth = false_alarm_rates()
    close = lambda a, b: abs(a - b) <= 0.01  # noqa: E731
    if close(fixed, truth["fixed"]) and close(calibrated, truth["calibrated"]):
        return None
    if fixed > 1 or calibrated > 1:
        return "Give shares between 0 and 1, not percentages."
    if close(fixed, truth["calibrated"]) and close(calibrated, truth["fixed"]):
        return "The two rates are swapped: which threshold was set on the reference's variation?"
    if close(fixed, truth["fixed_batches"]) or close(calibrated, truth["calibrated_batches"]):
        return ("That is the share of *batches* with at least one alarm. The rate asked for is "
                "per (batch, column) pair: flagged pairs over tested pairs.")
    if not close(fixed, truth["fixed"]):
        return ("The fixed rate is off. Pool the `drifted` column of every report in "
                "`fixed_small` (drop the columns that could not be tested) and take its mean.")
    return ("The fixed rate is right; the calibrated one is off. Calibrate on chunks of the "
            "batches' size: calibrate(reference[COLUMNS], chunk=200).")


register(Exercise(
    "8.2",
    "Compute the false-alarm rate of fixed thresholds and calibrated bands on healthy batches.",
    kind="custom",
    validate=_rates,
    activity="do",
    hints=("Each report of `fixed_small` has a `drifted` column; for the bands, run "
           "`drift.drift_report(reference[COLUMNS], b[COLUMNS], calibration=...)` on each batch "
           "`b` of `small`.",
           "Concatenate the `drifted` columns of all batches, drop the missing ones (columns that "
           "could not be tested) and take the mean.",
           "The bands: `drift.calibrate(reference[COLUMNS], chunk=200)`."),
    explanation=lambda: (f"Fixed thresholds flag {false_alarm_rates()['fixed']:.0%} of healthy "
                         f"column-batches, calibrated bands {false_alarm_rates()['calibrated']:.1%}"
                         f" (batches with at least one alarm: "
                         f"{false_alarm_rates()['fixed_batches']:.0%} and "
                         f"{false_alarm_rates()['calibrated_batches']:.0%})."),
))


register(Exercise(
    "8.3",
    "July's alert: retrain, fix the pipeline, or ignore?",
    expected="fix the pipeline",
    kind="choice",
    options=("retrain", "fix the pipeline", "ignore"),
    activity="decide",
    mistakes=lambda: {
        "retrain": f"July's charges are {july_facts()['ratio']:.0f} times those of June and August, "
                   "and back to normal in August: customers did not start paying that much. "
                   "Retraining would teach the model a bug as if it were the world.",
        "ignore": f"{july_facts()['above_training']:.0%} of July's charges lie above anything seen "
                  "in training, and the model flags nearly every customer of July (see the "
                  "share decided positive). A blip that flags everyone costs an offer each.",
    },
    hints=("Did customers change, or did the numbers that describe them?",
           "Compare July's median charge with June's and August's: what factor is it?"),
    explanation="Charges arrived in cents instead of euros for one month: a pipeline bug. Fix the "
                "export, re-score July's customers, and make the schema refuse such values.",
))

register(Exercise(
    "8.4",
    "The usage drift alert of April: retrain now, fix the pipeline, or keep watching?",
    expected="keep watching",
    kind="choice",
    options=("retrain now", "fix the pipeline", "keep watching"),
    activity="decide",
    mistakes={
        "retrain now": "Retraining costs work and risk; what would it fix? Apart from July's bug, "
                       "the monthly performance test raises no alert for April to August: the "
                       "realised outcomes are what the calibrated scores promised, so the model "
                       "still does its job. Watch, and retrain when performance moves.",
        "fix the pipeline": "Nothing is broken: usage grows a little every month, as a real trend "
                            "does, not in one jump like July's charges.",
    },
    hints=("A drift alert says the inputs changed. Does it say the model got worse?",
           "Look at `real_f1` against `est_f1` for April to August."),
    explanation="Drift is a reason to look, not to retrain: the realised performance stayed "
                "within what the scores promised. Keep watching, and plan the retraining for when "
                "labels show a loss (or the drift leaves the training range).",
))


register_quiz(Quiz(
    "8.q1",
    "Every monthly charge rises by a harmless 1 EUR. On 100,000 rows the Kolmogorov-Smirnov "
    "p-value is far below 0.05; on 400 rows it is not. What does the tiny p-value tell you?",
    options={"a": "The change is large: act on it.",
             "b": "The change is unlikely to be chance, which says nothing about its size.",
             "c": "The test is broken on large samples.",
             "d": "Nothing: p-values only work on small samples."},
    correct="b",
    feedback={
        "a": "A p-value measures surprise, not size: with enough rows even 1 EUR on charges of "
             "dozens of euros is no longer chance. Look at an effect size (the Wasserstein "
             "distance hardly moved) to judge whether it matters.",
        "b": "Right: with many rows every real difference, however small, becomes "
             "'significant'. That is why the rule table judges large samples by effect size.",
        "c": "The test does its job: the charges did move. It answers 'could this be chance?', "
             "and at this size the answer is no, for any real change.",
        "d": "They work at any size; they answer another question than 'does it matter?'. On "
             "small samples the p-value guards against reading noise as change.",
    },
))

register_quiz(Quiz(
    "8.q2",
    "Customers of the North start leaving more often, while their ages, plans, charges and "
    "every other input stay as they were. What kind of drift is it?",
    options={"a": "Data drift: the inputs changed.",
             "b": "Concept drift: the link between the inputs and the outcome changed.",
             "c": "No drift: nothing in the data the model sees changed.",
             "d": "A pipeline bug: the labels must be wrong."},
    correct="b",
    feedback={
        "a": "Data drift shows in the inputs, and no input moved: the drift report stays quiet.",
        "b": "Right: the same customer, with the same inputs, now leaves more often. Only the "
             "outcomes show it, and they arrive late.",
        "c": "The inputs did not change, but the world did: the same inputs now lead to another "
             "outcome, and the model's answers are wrong more often.",
        "d": "Nothing says the labels are wrong: a competitor's offer or a price change makes "
             "real customers leave. Check the pipeline when values look impossible, as in July.",
    },
))

register_quiz(Quiz(
    "8.q3",
    "Each calibrated band cries wolf on at most 1 % of healthy batches. You watch every column "
    "and its share of missing values. How often does a healthy month raise at least one drift "
    "alarm?",
    options={"a": "On 1 % of healthy months: each band keeps its rate.",
             "b": "More often: every check adds its own chance, up to 1 - 0.99^k for k "
                  "independent checks.",
             "c": "Never: calibrated bands do not cry wolf."},
    correct="b",
    feedback={
        "a": "Each band keeps 1 % on its own; a month raises an alarm if any band is crossed, "
             "and the chances add up over the checks.",
        "b": "Right: alpha is per check. The calibration measures the share for all checks at "
             "once (its family_wise rate); expect a false drift alarm in about that share of "
             "healthy months, and read each alarm before acting.",
        "c": "They cry wolf at the rate they promise, not never: a band set at 1 % is crossed "
             "by 1 % of healthy batches.",
    },
))
