import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from toolkit import datasets, features
from toolkit.monitoring import (
    MonitorResult,
    estimate_performance,
    monitor,
    plot_monitoring,
    realised_performance,
    score_alerts,
)

VALUE = {"tp": 40.0, "fp": -10.0, "fn": -60.0, "tn": 0.0}


# --- performance before labels (CBPE) --------------------------------------------------------------
def test_expected_confusion_matrix_by_hand():
    # decided positive: 0.9 and 0.6 -> expected TP 1.5, FP 0.5; negative: 0.3, 0.1 -> FN 0.4, TN 1.6
    est = estimate_performance([0.9, 0.6, 0.3, 0.1], threshold=0.5, value=VALUE)
    assert est[["tp", "fp", "fn", "tn"]].tolist() == pytest.approx([1.5, 0.5, 0.4, 1.6])
    assert est["precision"] == pytest.approx(0.75)
    assert est["recall"] == pytest.approx(1.5 / 1.9)
    assert est["f1"] == pytest.approx(3.0 / 3.9)
    assert est["value"] == pytest.approx(40 * 1.5 - 10 * 0.5 - 60 * 0.4)
    assert est["positive_rate"] == pytest.approx(0.475)


def test_realised_performance_matches_sklearn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(0)
    p = rng.uniform(size=500)
    y = (rng.uniform(size=500) < p).astype(int)
    real = realised_performance(y, p, 0.4, VALUE)
    pred = (p >= 0.4).astype(int)
    assert real["precision"] == pytest.approx(precision_score(y, pred))
    assert real["recall"] == pytest.approx(recall_score(y, pred))
    assert real["f1"] == pytest.approx(f1_score(y, pred))
    assert real["value"] == pytest.approx(sum(VALUE[k] * real[k] for k in VALUE))


def test_estimate_matches_realised_within_its_interval_on_a_calibrated_stream():
    rng = np.random.default_rng(42)
    inside = {name: 0 for name in ("precision", "recall", "f1", "value")}
    n_batches = 200
    for _ in range(n_batches):
        p = rng.beta(2, 6, size=1_000)
        y = (rng.uniform(size=p.size) < p).astype(int)  # labels drawn from the probabilities
        est = estimate_performance(p, 0.3, VALUE)
        real = realised_performance(y, p, 0.3, VALUE)
        for name in inside:
            inside[name] += est[f"{name}_low"] <= real[name] <= est[f"{name}_high"]
    for name, count in inside.items():
        assert 0.9 <= count / n_batches <= 0.99, (name, count)  # stated: 95 %


def test_estimate_is_blind_to_a_concept_change():
    rng = np.random.default_rng(7)
    p = rng.beta(2, 6, size=5_000)
    group = rng.uniform(size=p.size) < 0.3
    true_p = np.where(group, np.clip(p + 0.4, 0, 1), p)  # the same inputs, more of them churn
    y = (rng.uniform(size=p.size) < true_p).astype(int)
    est = estimate_performance(p, 0.3)
    real = realised_performance(y, p, 0.3)
    assert not est["recall_low"] <= real["recall"] <= est["recall_high"]
    assert real["positive_rate"] > est["positive_rate_high"]


def test_bad_probabilities_and_values():
    with pytest.raises(ValueError,
                       match="proba must hold probabilities between 0 and 1; got values from -0.1"):
        estimate_performance([0.2, -0.1])
    with pytest.raises(ValueError, match="proba is empty"):
        estimate_performance([])
    with pytest.raises(ValueError, match="threshold must be between 0 and 1; got 2"):
        estimate_performance([0.2], threshold=2)
    with pytest.raises(ValueError,
                       match=r"value must map each of 'tp', 'fp', 'fn', 'tn' to euros; got \{'tp': 1\}"):
        estimate_performance([0.2], value={"tp": 1})
    with pytest.raises(ValueError, match="y_true must hold only 0 and 1"):
        realised_performance([0, 2], [0.1, 0.2])


