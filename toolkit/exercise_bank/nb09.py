"""Exercises of notebook 09 (retraining), with the tables their feedback quotes."""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

#: The policy whose August model Exercise 9.1 inspects, and the month it shipped.
UNGATED, UNGATED_MONTH = "drift, no gate", "2025-08-01"
#: The policy whose break-even cost Exercise 9.3 asks for.
SCHEDULED = "every 3 months"
#: Exercise 9.4's options: the groups of customers the team could go back to the data for.
SEGMENTS = {
    "month-to-month on Premium, Unlimited or 5G Max": (("month-to-month",),
                                                        ("Premium", "Unlimited", "5G Max")),
    "every 5G Max customer": (("month-to-month", "one-year", "two-year"), ("5G Max",)),
    "month-to-month on Basic or Standard": (("month-to-month",), ("Basic", "Standard")),
    "one-year and two-year contracts": (("one-year", "two-year"),
                                        ("Basic", "Standard", "Premium", "Unlimited", "5G Max")),
}
TARGETED = "month-to-month on Premium, Unlimited or 5G Max"
#: The months before and after the competitor offer that Exercise 9.4 compares (July, the
#: month in cents, is left out: every customer was flagged then).
BEFORE, AFTER = ("2025-05-01", "2025-06-01", "2025-08-01"), ("2025-09-01", "2025-10-01",
                                                             "2025-11-01", "2025-12-01")


def _result():
    from toolkit.retraining import case_study_backtest

    return case_study_backtest()


def ungated_window():
    """The training rows of the model the ungated drift policy shipped in August 2025."""
    result = _result()
    row = result.table[(result.table["policy"] == UNGATED)
                       & (result.table["month"] == UNGATED_MONTH)].iloc[0]
    return result.windows[(UNGATED, row["version"])]


#: No plan costs this much a month: a charge above it was sent in cents.
CENTS_ABOVE = 1_000
#: The month the billing export sent cents.
CENTS_MONTH = "2025-07-01"


@lru_cache(maxsize=1)
def _cents_rows() -> dict[str, int]:
    result = _result()
    row = result.table[(result.table["policy"] == "drift, data gate")
                       & (result.table["month"] == UNGATED_MONTH)].iloc[0]
    gated = result.windows[("drift, data gate", row["version"])]
    window = ungated_window()
    return {"ungated": int((window["month"] == CENTS_MONTH).sum()),
            "gated": int((gated["month"] == CENTS_MONTH).sum()), "window": len(window),
            "above": int((window["monthly_charges"] > CENTS_ABOVE).sum())}


register(Exercise(
    "9.1",
    "How many rows of the cents month did the ungated drift policy's August model learn from?",
    expected=lambda: _cents_rows()["ungated"],
    tolerance=0.5,
    mistakes=lambda: {
        _cents_rows()["gated"]: "That is the gated policy's window: its data gate left the cents "
                                "month out. Look at `ungated`, the window without the gate.",
        _cents_rows()["window"]: "That is every row of the window. Count only the rows of the "
                                 "month whose charges came in cents.",
        _cents_rows()["above"]: "You counted the charges above 1,000: close, but a plan of less "
                                "than 10 EUR is under 1,000 in cents too. Find the month first "
                                "(the median charge per month), then count its rows.",
    },
    activity="do",
    hints=("`ungated` is a DataFrame of training rows with a `month` column; one of its months "
           "has charges a hundred times too big.",
           "`ungated.groupby('month')['monthly_charges'].median()` shows which.",
           "Count that month's rows: `(ungated['month'] == '2025-07-01').sum()`."),
    explanation=lambda: (f"{_cents_rows()['ungated']:,} of the {_cents_rows()['window']:,} "
                         "rows the model learned from are July's, with charges a hundred times "
                         "too big: to this model, a charge of 3,000 is normal."),
))


@lru_cache(maxsize=1)
def _summary():
    return _result().summary().set_index("policy")


def _best_policy() -> str:
    return str(_summary()["net_value"].idxmax())


def _policy_mistakes() -> dict[str, str]:
    table, best = _summary(), _best_policy()
    out = {}
    for name, row in table.iterrows():
        if name == best:
            continue
        gap = table.loc[best, "net_value"] - row["net_value"]
        why = f"{name!r} earns {gap:,.0f} EUR less over the year than {best!r}"
        if row["retrains"] == 0:
            why += ": it never retrains, so it never learns what changed."
        else:
            why += f", net of its {int(row['retrains'])} retrains."
        out[name] = why
    return out


