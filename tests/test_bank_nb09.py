"""Notebook 09's exercises: right answers, every coded mistake, and the claims
the feedback makes about the data."""

import pandas as pd

from toolkit.exercise_bank import nb09
from toolkit.exercises import check
from toolkit.retraining import case_study_backtest, case_study_policies
from toolkit.scoping import case_study_scope


def test_cents_rows_in_the_ungated_window():
    window = nb09.ungated_window()
    july = int((window["month"] == nb09.CENTS_MONTH).sum())
    assert july == 1012 and window.loc[window["month"] == nb09.CENTS_MONTH,
                                       "monthly_charges"].median() > 1000
    assert check("9.1", july).correct
    assert "gated policy's window" in check("9.1", 0).message
    assert "every row of the window" in check("9.1", len(window)).message
    above = int((window["monthly_charges"] > nb09.CENTS_ABOVE).sum())
    assert above != july
    assert "less than 10 EUR" in check("9.1", above).message
    assert check("9.1", 5).status == "incorrect"


def test_policy_choice_follows_the_net_value():
    summary = case_study_backtest().summary().set_index("policy")
    best = summary["net_value"].idxmax()
    assert best == "labels disagree"
    assert check("9.2", best).correct
    for name in summary.index.drop(best):
        message = check("9.2", name).message
        gap = summary.loc[best, "net_value"] - summary.loc[name, "net_value"]
        assert f"{gap:,.0f} EUR less" in message
    assert "never learns what changed" in check("9.2", "static").message
    retrains = int(summary.loc["drift, no gate", "retrains"])
    assert retrains > 0
    assert f"net of its {retrains} retrains" in check("9.2", "drift, no gate").message


def test_break_even_cost():
    summary = case_study_backtest().summary().set_index("policy")
    right = (summary.loc["every 3 months", "value"] - summary.loc["static", "value"]) / 4
    assert summary.loc["every 3 months", "retrains"] == 4
    assert check("9.3", right).correct
    assert "over the retrains" in check("9.3", right * 4 / 12).message
    net = (summary.loc["every 3 months", "net_value"] - summary.loc["static", "net_value"]) / 4
    assert "net values" in check("9.3", net).message


def test_the_new_errors_point_at_the_competitors_target():
    table = nb09.new_errors_table().reset_index()
    top3 = table.head(3)
    assert set(top3["contract"]) == {"month-to-month"}
    assert set(top3["plan"]) == {"Premium", "Unlimited", "5G Max"}
    assert (top3["churn_rate_after"] > top3["churn_rate_before"] + 0.15).all()
    inside, outside = nb09._segment_rise(nb09.TARGETED)
    assert inside > 20 and abs(outside) < 2
    assert check("9.4", nb09.TARGETED).correct
    for name in set(nb09.SEGMENTS) - {nb09.TARGETED}:
        assert "Missed churners a month rose by" in check("9.4", name).message
    assert check("9.4", "South").status == "incorrect"


def test_claims_the_notebook_makes_in_words():
    table = case_study_backtest().table
    value = table.pivot(index="month", columns="policy", values="value")
    recall = table.pivot(index="month", columns="policy", values="recall")
    # "July is a loss for every policy": every customer flagged
    assert (value.loc["2025-07-01"] < 0).all() and (recall.loc["2025-07-01"] == 1).all()
    # the static model's value still rises in September, its recall falls behind
    assert value.loc["2025-09-01", "static"] > value.loc["2025-08-01", "static"]
    late = recall.loc["2025-10-01":]
    assert (late.max(axis=1) - late["static"] > 0.08).all()
    # "money alone does not show the harm ... the two policies earn within a few percent of each
    # other" (drift with and without the data gate, August on)
    pair = value.loc["2025-08-01":, ["drift, no gate", "drift, data gate"]].sum()
    assert abs(pair.iloc[0] / pair.iloc[1] - 1) < 0.05
    # both drift policies retrain in August; only the gated one leaves July out
    aug = table[(table["month"] == "2025-08-01")].set_index("policy")
    assert aug.loc[["drift, no gate", "drift, data gate"], "retrained"].all()
    assert aug.loc["drift, data gate", "excluded_months"].startswith("2025-07")
    # the labels policy sees the competitor in October, from September's labels
    labels = table[table["policy"] == "labels disagree"].set_index("month")
    assert labels.loc["2025-10-01", "retrained"]
    assert "of 2025-09" in labels.loc["2025-10-01", "reason"]


