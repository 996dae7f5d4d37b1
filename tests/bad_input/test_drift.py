"""Bad input for the drift modules: drift, simulators, performance, monitoring, alerts.

Each case the search once found (a crash from inside pandas, numpy or scikit-learn, fixed in the
module since) is pinned with ``@example``, so it is tried first on every run.

Examples per test under the ``ci`` profile: 150 for the table and score functions; 60 for
``calibrate``, the simulators, ``simulate_stream`` and the plots; 25 for ``domain_classifier``,
``held_out_scores`` and ``monitor`` (they fit models or loop over months).
"""

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from bad_input.strategies import (
    COLUMN,
    TARGET_KINDS,
    anything,
    check,
    column_of,
    examples,
    frame_pairs,
    frames,
    labels,
    maybe,
    maybe_count,
    named_frames,
    same_length,
    scores,
)
from toolkit import alerts, drift, monitoring, performance, simulators

TABLES = ["reference", "current", "columns", "column", "df"]


def _frame(**columns):
    return pd.DataFrame(columns)


INT64 = pd.array([1], dtype="Int64")


# --------------------------------------------------------------------------- drift
@examples(150)
@given(frame_pairs())
@example((_frame(a=INT64), _frame(a=INT64)))
def test_drift_report(pair):
    check("drift_report", drift.drift_report, pair, TABLES)


