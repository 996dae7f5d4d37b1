"""toolkit.retraining: windows never see a label early, gates, triggers, bad input."""

from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from toolkit.datasets import load  # noqa: E402
from toolkit.economics import business_value  # noqa: E402
from toolkit.performance import estimate_performance, held_out_scores  # noqa: E402
from toolkit.retraining import (  # noqa: E402
    BacktestResult,
    Policy,
    backtest,
    case_study_features,
    case_study_model,
    champion_challenger,
    data_gate,
    labelled_pool,
    plot_backtest,
    predict_scores,
    training_window,
)
from toolkit.simulators import change_concept, change_units  # noqa: E402

VALUE = {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}
THRESHOLD = 0.3


def _backtest(policies, history, production, labels, **kwargs):
    """backtest with 05's pipeline, threshold and the served columns."""
    kwargs = {"model": case_study_model(), "threshold": THRESHOLD,
              "features": case_study_features(), "value": VALUE} | kwargs
    return backtest(policies, history, production, labels, **kwargs)


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
        pool = labelled_pool(history, production, table)
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
        result = _backtest(policies, history, production, table, on_future="clip")
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
        _backtest(greedy, history, production, labels)
    result = _backtest(greedy, history, production, labels, on_future="clip")
    reasons = result.table["reason"].tolist()
    assert "clipped: labels of 2025-02 arrive only in 2025-03" in reasons[1]
    assert (result.label_audit["latest_label_available_from"]
            <= result.label_audit["trained_in"]).all()


def test_static_policy_keeps_v1_and_scores_every_month():
    history, production, labels = _spring("2025-03-01")
    result = _backtest([Policy("static")], history, production, labels, retrain_cost=100)
    table = result.table
    assert table["version"].eq("v1").all() and not table["retrained"].any()
    assert table["retrains"].eq(0).all() and table["cost"].eq(0).all()
    assert table["rows"].tolist() == [1029, 975]
    # oracle: the model fitted on history by hand, its decisions valued month by month
    features = case_study_features()
    v1 = clone(case_study_model()).fit(history[features], history["churned"])
    scored = production.merge(labels, on=["customer_id", "month"])
    decided = (v1.predict_proba(scored[features])[:, 1] >= THRESHOLD).astype(int)
    expected = [business_value(scored.loc[m, "churned"], decided[m.to_numpy()], VALUE)
                for m in (scored["month"] == month for month in ("2025-01-01", "2025-02-01"))]
    assert table["value"].tolist() == expected
    assert result.summary().loc[0, "net_value"] == sum(expected)


def test_the_data_gate_leaves_out_a_month_in_cents():
    history, production, labels = _spring("2025-04-01")
    feb = production["month"] == "2025-02-01"
    production.loc[feb, "monthly_charges"] *= 100
    gated = Policy("gated", trigger="schedule", every=3, challenge=False)
    open_ = Policy("open", trigger="schedule", every=3, challenge=False, validate_data=False)
    result = _backtest([gated, open_], history, production, labels, retrain_cost=250)
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
    result = _backtest([policy], history, production, labels)
    jan, feb = result.table.iloc[0], result.table.iloc[1]
    assert jan["retrained"] and jan["labels_until"] == pd.Timestamp("2024-12-01")
    assert feb["version"] == "v2" and not feb["retrained"]  # January's model stays
    assert feb["reason"].endswith("not shipped: the window holds one class only (0)")
    assert feb["retrains"] == 2


def test_month_without_rows_and_a_trigger_that_never_fires():
    history, production, labels = _spring("2025-04-01")
    production = production[production["month"] != "2025-02-01"]
    policy = Policy("drift", trigger="drift", drift_share=1.0)
    table = _backtest([policy], history, production, labels).table
    assert table["rows"].tolist() == [1029, 0, 1015]
    assert table.loc[1, "reason"] == "no rows this month: nothing to judge"
    assert np.isnan(table.loc[1, "value"])
    assert not table["retrained"].any() and table.loc[2, "reason"].startswith("drift: ")


