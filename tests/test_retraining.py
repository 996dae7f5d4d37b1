"""toolkit.retraining: windows never see a label early, gates, triggers, bad input."""

from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from toolkit.datasets import load  # noqa: E402
from toolkit.retraining import (  # noqa: E402
    BacktestResult,
    Policy,
    _labelled_pool,
    backtest,
    plot_backtest,
    training_window,
)

VALUE = {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}


@lru_cache(maxsize=1)
def _data():
    return load("history"), load("production"), load("production_labels")


def _spring(until="2025-05-01"):
    history, production, labels = _data()
    return history, production[production["month"] < until].copy(), labels


def test_training_window_never_returns_a_label_before_it_arrives():
    history, production, labels = _data()
    late = labels.assign(label_available_from=labels["label_available_from"]
                         + pd.DateOffset(months=1))  # labels two months late
    for table in (labels, late):
        pool = _labelled_pool(history, production, table, "churned", "customer_id", "2025-01-01")
        for month in pd.date_range("2025-01-01", "2026-01-01", freq="MS"):
            for window in ("all", "sliding", "weighted"):
                rows, _ = training_window(pool, month, window=window, months=2, on_future="clip")
                assert (rows["label_available_from"] <= month).all()
        rows, note = training_window(pool, "2025-06-01", label_lag=1, on_future="clip")
        assert rows["month"].max() == pd.Timestamp("2025-05-01" if table is labels else "2025-04-01")
        assert note == ("" if table is labels else "clipped: labels of 2025-05 arrive only in 2025-07")


def test_backtest_models_never_saw_a_label_early():
    history, production, labels = _spring()
    late = labels.assign(label_available_from=labels["label_available_from"]
                         + pd.DateOffset(months=1))
    policies = [Policy("monthly", trigger="schedule", every=1, window="sliding", months=2,
                       challenge=False)]
    for table, last_label in ((labels, "2025-03-01"), (late, "2025-02-01")):
        result = backtest(policies, history, production, table, value=VALUE, on_future="clip")
        audit = result.label_audit
        assert len(audit) >= 3
        assert (audit["latest_label_available_from"] <= audit["trained_in"]).all()
        for (_, version), rows in result.windows.items():
            trained_in = audit.set_index("version").loc[version, "trained_in"]
            assert (rows["label_available_from"] <= trained_in).all()
        assert result.table["labels_until"].max() == pd.Timestamp(last_label)


def test_a_policy_asking_for_the_future_raises_or_is_clipped():
    history, production, labels = _spring("2025-03-01")
    greedy = [Policy("greedy", trigger="schedule", every=1, label_lag=0, challenge=False)]
    with pytest.raises(ValueError, match=r"label_lag=0 asks at 2025-01 for labels of 2025-01"):
        backtest(greedy, history, production, labels, value=VALUE)
    result = backtest(greedy, history, production, labels, value=VALUE, on_future="clip")
    reasons = result.table["reason"].tolist()
    assert "clipped: labels of 2025-02 arrive only in 2025-03" in reasons[1]
    assert (result.label_audit["latest_label_available_from"]
            <= result.label_audit["trained_in"]).all()


def test_static_policy_keeps_v1_and_scores_every_month():
    history, production, labels = _spring("2025-03-01")
    result = backtest([Policy("static")], history, production, labels, value=VALUE,
                      retrain_cost=100)
    table = result.table
    assert table["version"].eq("v1").all() and not table["retrained"].any()
    assert table["retrains"].eq(0).all() and table["cost"].eq(0).all()
    assert table["rows"].tolist() == [1029, 975] and table["value"].tolist() == [6000.0, 5070.0]
    assert result.summary().loc[0, "net_value"] == 11070.0