# --- the case study ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def case():
    history = datasets.load("history")
    X = history.drop(columns=["churned", "exit_survey_score"])
    model = make_pipeline(features.make_preprocessor(X, drop=["month"]),
                          LogisticRegression(max_iter=1_000)).fit(X, history["churned"])
    production = datasets.load("production")
    columns = [c for c in production.columns if c not in ("customer_id", "month", "signup_date")]
    return {"history": history, "model": model, "production": production, "columns": columns,
            "labels": datasets.load("production_labels"), "events": datasets.load("events")}


@pytest.fixture(scope="module")
def year(case):
    return monitor(case["production"], case["history"], model=case["model"], labels=case["labels"],
                   columns=case["columns"], value=VALUE, as_of="2026-01")


def test_every_event_is_alerted_in_the_month_the_datasheet_names(case, year):
    score = score_alerts(year, case["events"])
    table = score.events.set_index("event")
    assert table["caught"].all()
    assert (table["first_alert"] == table["detectable_in"]).all(), table
    assert table.loc["competitor_offer", "delay_months"] == 1  # September's labels, in October
    assert score.recall == 1.0
    # The false alarms are counted, not hidden: most are consequences of the events on other
    # columns (the new plan's price moves monthly_charges, scores move) and the model's
    # under-estimate of churn (it learned from labels that missed the downgraders).
    assert score.false_alarms == (score.alerts["event"] == "").sum() > 0
    assert 0.3 < score.precision < 1.0
    signals = score.alerts.loc[score.alerts["event"] != "", ["event", "signal"]]
    assert set(signals.loc[signals["event"] == "competitor_offer", "signal"]) == {"performance"}


def test_monitor_table_has_one_row_per_month_and_the_estimate_tracks_reality(case, year):
    months = year.months
    assert len(months) == 12 and months["rows"].sum() == len(case["production"])
    healthy = months[months["month"] < "2025-07-01"]
    gap = (healthy["est_f1"] - healthy["real_f1"]).abs()
    assert (gap < 0.06).all()
    assert months.loc[months["month"] == "2025-07-01", "prediction_rate"].item() > 0.9
    assert "monthly_charges" in months.loc[months["month"] == "2025-07-01", "worst_columns"].item()
    assert year.thresholds.startswith("bands calibrated on 999 random reference chunks of 1011 "
                                      "rows (alpha=0.01 per check")


def test_no_label_is_used_before_it_is_available(case):
    as_of = "2025-09-15"
    labels = case["labels"].copy()
    late = labels["label_available_from"] > pd.Timestamp(as_of)
    poisoned = labels.assign(churned=np.where(late, 1 - labels["churned"], labels["churned"]))
    kwargs = {"model": case["model"], "columns": case["columns"], "as_of": as_of}
    clean = monitor(case["production"], case["history"], labels=labels, **kwargs)
    dirty = monitor(case["production"], case["history"], labels=poisoned, **kwargs)
    pd.testing.assert_frame_equal(clean.months, dirty.months)
    known = clean.months.set_index("month")
    assert not np.isnan(known.loc["2025-08-01", "real_f1"])
    assert np.isnan(known.loc["2025-09-01", "real_f1"])
    assert known.loc["2025-09-01", "labels_note"] == "labels arrive from 2025-10"
    assert (clean.alerts["raised_in"] <= pd.Timestamp(as_of)).all()
    assert clean.months["month"].max() == pd.Timestamp("2025-09-01")  # later months are the future
    with pytest.raises(ValueError, match="as_of=2024-12 is before the first month of data"):
        monitor(case["production"], case["history"], labels=labels, **{**kwargs, "as_of": "2024-12"})


class _RangeSchema:
    """A stand-in for deploy's InputSchema: the problem table of the shared contract."""

    def validate(self, df):
        bad = df["monthly_charges"] > 500
        rows = [{"column": "monthly_charges", "problem": "out of range", "action": "warn",
                 "rows": int(bad.sum()), "detail": "above 500 euros a month"}] if bad.any() else []
        return pd.DataFrame(rows, columns=["column", "problem", "action", "rows", "detail"])