@examples(150)
@given(frame_pairs(), maybe(st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", 0])))))
def test_check_pair(pair, cols):
    check("check_pair", drift.check_pair, (*pair, cols), TABLES)


@examples(150)
@given(frames(min_cols=1))
def test_column_group(frame):
    check("column_group", drift.column_group, (frame.iloc[:, 0],), ["series", "column"])


@examples(150)
@given(same_length(scores, scores), maybe_count(st.integers(2, 20)))
@example((np.zeros((0, 2)), np.zeros((0, 2))), 10)
def test_psi(pair, bins):
    check("psi", drift.psi, pair, ["reference", "current", "bins"], {"bins": bins})


@examples(60)
@given(frames(min_rows=2, min_cols=1), maybe_count(st.integers(1, 20)), maybe(st.floats(0, 1)),
       maybe_count(st.integers(2, 5)))
@example(_frame(a=pd.array(["", "ünï", "z", "y"], dtype="string")), 2, 0.25, 3)
def test_calibrate(frame, chunk, alpha, n_chunks):
    check("calibrate", drift.calibrate, (frame,),
          ["reference", "columns", "column", "chunk", "alpha", "n_chunks"],
          {"chunk": chunk, "alpha": alpha, "n_chunks": n_chunks})


@examples(60)
@given(frame_pairs(min_rows=1, min_cols=1), COLUMN, maybe_count(st.integers(2, 50)))
@example((_frame(a=["x"]), _frame(a=pd.array([pd.NA], dtype="string"))), "a", 2)
def test_plot_distribution_shift(pair, column, bins):
    check("plot_distribution_shift", drift.plot_distribution_shift, (*pair, column_of(pair[0], column)),
          [*TABLES, "bins"], {"bins": bins})


@examples(60)
@given(frame_pairs(min_rows=1, min_cols=1), anything())
def test_plot_drift_report(pair, other):
    try:  # drift_report's own failures are test_drift_report's
        report = drift.drift_report(*pair)
    except (TypeError, ValueError):
        report = None
    if report is not None:
        check("plot_drift_report", drift.plot_drift_report, (report,), ["report"])
        check("DriftReport.plot", report.plot, (), ["ax"])
    check("plot_drift_report", drift.plot_drift_report, (other,), ["report"])


@examples(25)
@given(frame_pairs(min_rows=1, max_rows=30, min_cols=1, max_cols=3), maybe_count(st.integers(2, 3)),
       maybe(st.floats(0.5, 0.99)), maybe_count(st.integers(2, 50)))
@example((_frame(a=[None, None]), _frame(a=[None, None])), 2, 0.5, 10)
def test_domain_classifier(pair, cv, confidence, max_rows):
    check("domain_classifier", drift.domain_classifier, pair, [*TABLES, "cv", "confidence", "max_rows"],
          {"cv": cv, "confidence": confidence, "max_rows": max_rows})


# --------------------------------------------------------------------------- simulators
@examples(60)
@given(frames(min_cols=1), COLUMN, maybe(st.floats(0, 1)))
def test_column_simulators(frame, column, share):
    column = column_of(frame, column)
    for name, run in {
        "shift_numeric": lambda df: simulators.shift_numeric(df, column, shift=1.0, share=share),
        "change_units": lambda df: simulators.change_units(df, column, share=share),
        "inject_missing": lambda df: simulators.inject_missing(df, column, share=share),
    }.items():
        check(name, run, (frame,), ["df", "column", "share"])


@examples(60)
@given(maybe(st.integers(0, 9)))
@example(-1)
def test_simulator_seeds(seed):
    frame = pd.DataFrame({"x": np.arange(10.0)})
    check("shift_numeric(seed)", simulators.shift_numeric, (frame, "x"), ["seed"],
          {"shift": 1.0, "seed": seed})


@examples(60)
@given(frames(min_cols=1), COLUMN, maybe(st.floats(0, 1)))
@example(_frame(a=pd.array([False], dtype="boolean")), "a", 1.0)
def test_add_new_category(frame, column, share):
    check("add_new_category", simulators.add_new_category, (frame, column_of(frame, column)),
          ["df", "column", "share", "level"], {"share": share})


@examples(60)
@given(frames(min_cols=1, kinds=TARGET_KINDS), COLUMN, maybe(st.floats(0, 1)))
def test_shift_prior(frame, target, rate):
    check("shift_prior", simulators.shift_prior, (frame, column_of(frame, target), rate),
          ["df", "target", "rate"])


@examples(60)
@given(frames(min_cols=1, kinds=TARGET_KINDS), COLUMN,
       maybe(st.sampled_from([lambda df: df.index % 2 == 0, "index > 2", "nope =="])),
       maybe(st.floats(0, 1)))
@example(_frame(y=[0, 1]), "y", "nope ==", 0.5)
def test_change_concept(frame, target, where, rate):
    check("change_concept", simulators.change_concept, (frame, column_of(frame, target), where, rate),
          ["df", "target", "where", "rate"])


@examples(60)
@given(frames(min_cols=1), COLUMN,
       maybe(st.dictionaries(st.sampled_from(["x", "y", 1, True]), st.floats(0, 1), max_size=3)))
def test_change_category_mix(frame, column, weights):
    check("change_category_mix", simulators.change_category_mix, (frame, column_of(frame, column), weights),
          ["df", "column", "weights"])


EVENT = st.fixed_dictionaries(
    {"kind": maybe(st.sampled_from(list(simulators.SIMULATORS))),
     "column": maybe(st.sampled_from(["a", "b", 0])), "start": maybe_count(st.integers(0, 3))},
    optional={"end": maybe_count(st.integers(0, 4)), "params": anything(),
              "shape": maybe(st.sampled_from(["sudden", "gradual", "recurring"]))})


@examples(60)
@given(frames(min_cols=1, max_rows=20), maybe_count(st.integers(1, 4)), maybe(st.lists(EVENT, max_size=2)),
       maybe_count(st.integers(1, 20)), maybe(st.sampled_from(["2025-01", "2025-13", "jan"])))
@example(_frame(x=[1.0, 2.0]), 2, [], 5, "2025-13")
def test_simulate_stream(reference, n_batches, events, batch_size, start_month):
    check("simulate_stream", simulators.simulate_stream, (reference, n_batches, events),
          ["reference", "n_batches", "events", "batch_size", "start_month", "column", "params"],
          {"batch_size": batch_size, "start_month": start_month})


# --------------------------------------------------------------------------- performance
SCORE_NAMES = ["proba", "y_true", "threshold", "scores", "value", "n_draws"]


@examples(150)
@given(st.integers(0, 40).flatmap(scores), maybe(st.floats(0, 1)), maybe(st.floats(0.5, 0.99)),
       maybe_count(st.integers(100, 200)))
def test_estimate_performance(proba, threshold, confidence, n_draws):
    check("estimate_performance", performance.estimate_performance, (proba,), [*SCORE_NAMES, "confidence"],
          {"threshold": threshold, "confidence": confidence, "n_draws": n_draws})


@examples(150)
@given(same_length(scores, labels), maybe_count(st.integers(2, 20)))
@example((pd.Series([0.6]), pd.Series([pd.NA], dtype="boolean")), 2)
def test_score_calibrator(pair, bins):
    proba, y = pair
    calibrator = check("ScoreCalibrator.fit", lambda p, t: performance.ScoreCalibrator().fit(p, t, bins=bins),
                       pair, ["scores", "y_true", "bins"])
    if calibrator is not None:
        check("ScoreCalibrator.transform", calibrator.transform, (proba,), ["scores"])


@examples(150)
@given(same_length(labels, scores), maybe(st.floats(0, 1)))
@example(([0, 1], np.array([[0.8, 0.2], [0.3, 0.7]])), 0.5)
def test_performance_test(pair, threshold):
    check("performance_test", performance.performance_test, (*pair, threshold), SCORE_NAMES)


@examples(150)
@given(same_length(labels, scores), maybe(st.floats(0, 1)))
@example(([0, 1, 1], np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])), 0.5)
def test_realised_performance(pair, threshold):
    check("realised_performance", performance.realised_performance, (*pair, threshold), SCORE_NAMES)