def test_the_data_gate_leaves_out_a_month_in_cents():
    history, production, labels = _spring("2025-04-01")
    feb = production["month"] == "2025-02-01"
    production.loc[feb, "monthly_charges"] *= 100
    gated = Policy("gated", trigger="schedule", every=3, challenge=False)
    open_ = Policy("open", trigger="schedule", every=3, challenge=False, validate_data=False)
    result = backtest([gated, open_], history, production, labels, value=VALUE, retrain_cost=250)
    march = result.table[result.table["month"] == "2025-03-01"].set_index("policy")
    assert march.loc["gated", "reason"].endswith(
        "shipped v2 (left out 2025-02 (monthly_charges: out of range, 975 rows))")
    assert march.loc["open", "excluded_months"] == ""
    assert march.loc["open", "trained_on_rows"] - march.loc["gated", "trained_on_rows"] == 975
    assert result.windows[("open", "v2")]["monthly_charges"].max() > 1000
    assert result.windows[("gated", "v2")]["monthly_charges"].max() < 200
    assert result.summary().set_index("policy").loc["gated", "cost"] == 250


def test_window_with_one_class_is_not_shipped_and_says_why():
    history, production, labels = _spring("2025-03-01")
    labels = labels.assign(churned=0)
    policy = Policy("one month", trigger="schedule", every=1, window="sliding", months=1,
                    challenge=False)
    result = backtest([policy], history, production, labels, value=VALUE)
    jan, feb = result.table.iloc[0], result.table.iloc[1]
    assert jan["retrained"] and jan["labels_until"] == pd.Timestamp("2024-12-01")
    assert feb["version"] == "v2" and not feb["retrained"]  # January's model stays
    assert feb["reason"].endswith("not shipped: the window holds one class only (0)")
    assert feb["retrains"] == 2


def test_month_without_rows_and_a_trigger_that_never_fires():
    history, production, labels = _spring("2025-04-01")
    production = production[production["month"] != "2025-02-01"]
    policy = Policy("drift", trigger="drift", drift_share=1.0)
    table = backtest([policy], history, production, labels, value=VALUE).table
    assert table["rows"].tolist() == [1029, 0, 1015]
    assert table.loc[1, "reason"] == "no rows this month: nothing to judge"
    assert np.isnan(table.loc[1, "value"])
    assert not table["retrained"].any() and table.loc[2, "reason"].startswith("drift: ")


def test_champion_challenger_gate_refuses_a_challenger_not_clearly_better():
    history, production, labels = _spring("2025-04-01")
    policy = Policy("c/c", trigger="schedule", every=2)
    table = backtest([policy], history, production, labels, value=VALUE).table
    assert "not shipped: challenger f1" in table.loc[1, "reason"]
    assert "not clearly better" in table.loc[1, "reason"]
    assert table["version"].eq("v1").all()


def test_realised_trigger_waits_for_the_labels():
    history, production, labels = _spring("2025-03-01")
    policy = Policy("labels", trigger="realised_drop", metric="positive_rate", challenge=False)
    table = backtest([policy], history, production, labels, value=VALUE).table
    assert table.loc[0, "reason"] == "realised: no labels yet"
    assert table.loc[1, "reason"].startswith("realised positive_rate of 2025-01 0.22, outside")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"name": ""}, TypeError, "name must be a non-empty string; got ''"),
    ({"trigger": "sometimes"}, ValueError, "trigger"),
    ({"window": "recent"}, ValueError, "window"),
    ({"metric": "auc"}, ValueError, "metric"),
    ({"gate_metric": "value"}, ValueError, "gate_metric"),
    ({"months": 0}, ValueError, "months"),
    ({"every": 1.5}, TypeError, "every"),
    ({"label_lag": -1}, ValueError, "label_lag"),
    ({"drop": 2.0}, ValueError, r"drop must be a number in \(0, 1\]; got 2.0"),
    ({"drift_share": True}, ValueError, "drift_share must be a number"),
    ({"validate_data": "yes"}, TypeError, "validate_data must be True or False; got 'yes'"),
    ({"challenge": 1}, TypeError, "challenge must be True or False; got 1"),
])
def test_policy_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        Policy(**({"name": "p"} | kwargs))


