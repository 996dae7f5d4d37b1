"""CBPE as NannyML defines it (calibrate on a held-out reference, decide on the raw score, expect on
the calibrated one) and the one monthly performance test, on a world whose truth is known."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from toolkit import _shared, monitoring
from toolkit.performance import (
    PERFORMANCE_ALPHA,
    ScoreCalibrator,
    estimate_performance,
    held_out_scores,
    performance_test,
    realised_performance,
)

THRESHOLD = 0.5


def _world(n, rng, shift=0.0):
    """Three inputs and a churn label drawn from a known logistic law (about 27 % churn)."""
    X = rng.normal(size=(n, 3))
    logit = -1.5 + shift + 1.3 * X[:, 0] + 0.9 * X[:, 1] - 0.6 * X[:, 2]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def balanced():
    """A class_weight="balanced" model (its scores overstate churn), its held-out reference,
    the calibrator fitted there, and 200 healthy batches of 1,000 customers."""
    rng = np.random.default_rng(0)
    model = LogisticRegression(class_weight="balanced").fit(*_world(3_000, rng))
    X_ref, y_ref = _world(5_000, rng)  # never seen in training
    calibrator = ScoreCalibrator().fit(model.predict_proba(X_ref)[:, 1], y_ref)
    batches = []
    for _ in range(200):
        X, y = _world(1_000, rng)
        batches.append((model.predict_proba(X)[:, 1], y))
    return {"model": model, "calibrator": calibrator, "batches": batches}


def _mean_errors(batches, calibrator):
    est = [estimate_performance(s, THRESHOLD, calibrator=calibrator) for s, _ in batches]
    real = [realised_performance(y, s, THRESHOLD) for s, y in batches]
    return {m: float(np.mean([e[m] - r[m] for e, r in zip(est, real, strict=True)]))
            for m in ("f1", "positive_rate", "precision")}


def test_raw_scores_of_a_balanced_model_mislead_cbpe_and_the_calibrator_fixes_it(balanced):
    before = _mean_errors(balanced["batches"][:40], None)
    after = _mean_errors(balanced["batches"][:40], balanced["calibrator"])
    # before: the estimate believes the balanced scores (F1 and churn rate far too high)
    assert before["f1"] > 0.05 and before["positive_rate"] > 0.12 and before["precision"] > 0.2
    # after: within a hundredth or two on average
    assert abs(after["f1"]) < 0.02 and abs(after["positive_rate"]) < 0.01
    assert abs(after["precision"]) < 0.03


def test_decisions_stay_on_the_raw_score(balanced):
    scores, _ = balanced["batches"][0]
    est = estimate_performance(scores, THRESHOLD, calibrator=balanced["calibrator"])
    decided = int((scores >= THRESHOLD).sum())
    assert est["tp"] + est["fp"] == pytest.approx(decided)
    calibrated = balanced["calibrator"].transform(scores)
    assert est["tp"] == pytest.approx(calibrated[scores >= THRESHOLD].sum())
    assert est["positive_rate"] == pytest.approx(calibrated.mean())


def test_interval_covers_the_realised_f1_on_200_calibrated_batches(balanced):
    cal = balanced["calibrator"]
    inside = {m: 0 for m in ("positive_rate", "precision", "recall", "f1")}
    for scores, y in balanced["batches"]:
        est = estimate_performance(scores, THRESHOLD, calibrator=cal)
        real = realised_performance(y, scores, THRESHOLD)
        for m in inside:
            inside[m] += est[f"{m}_low"] <= real[m] <= est[f"{m}_high"]
    coverage = {m: c / len(balanced["batches"]) for m, c in inside.items()}
    assert all(0.9 <= c <= 0.995 for c in coverage.values()), coverage  # stated: 95 %


def test_one_test_a_month_keeps_its_false_alarm_rate(balanced):
    """1,200 healthy months, 12 for each of 100 held-out references (the promise holds over
    the reference's chance as well as the month's): the old rule, two 95 % intervals (on churn
    rate and F1), against the one chi-square test at PERFORMANCE_ALPHA, within three binomial
    standard deviations."""
    rng = np.random.default_rng(21)
    model = balanced["model"]
    old = new = months = 0
    for _ in range(100):
        X_ref, y_ref = _world(5_000, rng)
        cal = ScoreCalibrator().fit(model.predict_proba(X_ref)[:, 1], y_ref)
        for _ in range(12):
            X, y = _world(1_000, rng)
            scores = model.predict_proba(X)[:, 1]
            est = estimate_performance(scores, THRESHOLD, calibrator=cal, n_draws=500)
            real = realised_performance(y, scores, THRESHOLD)
            old += any(not est[f"{m}_low"] <= real[m] <= est[f"{m}_high"]
                       for m in ("positive_rate", "f1"))
            new += bool(performance_test(y, scores, THRESHOLD, calibrator=cal)["alert"])
            months += 1
    alpha = PERFORMANCE_ALPHA
    assert abs(new / months - alpha) <= 3 * np.sqrt(alpha * (1 - alpha) / months), new
    assert 12 * old / months > 0.7  # about one false performance alert a healthy year


def test_p_values_of_exactly_calibrated_months_are_uniform():
    from scipy.stats import kstest

    rng = np.random.default_rng(3)
    p_values = []
    for _ in range(400):
        p = rng.beta(2, 5, size=800)
        y = (rng.uniform(size=p.size) < p).astype(int)
        p_values.append(performance_test(y, p, 0.3)["p_value"])
    p_values = np.array(p_values)
    assert kstest(p_values, "uniform").pvalue > 0.01
    assert (p_values < PERFORMANCE_ALPHA).mean() < 0.03


def test_the_test_sees_more_churners_than_promised(balanced):
    rng = np.random.default_rng(5)
    X, y = _world(1_000, rng, shift=0.6)  # the same inputs lead to more churn: a concept change
    scores = balanced["model"].predict_proba(X)[:, 1]
    test = performance_test(y, scores, THRESHOLD, calibrator=balanced["calibrator"])
    assert test["alert"] and test["z_tp"] > 2 and test["z_fn"] > 2


def test_monitor_raises_few_false_performance_alerts_on_healthy_years():
    """Ten healthy years of exactly calibrated scores through monitor: today's two intervals
    alerted about once a year; one test at 1 % a month alerts about once in eight years."""
    rng = np.random.default_rng(11)
    n_months, rows = 120, 400
    p = rng.beta(2, 5, size=n_months * rows)
    months = pd.date_range("2015-01-01", periods=n_months, freq="MS")
    data = pd.DataFrame({"customer_id": np.arange(p.size), "month": np.repeat(months, rows),
                         "x": rng.normal(size=p.size), "score": p})
    labels = data[["customer_id", "month"]].assign(
        churned=(rng.uniform(size=p.size) < p).astype(int))
    result = monitoring.monitor(data, data[["x"]].iloc[:5_000], labels=labels, threshold=0.3,
                                calibration=None, as_of=months[-1] + pd.DateOffset(months=1))
    per_year = 12 * (result.alerts["signal"] == "performance").sum() / n_months
    assert per_year < 0.5, result.alerts  # the code before this test: 1.2
    assert result.months["perf_p_value"].notna().all()
    assert "one performance test a month at alpha=0.01" in result.performance


def test_held_out_scores_and_a_calibrated_monitor(balanced):
    rng = np.random.default_rng(8)
    X, y = _world(2_000, rng)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    scores = held_out_scores(LogisticRegression(class_weight="balanced"), frame, y)
    assert scores.shape == (2_000,) and 0 < scores.min() < scores.max() < 1
    cal = ScoreCalibrator().fit(scores, y)
    table = cal.reliability_
    assert len(table) == 10 and table["rows"].sum() == 2_000
    assert (table["mean_score"] - table["observed_rate"]).mean() > 0.1  # balanced: too high
    assert (table["calibrated"] - table["observed_rate"]).abs().max() < 0.02


def test_bad_calibrators():
    with pytest.raises(TypeError, match="ScoreCalibrator is not fitted yet"):
        ScoreCalibrator().transform([0.2])
    with pytest.raises(ValueError, match="y_true must contain both classes to calibrate"):
        ScoreCalibrator().fit([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match="y_true and the scores must have the same length"):
        ScoreCalibrator().fit([0.1, 0.2], [0, 1, 1])
    with pytest.raises(TypeError, match="calibrator must be a fitted ScoreCalibrator or None"):
        estimate_performance([0.2, 0.7], calibrator="isotonic")
    with pytest.raises(TypeError, match="calibrator must be a fitted ScoreCalibrator or None"):
        monitoring.monitor(pd.DataFrame({"month": ["2025-01"], "x": [1.0], "score": [0.5]}),
                           pd.DataFrame({"x": [1.0]}), calibrator=lambda s: s)
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        performance_test([0, 1], [0.2, 0.7], alpha=5)
    with pytest.raises(TypeError, match="model must be a classifier with predict_proba"):
        held_out_scores("logistic", pd.DataFrame({"x": [1.0, 2.0]}), [0, 1])


def test_one_log_columns_and_one_month_helper():
    assert monitoring.LOG_COLUMNS is _shared.LOG_COLUMNS
    assert not hasattr(monitoring, "_month_start")
    assert monitoring.estimate_performance is estimate_performance  # re-exported for notebooks