register(Exercise(
    "9.2",
    "Which retraining policy would you run for Nimbus at 500 EUR per retrain?",
    expected=_best_policy,
    kind="choice",
    options=("static", "every 3 months", "every 3 months, gated", "drift, no gate",
             "drift, data gate", "labels disagree", "CBPE change"),
    mistakes=_policy_mistakes,
    activity="decide",
    hints=("Sort `result.summary()` by the column that counts both what a policy earns and what "
           "its retrains cost.",
           "Then ask whether the winner's lead is bigger than one or two retrains: if not, "
           "prefer the simpler policy, and write down why."),
    explanation=lambda: (f"{_best_policy()!r} earns the most net of retraining "
                         f"({_summary().loc[_best_policy(), 'net_value']:,.0f} EUR): it retrains "
                         "when the labels say the model's probabilities are wrong, which is "
                         "exactly what the competitor offer did."),
))


def _break_even() -> float:
    table = _summary()
    return float((table.loc[SCHEDULED, "value"] - table.loc["static", "value"])
                 / table.loc[SCHEDULED, "retrains"])


register(Exercise(
    "9.3",
    "Above what cost per retrain (EUR) does retraining every 3 months earn less than never "
    "retraining?",
    expected=_break_even,
    tolerance=1.0,
    mistakes=lambda: {
        _break_even() * _summary().loc[SCHEDULED, "retrains"] / 12:
            "You spread the gain over the 12 months; spread it over the retrains instead: "
            "the cost is paid once per retrain.",
        float(_summary().loc[SCHEDULED, "net_value"] - _summary().loc["static", "net_value"])
        / _summary().loc[SCHEDULED, "retrains"]:
            "You used the net values, which already subtract 500 EUR per retrain. Start from "
            "the gross `value`.",
    },
    activity="do",
    hints=("The schedule's extra value over the static model, over the year, is what its "
           "retrains must not cost more than.",
           "Divide that extra value by the number of retrains."),
    explanation=lambda: (f"Retraining every 3 months earns {_break_even():,.0f} EUR more per "
                         "retrain than the static model: above that cost, it is not worth it."),
))


@lru_cache(maxsize=1)
def new_errors_table():
    """Missed churners per month of the static model, before and after September 2025.

    The static model is the backtest's ``v1`` (notebook 05's pipeline fitted on all of 2024).
    One row per contract and plan: customers and missed churners per month, before (May, June,
    August) and after (September to December), and the rise.
    """
    import pandas as pd

    from toolkit.datasets import load

    result = _result()
    rows = load("production").merge(load("production_labels")[["customer_id", "month", "churned"]],
                                    on=["customer_id", "month"])
    rows["missed"] = (rows["churned"] == 1) & (result.decide("static", "v1", rows) == 0)
    rows["period"] = rows["month"].dt.strftime("%Y-%m-%d").map(
        {**dict.fromkeys(BEFORE, "before"), **dict.fromkeys(AFTER, "after")})
    rows = rows.dropna(subset=["period"])
    n_months = {"before": len(BEFORE), "after": len(AFTER)}
    grouped = rows.groupby(["contract", "plan", "period"], observed=True)
    counts = grouped.agg(customers=("missed", "size"), missed=("missed", "sum"),
                         churn_rate=("churned", "mean")).reset_index()
    counts["per_month"] = counts["missed"] / counts["period"].map(n_months)
    wide = counts.pivot_table(index=["contract", "plan"], columns="period",
                              values=["per_month", "churn_rate"], observed=True)
    table = pd.DataFrame({
        "missed_per_month_before": wide[("per_month", "before")],
        "missed_per_month_after": wide[("per_month", "after")],
        "churn_rate_before": wide[("churn_rate", "before")],
        "churn_rate_after": wide[("churn_rate", "after")]}).fillna(0.0)
    table["rise"] = table["missed_per_month_after"] - table["missed_per_month_before"]
    return table.sort_values("rise", ascending=False).round(2)


def _segment_rise(name: str) -> tuple[float, float]:
    """(rise in missed churners a month inside the group, outside it)."""
    contracts, plans = SEGMENTS[name]
    table = new_errors_table().reset_index()
    inside = table["contract"].isin(contracts) & table["plan"].isin(plans)
    return float(table.loc[inside, "rise"].sum()), float(table.loc[~inside, "rise"].sum())


def _segment_mistakes() -> dict[str, str]:
    out = {}
    for name in SEGMENTS:
        if name == TARGETED:
            continue
        rise, rest = _segment_rise(name)
        out[name] = (f"Missed churners a month rose by {rise:+.1f} in that group and by "
                     f"{rest:+.1f} among everyone else. Look for the rows of `new_errors` where "
                     f"both the churn rate and the misses jumped.")
    return out