def test_champion_challenger_gate_refuses_a_challenger_not_clearly_better():
    history, production, labels = _spring("2025-04-01")
    policy = Policy("c/c", trigger="schedule", every=2)
    table = _backtest([policy], history, production, labels).table
    assert "not shipped: challenger f1" in table.loc[1, "reason"]
    assert "not clearly better" in table.loc[1, "reason"]
    assert table["version"].eq("v1").all()


def test_realised_trigger_waits_for_the_labels():
    history, production, labels = _spring("2025-03-01")
    policy = Policy("labels", trigger="realised_drop", metric="positive_rate", challenge=False)
    table = _backtest([policy], history, production, labels).table
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
    ({"change": 2.0}, ValueError, r"change must be a number in \(0, 1\]; got 2.0"),
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
        _backtest(Policy("static"), history, production, labels)
    with pytest.raises(TypeError, match="policies must be a non-empty list of Policy"):
        _backtest([], history, production, labels)
    with pytest.raises(TypeError, match="policies must hold Policy objects; got str"):
        _backtest(["static"], history, production, labels)
    with pytest.raises(ValueError, match=r"distinct names; got \['a', 'a'\]"):
        _backtest([Policy("a"), Policy("a")], history, production, labels)
    with pytest.raises(ValueError, match="value must map each of 'tp', 'fp', 'fn', 'tn'"):
        _backtest(ok, history, production, labels, value={"tp": 1})
    with pytest.raises(ValueError, match="value must map each of 'tp', 'fp', 'fn', 'tn' to euros; got None"):
        _backtest(ok, history, production, labels, value=None)
    with pytest.raises(ValueError, match="retrain_cost must be a number of euros >= 0; got -5"):
        _backtest(ok, history, production, labels, retrain_cost=-5)
    with pytest.raises(ValueError, match="on_future"):
        _backtest(ok, history, production, labels, on_future="peek")
    with pytest.raises(ValueError, match=r"missing \['plan'\] \(a challenger on a different feature set"):
        _backtest(ok, history, production.drop(columns="plan"), labels)
    with pytest.raises(ValueError, match=r"missing \['label_available_from'\]"):
        _backtest(ok, history, production, labels.drop(columns="label_available_from"))
    with pytest.raises(ValueError, match="history must hold both classes"):
        _backtest(ok, history.assign(churned=0), production, labels)
    with pytest.raises(ValueError, match="history must hold the label column 'churned'"):
        _backtest(ok, history.drop(columns="churned"), production, labels)


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
    result = _backtest(policies, history, production, labels)
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


# --- any estimator, any threshold -----------------------------------------------------------------
SMALL = ["tenure_months", "support_calls_90d", "monthly_charges"]


@pytest.mark.parametrize("threshold", [0.3, 0.6])
def test_backtest_refits_any_estimator_at_the_threshold_given(threshold):
    history, production, labels = _spring("2025-03-01")
    model = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10))
    result = backtest([Policy("static")], history, production, labels, model=model,
                      threshold=threshold, features=SMALL, value=VALUE)
    assert not hasattr(model[-1], "coef_")  # cloned, never fitted in place
    oracle = clone(model).fit(history[SMALL], history["churned"])
    scored = production.merge(labels, on=["customer_id", "month"])
    decided = (oracle.predict_proba(scored[SMALL])[:, 1] >= threshold).astype(int)
    january = (scored["month"] == "2025-01-01").to_numpy()
    assert result.table.loc[0, "value"] == business_value(scored["churned"][january],
                                                          decided[january], VALUE)
    assert result.threshold == threshold and result.columns == SMALL
    assert np.array_equal(result.decide("static", "v1", scored), decided)


def test_a_weighted_window_passes_the_weights_to_the_last_step():
    history, production, labels = _spring("2025-03-01")
    model = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10))
    policy = Policy("w", trigger="schedule", every=2, window="weighted", months=1,
                    challenge=False, validate_data=False)
    result = backtest([policy], history, production, labels, model=model, features=SMALL,
                      value=VALUE)
    rows = result.windows[("w", "v2")]
    assert rows["weight"].min() < 0.5  # 2024 weighs less than January 2025
    oracle = clone(model).fit(rows[SMALL], rows["churned"],
                              logisticregression__sample_weight=rows["weight"])
    assert np.allclose(result.models[("w", "v2")][-1].coef_, oracle[-1].coef_)
    with pytest.raises(ValueError, match=r"policies \['w'\] train on weighted windows, but the "
                                         r"model's KNeighborsClassifier.fit takes no sample_weight"):
        backtest([policy], history, production, labels, model=KNeighborsClassifier(),
                 features=SMALL, value=VALUE)