@examples(25)
@given(frames(min_rows=1, max_rows=30, min_cols=1, max_cols=3), maybe_count(st.integers(2, 3)), st.data())
@example(_frame(x=np.arange(6.0)), 2, None)
def test_held_out_scores(X, folds, data):
    y = [0] * len(X) if data is None else data.draw(labels(len(X)))
    check("held_out_scores", performance.held_out_scores, (LogisticRegression(), X, y),
          ["model", "X", "y", "folds"], {"folds": folds})


# --------------------------------------------------------------------------- monitoring, alerts
def _months(n):
    return st.just(pd.Series(pd.to_datetime("2025-01-01") + pd.to_timedelta(np.arange(n) % 3 * 31, unit="D"))
                   .dt.to_period("M").dt.to_timestamp())


def _scores(n):
    return st.just(pd.Series(np.linspace(0, 1, n)))


@examples(25)
@given(named_frames(["month", "a", "b", "score"], min_rows=1, valid={"month": _months, "score": _scores}),
       named_frames(["a", "b"], min_rows=1), maybe(st.floats(0, 1)), maybe_count(st.integers(0, 2)),
       maybe(st.sampled_from(["auto", None])))
@example(_frame(month=["ü"], a=[1.0], score=[0.5]), _frame(a=[1.0, 2.0]), 0.5, 1, None)
def test_monitor(batches, reference, threshold, label_delay, calibration):
    options = {"threshold": threshold, "label_delay": label_delay, "calibration": calibration}
    result = check("monitor", monitoring.monitor, (batches, reference),
                   ["data", "reference", "columns", "column", "month", *options], options)
    if result is not None:
        check("plot_monitoring", monitoring.plot_monitoring, (result,), ["result", "events"])


ALERT_COLUMNS = ["month", "raised_in", "signal", "column"]
EVENT_COLUMNS = ["event", "kind", "column", "start_month", "end_month", "detectable_in"]
MONTH_TEXT = {name: lambda n: st.just(pd.Series([f"2025-0{1 + i % 9}" for i in range(n)]))
              for name in ["month", "raised_in", "start_month", "end_month", "detectable_in"]}
EVENTS = _frame(event=["e"], kind=["covariate_shift"], column=["x"], start_month=["2025-01"],
                end_month=["2025-02"], detectable_in=["2025-01"])


@examples(150)
@given(named_frames(ALERT_COLUMNS, valid=MONTH_TEXT), named_frames(EVENT_COLUMNS, valid=MONTH_TEXT))
@example(_frame(month=[1.25], raised_in=["2025-01"], signal=["drift"], column=["x"]), EVENTS)
def test_score_alerts(alert_table, events):
    check("score_alerts", alerts.score_alerts, (alert_table, events),
          ["alerts", "event_log", "column", "columns"])