register(Exercise(
    "9.4",
    "Which customers should the team go back to the data for?",
    expected=TARGETED,
    kind="choice",
    options=tuple(SEGMENTS),
    mistakes=_segment_mistakes,
    activity="decide",
    hints=("`new_errors` is sorted by the rise in missed churners per month.",
           "Read the top rows' contract and plan, then check their churn rate before and after."),
    explanation=lambda: (f"Missed churners a month rose by {_segment_rise(TARGETED)[0]:+.1f} "
                         "among month-to-month customers on Premium, Unlimited and 5G Max, and "
                         f"by {_segment_rise(TARGETED)[1]:+.1f} among everyone else: the "
                         "competitor's target. What they are offered, and why they leave, "
                         "is a question for the data (02) and the error analysis (06)."),
))


@lru_cache(maxsize=1)
def shadow_gate():
    """The champion/challenger test of notebook 09's shadow month: v2 against v1 on October.

    The chosen policy's October model and the first model decide on October's customers; both
    are scored on October's labels (known in November) on F1
    (:func:`toolkit.retraining.champion_challenger`).
    """
    from toolkit.datasets import load
    from toolkit.retraining import champion_challenger

    result = _result()
    table = result.table.set_index(["policy", "month"])
    version = table.loc[(_best_policy(), "2025-10-01"), "version"]
    production = load("production")
    october = production[production["month"] == "2025-10-01"].merge(
        load("production_labels")[["customer_id", "churned"]], on="customer_id")
    models = {v: result.models[(_best_policy(), v)] for v in ("v1", version)}
    return champion_challenger(models[version], models["v1"], october[result.columns],
                               october["churned"], threshold=result.threshold, metric="f1")


def _promotion() -> str:
    return "canary" if shadow_gate().significant else "keep in shadow"


def _promotion_mistakes() -> dict[str, str]:
    gate = shadow_gate()
    interval = f"{gate.ci_low:+.2f} to {gate.ci_high:+.2f}"
    out = {"production": "Straight to everyone skips the step that limits the damage if the "
                         "shadow month missed something: live answers to real customers. A "
                         "canary answers for a tenth of them first.",
           "archive": f"The test says v2 is better, not worse: its F1 gain lies between "
                      f"{interval} (95 %)."}
    other = "keep in shadow" if _promotion() == "canary" else "canary"
    out[other] = (f"The F1 gain's 95 % interval is {interval}: "
                  + ("entirely above zero, so another month of shadow only delays the recovery."
                     if gate.significant else "it includes zero, so v2 is not clearly better."))
    return out


register(Exercise(
    "9.5",
    "After the shadow month, where does v2 go next?",
    expected=_promotion,
    kind="choice",
    options=("keep in shadow", "canary", "production", "archive"),
    mistakes=_promotion_mistakes,
    activity="decide",
    hints=("Read the champion/challenger test: is the whole interval of the gain above zero?",
           "If it is, the next stage is the one that exposes v2 to some live customers, not all."),
    explanation=lambda: (f"v2's F1 gain on October ({shadow_gate().ci_low:+.2f} to "
                         f"{shadow_gate().ci_high:+.2f}) is clearly positive: it earns a canary, "
                         "live answers for a tenth of the customers, before production."),
))


register_quiz(Quiz(
    "9.q1",
    "A month's labels turn out to be wrong: the CRM export marked customers who downgraded to "
    'the free tier as "stayed". A policy retrains on that month, and the champion/challenger '
    "gate, scored on the same month's labels, lets the new model through. What should the team "
    "do?",
    options={"a": "Ship it: the gate passed, so the new model is better.",
             "b": "Nothing special: retraining on recent data corrects old mistakes by itself.",
             "c": "Leave the month out with the data gate, then retrain.",
             "d": "Fix the labels first (04's guideline and agreement check), then retrain and gate "
                  "on the corrected labels."},
    correct="d",
    feedback={
        "a": "The gate scored both models against the same wrong labels: a model that learned the "
             "mistake agrees with them best, so the gate rewards it. A gate can only be as right "
             "as the labels it is scored on.",
        "b": 'A model learns what the labels say. Trained on downgraders marked "stayed", it '
             "learns that downgraders stay, as confidently as everything else it learns.",
        "c": "The data gate checks the inputs against 07's schema. Here the inputs are fine and "
             "only the labels are wrong, so the month passes it.",
        "d": "Right: neither a retrain nor a gate scored on the same labels can see a labelling "
             "error. Find it the way notebook 04 did (a guideline, agreement between annotators, "
             "suspect labels), relabel, then retrain.",
    },
))