def test_monitor_reads_the_prediction_log_and_the_schema(case):
    production = case["production"]
    batch = production[production["month"].isin(pd.to_datetime(["2025-06-01", "2025-07-01"]))]
    proba = case["model"].predict_proba(batch)[:, 1]
    log = pd.concat([
        pd.DataFrame({"request_id": [f"r{i}" for i in range(len(batch))],
                      "logged_at": "2025-07-31T10:00:00", "month": batch["month"].to_numpy(),
                      "model_version": "v1", "role": "production", "returned": True,
                      "score": proba, "decision": (proba >= 0.5).astype(int), "problems": "",
                      "latency_ms": 3.0}),
        pd.DataFrame({"role": ["shadow"] * len(batch), "returned": False, "score": 0.99,
                      "month": batch["month"].to_numpy()}),
    ], ignore_index=True)
    features_frame = pd.concat([batch.reset_index(drop=True)] * 2, ignore_index=True)
    log = pd.concat([log, features_frame.drop(columns="month")], axis=1)
    result = monitor(log, case["history"], schema=_RangeSchema(), columns=case["columns"])
    assert result.months["rows"].tolist() == batch.groupby("month").size().tolist()  # shadow rows out
    schema_alerts = result.alerts[result.alerts["signal"] == "schema"]
    assert schema_alerts["month"].dt.strftime("%Y-%m").tolist() == ["2025-07"]
    assert "out of range" in schema_alerts["reason"].item()
    assert result.months["schema_problems"].tolist() == [0, 1]
    assert result.months["real_f1"].isna().all()
    assert (result.months["labels_note"] == "no labels given").all()


def test_monitor_bad_input(case):
    history = case["history"]
    batch = case["production"].head(50)
    with pytest.raises(ValueError, match="data must have a 'month' column"):
        monitor(batch.drop(columns="month"), history)
    with pytest.raises(TypeError, match="model must be a fitted classifier with predict_proba"):
        monitor(batch, history, columns=case["columns"])
    with pytest.raises(TypeError, match="schema must have a validate"):
        monitor(batch.assign(score=0.5), history, columns=case["columns"], schema="strict")
    with pytest.raises(ValueError, match=r"data\['score'\] must hold probabilities"):
        monitor(batch.assign(score=1.5), history, columns=case["columns"])
    with pytest.raises(ValueError, match=r"labels must have columns 'customer_id', 'month' and 'churned'"):
        monitor(batch.assign(score=0.5), history, columns=case["columns"],
                labels=case["labels"].drop(columns="churned"))
    with pytest.raises(ValueError, match="model needs column"):
        monitor(batch.drop(columns="age"), history, model=case["model"],
                columns=[c for c in case["columns"] if c != "age"])


def test_score_alerts_by_hand():
    alerts = pd.DataFrame({
        "month": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-03-01", "2025-05-01"]),
        "raised_in": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"]),
        "signal": ["drift", "drift", "performance", "drift"],
        "column": ["x", "x", "f1", "y"]})
    events = pd.DataFrame({"event": ["shift", "concept", "missed"],
                           "kind": ["covariate_shift", "concept_change", "unit_change"],
                           "column": ["x", "label", "z"], "start_month": ["2025-03"] * 3,
                           "end_month": ["2025-04"] * 3, "detectable_in": ["2025-03"] * 3})
    score = score_alerts(alerts, events)
    assert score.events["caught"].tolist() == [True, True, False]
    assert score.events["first_alert"].tolist() == ["2025-03", "2025-04", ""]
    assert score.events["on_time"].tolist() == [True, False, False]
    assert score.events["delay_months"].tolist()[:2] == [0, 1]
    assert score.alerts["event"].tolist() == ["", "shift", "concept", ""]
    assert (score.precision, score.recall, score.false_alarms) == (0.5, pytest.approx(2 / 3), 2)
    with pytest.raises(ValueError, match=r"event_log lacks column\(s\) \['detectable_in'\]"):
        score_alerts(alerts, events.drop(columns="detectable_in"))