def test_backtest_bad_input():
    history, production, labels = _spring("2025-02-01")
    ok = [Policy("static")]
    with pytest.raises(TypeError, match="policies must be a non-empty list of Policy"):
        backtest(Policy("static"), history, production, labels, value=VALUE)
    with pytest.raises(TypeError, match="policies must be a non-empty list of Policy"):
        backtest([], history, production, labels, value=VALUE)
    with pytest.raises(TypeError, match="policies must hold Policy objects; got str"):
        backtest(["static"], history, production, labels, value=VALUE)
    with pytest.raises(ValueError, match=r"distinct names; got \['a', 'a'\]"):
        backtest([Policy("a"), Policy("a")], history, production, labels, value=VALUE)
    with pytest.raises(ValueError, match="value must map each of 'tp', 'fp', 'fn', 'tn'"):
        backtest(ok, history, production, labels, value={"tp": 1})
    with pytest.raises(ValueError, match="value must map each of 'tp', 'fp', 'fn', 'tn' to euros; got None"):
        backtest(ok, history, production, labels, value=None)
    with pytest.raises(ValueError, match="retrain_cost must be a number of euros >= 0; got -5"):
        backtest(ok, history, production, labels, value=VALUE, retrain_cost=-5)
    with pytest.raises(ValueError, match="on_future"):
        backtest(ok, history, production, labels, value=VALUE, on_future="peek")
    with pytest.raises(ValueError, match=r"missing \['plan'\] \(a challenger on a different feature set"):
        backtest(ok, history, production.drop(columns="plan"), labels, value=VALUE)
    with pytest.raises(ValueError, match=r"missing \['label_available_from'\]"):
        backtest(ok, history, production, labels.drop(columns="label_available_from"), value=VALUE)
    with pytest.raises(ValueError, match="history must hold both classes"):
        backtest(ok, history.assign(churned=0), production, labels, value=VALUE)
    with pytest.raises(ValueError, match="history must hold the label column 'churned'"):
        backtest(ok, history.drop(columns="churned"), production, labels, value=VALUE)


def test_training_window_bad_input():
    pool = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"]),
                         "label_available_from": pd.to_datetime(["2025-02-01"])})
    with pytest.raises(ValueError, match="window"):
        training_window(pool, "2025-02-01", window="recent")
    with pytest.raises(ValueError, match="on_future"):
        training_window(pool, "2025-02-01", on_future="peek")
    with pytest.raises(ValueError, match="label_lag=0 asks at 2025-01 for labels of 2025-01"):
        training_window(pool, "2025-01-01", label_lag=0)
    with pytest.raises(TypeError, match="pool"):
        training_window([1, 2], "2025-01-01")


def test_weighted_window_halves_the_weight_every_k_months():
    pool = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=4, freq="MS"),
                         "label_available_from": pd.date_range("2025-02-01", periods=4, freq="MS")})
    rows, _ = training_window(pool, "2025-05-01", window="weighted", months=2)
    assert rows["weight"].round(4).tolist() == [0.3536, 0.5, 0.7071, 1.0]


def test_plot_backtest_draws_each_policy_and_its_retrains():
    history, production, labels = _spring("2025-04-01")
    events = load("events")
    policies = [Policy("static"), Policy("monthly", trigger="schedule", every=1,
                                         window="sliding", months=1, challenge=False)]
    result = backtest(policies, history, production, labels, value=VALUE)
    ax = plot_backtest(result, "recall", events)
    assert ax.get_xlabel().startswith("production month") and ax.get_ylabel().startswith("recall")
    labels_drawn = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels_drawn == ["static", "monthly", "a new version ships"]
    markers = ax.collections[1]  # the monthly policy's retrain triangles
    assert len(markers.get_offsets()) == result.table["retrained"].sum()
    assert {t.get_text().strip() for t in ax.texts} == set(events["event"])
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="result must be a BacktestResult; got DataFrame"):
        plot_backtest(result.table)
    with pytest.raises(ValueError, match="metric"):
        plot_backtest(result, "auc")
    assert isinstance(result, BacktestResult)