def test_backtest_refuses_what_is_not_a_classifier():
    history, production, labels = _spring("2025-02-01")
    for model in (StandardScaler(), LogisticRegression, "logreg"):
        with pytest.raises(TypeError, match="model must be a scikit-learn classifier or pipeline"):
            backtest([Policy("static")], history, production, labels, model=model, value=VALUE)
    with pytest.raises(ValueError, match=r"features must be columns of history .*\['churned'\]"):
        _backtest([Policy("static")], history, production, labels, features=["churned"])
    with pytest.raises(ValueError, match="threshold must be between 0 and 1; got 3"):
        _backtest([Policy("static")], history, production, labels, threshold=3)


# --- the champion/challenger gate ---------------------------------------------------------------
def _competitor(labels, production, since="2025-01-01", rate=0.9):
    """Labels after a concept change: from ``since``, most month-to-month customers leave."""
    rows = labels.merge(production[["customer_id", "month", "contract"]],
                        on=["customer_id", "month"])
    changed = change_concept(rows, "churned", lambda d: (d["month"] >= since)
                             & (d["contract"] == "month-to-month"), rate=rate, seed=1)
    return changed[labels.columns]


GATED = Policy("gated", trigger="schedule", every=3, window="sliding", months=2)


def test_the_gate_lets_a_real_gain_through_and_ships_it_refitted_with_the_holdout():
    history, production, labels = _spring("2025-04-01")
    result = _backtest([GATED], history, production, _competitor(labels, production))
    gate = result.gates.iloc[0]
    assert gate["passed"] and gate["holdout_month"] == pd.Timestamp("2025-02-01")
    assert gate["gain_low"] > 0 and gate["challenger"] > gate["champion"]
    march = result.table.set_index("month").loc["2025-03-01"]
    assert march["retrained"] and march["version"] == "v2"
    assert "clearly better" in march["reason"] and "refitted with 2025-02" in march["reason"]
    # what ships learned from the held-out month too, not only from January
    shipped = result.windows[("gated", "v2")]
    assert set(shipped["month"]) == {pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")}
    features = case_study_features()
    oracle = clone(case_study_model()).fit(shipped[features], shipped["churned"])
    assert np.allclose(result.models[("gated", "v2")][-1].coef_, oracle[-1].coef_)


def test_the_gate_refuses_a_challenger_that_is_not_clearly_better():
    history, production, labels = _spring("2025-04-01")
    result = _backtest([GATED], history, production, labels)
    assert len(result.gates) == 1 and not result.gates["passed"].any()
    march = result.table.set_index("month").loc["2025-03-01"]
    assert not march["retrained"] and "not clearly better" in march["reason"]
    assert march["version"] == "v1" and march["retrains"] == 1
    # an equal challenger, the champion itself, is refused too: its gain is exactly 0
    v1 = result.models[("gated", "v1")]
    february = production[production["month"] == "2025-02-01"].merge(labels)
    same = champion_challenger(v1, v1, february[case_study_features()], february["churned"],
                               threshold=THRESHOLD)
    assert not same.significant and same.difference == 0


def test_a_refused_challenger_waits_a_full_period_again():
    history, production, labels = _spring("2025-07-01")
    policy = Policy("gated", trigger="schedule", every=2, window="sliding", months=3)
    table = _backtest([policy], history, production, labels).table.set_index("month")
    tried = table.index[table["reason"].str.contains("not shipped|shipped")].strftime("%Y-%m")
    assert list(tried) == ["2025-02", "2025-04", "2025-06"]
    assert table["retrains"].tolist() == [0, 1, 1, 2, 2, 3]


def test_the_gate_never_compares_on_a_month_the_champion_learned_from():
    # March is in cents: the data gate leaves it out, so in April the latest usable month is
    # February, which the champion shipped in March already learned from
    history, production, labels = _spring("2025-05-01")
    cents = production["month"] == "2025-03-01"
    broken = production.copy()
    broken.loc[cents] = change_units(production[cents], "monthly_charges", 100)
    monthly = Policy("monthly", trigger="schedule", every=1, window="sliding", months=2)
    table = _backtest([monthly], history, broken, _competitor(labels, production)).table
    table = table.set_index(table["month"].dt.strftime("%Y-%m"))
    assert table.loc["2025-03", "retrained"] and table.loc["2025-03", "labels_until"] == \
        pd.Timestamp("2025-02-01")
    assert table.loc["2025-04", "reason"].endswith(
        "not shipped: the champion learned from 2025-02 already: no fair comparison")


def test_gate_functions_bad_input():
    history, production, labels = _spring("2025-02-01")
    features = case_study_features()
    v1 = clone(case_study_model()).fit(history[features], history["churned"])
    X, y = history[features].head(50), history["churned"].head(50)
    with pytest.raises(TypeError, match="champion must be a fitted classifier with predict_proba"):
        champion_challenger(v1, StandardScaler(), X, y)
    with pytest.raises(ValueError, match="X and y must have the same length"):
        champion_challenger(v1, v1, X, y.head(10))
    with pytest.raises(ValueError, match="metric must be one of"):
        champion_challenger(v1, v1, X, y, metric="auc")
    with pytest.raises(ValueError, match="y contains 1 missing value"):
        champion_challenger(v1, v1, X, y.astype(float).where(y.index != y.index[0]))
    with pytest.raises(TypeError, match="rows must be a pandas DataFrame"):
        data_gate([1, 2], None, ["x"])
    with pytest.raises(ValueError, match="rows must hold the model's columns; missing \\['plan'\\]"):
        predict_scores(v1, history.drop(columns="plan"), features)


# --- the estimated-performance (CBPE) trigger ---------------------------------------------------
CBPE = Policy("cbpe", trigger="estimated_change", metric="recall", change=0.1, challenge=False)


def test_cbpe_fires_when_a_unit_bug_makes_every_customer_look_like_a_churner():
    history, production, labels = _spring("2025-04-01")
    cents = production["month"] == "2025-03-01"
    broken = production.copy()
    broken.loc[cents] = change_units(production[cents], "monthly_charges", 100)
    table = _backtest([CBPE], history, broken, labels).table.set_index("month")
    assert not table.loc["2025-02-01", "retrained"]
    march = table.loc["2025-03-01"]
    assert march["retrained"] and march["recall"] == 1.0
    assert march["reason"].startswith("estimated recall 1.00, +0.")
    clean = _backtest([CBPE], history, production, labels).table
    assert not clean["retrained"].any()


def test_cbpe_compares_with_an_out_of_sample_estimate():
    history, production, labels = _spring("2025-02-01")
    features = case_study_features()
    reason = _backtest([CBPE], history, production, labels).table.loc[0, "reason"]
    held_out = held_out_scores(case_study_model(), history[features], history["churned"],
                               folds=3, seed=0)
    expected = estimate_performance(held_out, THRESHOLD)["recall"]
    assert reason.endswith(f"from {expected:.2f} held out")
    fitted = clone(case_study_model()).fit(history[features], history["churned"])
    in_sample = estimate_performance(fitted.predict_proba(history[features])[:, 1], THRESHOLD)
    assert abs(in_sample["recall"] - expected) > 0.005  # the training rows would flatter it


# --- the module's shape ---------------------------------------------------------------------------
def test_the_retraining_modules_stay_short_and_re_export_their_names():
    from pathlib import Path

    import toolkit.retraining as retraining

    package = Path(retraining.__file__).parent
    for name in ("retraining", "policies", "backtest", "backtest_result"):
        lines = len((package / f"{name}.py").read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"toolkit/{name}.py has {lines} lines"
    assert all(hasattr(retraining, name) for name in retraining.__all__)