def test_dashboard(case, year, tmp_path):
    axes = plot_monitoring(year, case["events"])
    assert [ax.get_ylabel() for ax in axes] == ["drifted columns", "share of customers", "F1"]
    assert axes[-1].get_xlabel() == "month"
    assert {t.get_text().strip() for t in axes[0].texts} == set(case["events"]["event"])
    axes[0].figure.savefig(tmp_path / "dashboard.png")
    partial = monitor(case["production"], case["history"], model=case["model"],
                      labels=case["labels"], columns=case["columns"])
    labels = [h.get_label() for h in axes[-1].get_legend_handles_labels()[0]]
    axes = partial.plot()
    assert "labels not known yet" in axes[-1].get_legend_handles_labels()[1]
    assert "realised F1" in labels
    assert isinstance(partial, MonitorResult)
    with pytest.raises(TypeError, match="result must be a MonitorResult"):
        plot_monitoring(partial.months)


def test_monitor_reads_the_log_of_notebook_07s_service(case, tmp_path):
    """The log the deployed service writes, with the deployed model and its serving schema.

    The deployed pipeline takes a column the service never receives (the exit survey, dropped
    inside it), so the schema must judge the columns that arrived, not the model's inputs.
    """
    from toolkit import deploy, service

    registry = deploy.case_study_registry(tmp_path / "registry")
    served = service.Service(registry)
    replayed = service.replay(served, case["production"])
    log = served.log()
    served.close()
    assert (replayed["refused"] == 0).all() and len(log) == len(case["production"])
    bundle = registry.load("v1")
    assert "exit_survey_score" in bundle.model.feature_names_in_
    result = monitor(log, case["history"], model=bundle.model, threshold=bundle.card.threshold,
                     labels=case["labels"], schema=bundle.schema, columns=case["columns"],
                     value=VALUE)
    schema_alerts = result.alerts[result.alerts["signal"] == "schema"]
    assert "exit_survey_score" not in set(schema_alerts["column"])
    july = schema_alerts[schema_alerts["month"] == "2025-07-01"]
    assert "out of range" in july.loc[july["column"] == "monthly_charges", "reason"].item()
    score = score_alerts(result, case["events"])
    table = score.events.set_index("event")
    assert table["on_time"].all() and (table["first_alert"] == table["detectable_in"]).all(), table


def test_calibrated_cbpe_on_the_case_study_raises_no_false_performance_alert(case):
    """Calibrated on out-of-fold 2024 scores, the one monthly test stays quiet on healthy months:
    its only performance alert outside the competitor's months is July (the cents bug). The two
    intervals it replaced also alerted on January and March."""
    from toolkit.monitoring import ScoreCalibrator, held_out_scores

    history = case["history"]
    X, y = history.drop(columns=["churned", "exit_survey_score"]), history["churned"]
    calibrator = ScoreCalibrator().fit(held_out_scores(case["model"], X, y), y)
    result = monitor(case["production"], history, model=case["model"], labels=case["labels"],
                     columns=case["columns"], calibrator=calibrator, as_of="2026-01")
    assert result.performance.startswith("scores calibrated on 5000 held-out reference rows")
    score = score_alerts(result, case["events"])
    performance = score.alerts[score.alerts["signal"] == "performance"]
    false = performance.loc[performance["event"] == "", "month"].dt.strftime("%Y-%m").tolist()
    assert false == ["2025-07"]
    assert score.events.set_index("event").loc["competitor_offer", "on_time"]
    healthy = result.months[(result.months["month"] < "2025-09-01")
                            & (result.months["month"] != "2025-07-01")]
    assert (healthy["est_f1"] - healthy["real_f1"]).abs().max() < 0.04
    assert (healthy["perf_p_value"] > 0.01).all()