def test_promotion_after_the_shadow_month():
    gate = nb09.shadow_gate()
    assert gate.significant and gate.n_test == 971
    assert (round(gate.model_score, 2), round(gate.baseline_score, 2)) == (0.79, 0.74)
    assert check("9.5", "canary").correct
    assert "tenth of them first" in check("9.5", "production").message
    assert "better, not worse" in check("9.5", "archive").message
    assert "entirely above zero" in check("9.5", "keep in shadow").message


def test_claims_about_the_champion_challenger_gate():
    result = case_study_backtest()
    # README and the instructor guide: "seven policies", one of them behind the gate
    assert len(case_study_policies()) == 7
    gated = [p.name for p in case_study_policies() if p.challenge and p.trigger != "never"]
    assert gated == ["every 3 months, gated"]
    gates = result.gates
    assert set(gates["policy"]) == {"every 3 months, gated"}
    # every test is on a month neither model learned from, a month before the decision
    assert (gates["holdout_month"] == gates["month"] - pd.DateOffset(months=1)).all()
    # "only a gain of several F1 points is clearly above zero" on about a thousand customers
    assert gates["holdout_rows"].between(900, 1100).all()
    assert (gates["gain_high"] - gates["gain_low"] > 0.05).all()
    # refused in March, June and December; passed in September; the schedule waits 3 months
    passed = gates.set_index(gates["month"].dt.strftime("%Y-%m"))["passed"]
    assert passed.to_dict() == {"2025-03": False, "2025-06": False, "2025-09": True,
                                "2025-12": False}
    table = result.table[result.table["policy"] == "every 3 months, gated"].set_index("month")
    assert table["retrains"].max() == 4 and table["retrained"].sum() == 1
    assert "refitted with 2025-08" in table.loc["2025-09-01", "reason"]
    # what each refusal did, month by month, against the ungated schedule
    value = result.table.pivot(index="month", columns="policy", values="value")
    gap = value["every 3 months, gated"] - value["every 3 months"]
    assert (gap["2025-03-01":"2025-05-01"] > 0).all()  # the refused March model earned less
    assert (gap.loc["2025-06-01":] <= 0).all() and (gap[["2025-06-01", "2025-12-01"]] < 0).all()
    # "for Nimbus a churner reached is worth more than a wasted offer costs"
    worth = case_study_scope().economics.outcome_values()
    assert worth["tp"] > -worth["fp"]


def test_claims_about_the_cbpe_policy():
    table = case_study_backtest().table
    cbpe = table[table["policy"] == "CBPE change"].set_index("month")
    static = table[table["policy"] == "static"].set_index("month")
    fired = cbpe[cbpe["retrained"]]
    # it fired once, in July, on the unit bug: the estimated recall jumped up, not down
    assert list(fired.index.strftime("%Y-%m")) == ["2025-07"]
    assert fired["reason"].iloc[0].startswith("estimated recall 1.00, +0.")
    # "the retrained model saw the same cents in July and flagged everyone too"
    assert cbpe.loc["2025-07-01", "recall"] == 1 and cbpe.loc["2025-07-01", "version"] == "v2"
    assert cbpe.loc["2025-07-01", "value"] == static.loc["2025-07-01", "value"]
    # "not for the competitor": nothing fires from September on
    assert not cbpe.loc["2025-09-01":, "retrained"].any()
