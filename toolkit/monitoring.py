"""Monitoring a deployed model month by month: signals, performance before labels, alerts.

Labels arrive late (a customer scored in March is known to have churned only in April), so a
monitor combines signals that are available at different times:

* right away: schema problems (an object with ``validate(df)``, e.g. the service's input
  schema), drift of the inputs (:func:`toolkit.drift.drift_report`), the prediction rate, and
  the model's performance *estimated* from its scores (CBPE,
  :func:`toolkit.performance.estimate_performance`: scores calibrated on a held-out
  reference, then the expected confusion matrix);
* once labels arrive: the *realised* performance, and one test of the realised outcomes
  against the calibrated scores (:func:`toolkit.performance.performance_test`), which alone
  can reveal a change in who has the outcome (concept change), which the inputs cannot show.

:func:`monitor` builds one row per month and a table of alerts;
:func:`toolkit.alerts.score_alerts` checks the alerts against a log of known events;
:func:`plot_monitoring` draws the dashboard. The names of ``performance`` and ``alerts`` that
notebooks use are re-exported here.

>>> import numpy as np
>>> est = estimate_performance(np.array([0.9, 0.8, 0.2, 0.1]), threshold=0.5)
>>> est[["precision", "recall"]].round(2).tolist()
[0.85, 0.85]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._columns import month_start
from toolkit._shared import LOG_COLUMNS
from toolkit._validation import (
    _short,
    check_dataframe,
    check_outcome_values,
    check_positive_int,
    check_probabilities,
    check_probability,
)
from toolkit.alerts import AlertScore, score_alerts
from toolkit.drift import Calibration, PreparedReference, calibrate, check_pair, compare_prepared
from toolkit.performance import (
    METRICS,
    PERFORMANCE_ALPHA,
    ScoreCalibrator,
    estimate_performance,
    held_out_scores,
    performance_test,
    realised_performance,
)
from toolkit.plotting import COLORS, PALETTE

__all__ = [
    "LOG_COLUMNS",
    "PERFORMANCE_ALPHA",
    "AlertScore",
    "MonitorResult",
    "ScoreCalibrator",
    "estimate_performance",
    "held_out_scores",
    "monitor",
    "performance_test",
    "plot_monitoring",
    "realised_performance",
    "score_alerts",
]

#: Columns of plain batches that are not model inputs either (besides the log's).
_NOT_INPUTS = (*LOG_COLUMNS, "batch")


# --- the monitor ---------------------------------------------------------------------------------
@dataclass
class MonitorResult:
    """What :func:`monitor` returns.

    Attributes
    ----------
    months : pandas.DataFrame
        One row per month (see :func:`monitor`).
    alerts : pandas.DataFrame
        One row per alert: ``month`` (the batch it is about), ``raised_in`` (the first month it
        could be raised: later for performance, which waits for labels), ``signal`` (schema,
        drift, output or performance), ``column`` and ``reason``.
    reports : dict
        The drift report of each month, by month, to look closer (KS p-values only where a
        rule decides by them).
    thresholds : str
        How the drift thresholds were set, in words.
    as_of : pandas.Timestamp
        The monitoring date: labels available after it were not used.
    performance : str
        How performance was estimated and tested, in words (calibrated or not, the alert rule).
    """

    months: pd.DataFrame
    alerts: pd.DataFrame
    reports: dict
    thresholds: str
    as_of: pd.Timestamp
    performance: str = ""

    def plot(self, events: pd.DataFrame | None = None, *, axes=None):
        """Draw :func:`plot_monitoring`."""
        return plot_monitoring(self, events, axes=axes)


_ALERT_COLUMNS = ["month", "raised_in", "signal", "column", "reason"]


def _scores(model: Any, frame: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    if model is None or not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba (needed to score "
                        f"rows without a 'score' column); got {_short(model)}.")
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ValueError(f"model needs column(s) {missing!r} that the data does not have; fit "
                         "it on the columns the service receives.")
    return np.asarray(model.predict_proba(frame[list(features)])[:, 1], dtype=float)


def _labels_for(batch: pd.DataFrame, labels: pd.DataFrame, id_column: str, target: str,
                as_of: pd.Timestamp) -> tuple[np.ndarray, pd.Timestamp | None, str]:
    """The labels of ``batch``'s rows known by ``as_of`` (NaN for the others)."""
    keyed = labels.assign(month=month_start(labels["month"], "labels['month']").to_numpy())
    merged = batch[[id_column, "month"]].merge(keyed, on=[id_column, "month"], how="left")
    available = merged["label_available_from"] <= as_of
    if merged["label_available_from"].isna().all():
        return np.full(len(batch), np.nan), None, "no labels for these rows"
    y = merged[target].where(available).to_numpy(dtype=float)
    first = merged["label_available_from"].min()
    if not available.any():
        return y, first, f"labels arrive from {first:%Y-%m}"
    return y, merged.loc[available, "label_available_from"].max(), ""


def _served_rows(data: pd.DataFrame, reference: pd.DataFrame, model: Any,
                 columns: Sequence[str] | None, target: str, threshold: float):
    """The rows whose answers were returned, with scores and decisions; the reference to compare."""
    rows = data
    if "returned" in rows.columns:
        rows = rows[rows["returned"].astype(bool)]
    rows = rows.assign(month=month_start(rows["month"], "data['month']").to_numpy())
    if columns is None:
        skip = set(_NOT_INPUTS) | {target}
        columns = [c for c in reference.columns if c in rows.columns and c not in skip]
    columns = check_pair(reference, rows, columns)
    features = list(getattr(model, "feature_names_in_", columns)) if model is not None else columns
    ref_frame = reference[columns].copy()
    if model is not None:
        ref_frame["score"] = _scores(model, reference, features)
    if "score" not in rows.columns:
        rows = rows.assign(score=_scores(model, rows, features))
    check_probabilities(rows["score"], "data['score']")
    if "decision" not in rows.columns:
        rows = rows.assign(decision=(rows["score"] >= threshold).astype(int))
    return rows, columns, features, ref_frame


def _checked_labels(labels: Any, rows: pd.DataFrame, id_column: str, target: str,
                    label_delay: int) -> pd.DataFrame:
    labels = check_dataframe(labels, "labels", allow_empty=True)
    needed = [c for c in (id_column, "month", target) if c not in labels.columns]
    if needed or id_column not in rows.columns:
        raise ValueError(f"labels must have columns {id_column!r}, 'month' and {target!r}, "
                         f"and data the column {id_column!r}; missing {needed!r}.")
    if "label_available_from" not in labels.columns:
        labels = labels.assign(label_available_from=month_start(labels["month"], "labels['month']")
                               + pd.DateOffset(months=label_delay))
    return labels.assign(label_available_from=month_start(labels["label_available_from"],
                                                             "labels['label_available_from']")
                         .to_numpy())


def _bands(calibration: Any, ref_frame: pd.DataFrame,
           sizes: pd.Series) -> tuple[Calibration | None, str]:
    """The drift bands monitor uses, and how they were set in words."""
    if isinstance(calibration, str):
        if calibration != "auto":
            raise ValueError(f"calibration must be a Calibration, 'auto' or None; got {calibration!r}.")
        try:
            calibration = calibrate(ref_frame, int(sizes.median()))
        except ValueError:
            return None, "fixed thresholds (see drift.DRIFT_RULES)"
        return calibration, _in_words(calibration, "random reference chunks of "
                                      f"{calibration.chunk_rows} rows")
    if calibration is not None and not isinstance(calibration, Calibration):
        raise TypeError(f"calibration must be a Calibration (from drift.calibrate), 'auto' or None; "
                        f"got {_short(calibration)}.")
    if calibration is not None:
        return calibration, _in_words(calibration, "reference chunks")
    return None, "fixed thresholds (see drift.DRIFT_RULES)"


def _in_words(calibration: Calibration, chunks: str) -> str:
    return (f"bands calibrated on {calibration.n_chunks} {chunks} (alpha={calibration.alpha:g} "
            f"per check, {calibration.n_checks} checks: {calibration.family_wise:.0%} of the "
            "healthy chunks raise some alarm)")


@dataclass
class _Watch:
    """Everything monitor needs to judge one month."""

    prepared: PreparedReference
    calibration: Calibration | None
    columns: list
    features: list
    schema: Any
    labels: pd.DataFrame | None
    threshold: float
    value: dict | None
    confidence: float
    calibrator: ScoreCalibrator | None
    alpha: float
    id_column: str
    target: str
    as_of: pd.Timestamp

    def month(self, batch: pd.DataFrame, month: pd.Timestamp) -> tuple[dict, list, Any]:
        current = batch[self.columns].copy()
        if "score" in self.prepared.columns:
            current["score"] = batch["score"].to_numpy()
        # KS p-values only where a rule decides by them: elsewhere they cost time, unused
        report = compare_prepared(self.prepared, current, self.calibration, p_values=False)
        row_alerts = []
        # The model may take columns the service never receives (dropped inside its pipeline);
        # the schema judges what arrived, and itself reports the columns it misses.
        sent = [c for c in self.features if c in batch.columns]
        problems = (self.schema.validate(batch[sent]) if self.schema is not None
                    else pd.DataFrame())
        for _, problem in problems.iterrows():
            row_alerts.append((month, "schema", problem["column"],
                               f"{problem['problem']} ({problem['rows']} rows, "
                               f"{problem['action']}): {problem['detail']}"))
        drifted = report.table[report.table["drifted"].fillna(False).astype(bool)]
        for _, col in drifted.iterrows():
            signal = "output" if col["column"] == "score" else "drift"
            row_alerts.append((month, signal, col["column"], col["reason"]))
        inputs = report.table[report.table["column"] != "score"]
        flags = inputs["drifted"].fillna(False).astype(bool)
        worst = inputs[flags].sort_values("psi", ascending=False)["column"].head(3)
        est = estimate_performance(batch["score"], self.threshold, self.value,
                                   calibrator=self.calibrator, confidence=self.confidence)
        entry = {"month": month, "rows": len(batch),
                 "missing_share": float(batch[self.columns].isna().to_numpy().mean()),
                 "schema_problems": len(problems),
                 "drifted_share": float(flags.sum() / max(inputs["drifted"].notna().sum(), 1)),
                 "worst_columns": ", ".join(worst),
                 "prediction_rate": float(batch["decision"].mean())}
        for name in METRICS:
            entry[f"est_{name}"] = est[name]
            entry[f"est_{name}_low"], entry[f"est_{name}_high"] = est[f"{name}_low"], est[f"{name}_high"]
            entry[f"real_{name}"] = np.nan
        entry["labels_known_in"], entry["labels_note"] = pd.NaT, "no labels given"
        entry["perf_p_value"] = np.nan
        if self.labels is not None:
            row_alerts += self._realised(batch, entry)
        entry["n_alerts"] = len(row_alerts)
        entry["alerts"] = "; ".join(f"{s} {c}" for _, s, c, _ in row_alerts)
        return entry, row_alerts, report

    def _realised(self, batch: pd.DataFrame, entry: dict) -> list:
        y, known, note = _labels_for(batch, self.labels, self.id_column, self.target, self.as_of)
        entry["labels_known_in"], entry["labels_note"] = known, note
        seen = ~np.isnan(y)
        if not seen.any():
            return []
        y, scores = y[seen].astype(int), batch["score"].to_numpy()[seen]
        real = realised_performance(y, scores, self.threshold, self.value)
        for name in METRICS:
            entry[f"real_{name}"] = real[name]
        # One test of the realised counts against the calibrated scores of the same rows, not one
        # interval per metric: its false-alarm rate on a healthy month is at most alpha.
        test = performance_test(y, scores, self.threshold, calibrator=self.calibrator,
                                alpha=self.alpha)
        entry["perf_p_value"] = test["p_value"]
        if not test["alert"]:
            return []
        est = estimate_performance(scores, self.threshold, calibrator=self.calibrator)
        return [(known, "performance", "outcomes",
                 f"realised churners {test['tp']:.0f} decided positive and {test['fn']:.0f} "
                 f"negative, expected {test['expected_tp']:.1f} and {test['expected_fn']:.1f} "
                 f"(p={test['p_value']:.2g} < alpha={self.alpha:g}): churn rate "
                 f"{real['positive_rate']:.3f} vs {est['positive_rate']:.3f} expected, "
                 f"F1 {real['f1']:.3f} vs {est['f1']:.3f}")]


def monitor(data: pd.DataFrame, reference: pd.DataFrame, *, model: Any = None,
            threshold: float = 0.5, labels: pd.DataFrame | None = None, schema: Any = None,
            columns: Sequence[str] | None = None, calibration: Calibration | str | None = "auto",
            label_delay: int = 1, value: Mapping | None = None, as_of: Any = None,
            id_column: str = "customer_id", target: str = "churned",
            confidence: float = 0.95, calibrator: ScoreCalibrator | None = None,
            performance_alpha: float = PERFORMANCE_ALPHA) -> MonitorResult:
    """Watch a deployed model month by month: inputs, outputs, estimated and realised performance.

    For every month of ``data`` it checks the batch against the schema, tests each input column
    for drift against the ``reference`` (:func:`toolkit.drift.drift_report`, with bands
    calibrated on the reference by default), compares the model's scores with its scores on the
    reference (output drift), estimates performance from the scores
    (:func:`estimate_performance`, on the ``calibrator``'s probabilities) and, for the rows
    whose labels are known by ``as_of``, measures the realised performance. One test per month
    (:func:`performance_test`) compares the realised churners among the customers decided
    positive and negative with what the calibrated scores expected; a p-value below
    ``performance_alpha`` raises one performance alert, dated when the labels arrived. On
    healthy months that happens with probability at most ``performance_alpha`` (1 % a month by
    default: about one false performance alert in eight years, against about one a year for
    two separate 95 % intervals on churn rate and F1).

    Parameters
    ----------
    data : pandas.DataFrame
        The prediction log of ``toolkit.deploy.Service`` (only the rows whose answer was
        returned are used), or plain batches: a ``month`` column and the feature columns,
        optionally ``score`` and ``decision``.
    reference : pandas.DataFrame
        The training data (or a healthy period): what the drift tests and the output drift
        compare with. The performance estimate's reference is the ``calibrator``'s instead.
    model : fitted classifier, optional
        Scores the reference (for output drift) and rows without a ``score``.
    threshold : float, default=0.5
        Decision threshold when ``data`` has no ``decision`` column.
    labels : pandas.DataFrame, optional
        ``id_column``, ``month``, ``target`` and ``label_available_from`` (if absent: month +
        ``label_delay``), like ``datasets.load("production_labels")``.
    schema : object with ``validate(df)``, optional
        Returns one row per problem with ``column``, ``problem``, ``action``, ``rows`` and
        ``detail`` (the input schema of the deployment module).
    columns : list of str, optional
        Input columns to test for drift (default: those shared with the reference, except log
        columns, ``month`` and ``target``).
    calibration : Calibration, "auto" or None, default="auto"
        Drift bands: "auto" calibrates on random reference chunks the size of a batch
        (:func:`toolkit.drift.calibrate`; fixed thresholds if the reference is too small);
        None uses the fixed thresholds.
    label_delay : int, default=1
        Months until a label arrives, when ``labels`` has no ``label_available_from``.
    value : dict, optional
        Euros per outcome (``tp``, ``fp``, ``fn``, ``tn``) for the business value.
    as_of : date-like, optional
        The monitoring date, read as its month (default: the last month of ``data``); later
        months and labels that arrive later are not used.
    id_column, target : str
        How labels join the rows, and the label column.
    confidence : float, default=0.95
        Of the performance estimate's interval.
    calibrator : ScoreCalibrator, optional
        Maps the model's scores to probabilities. Fit it on scores of rows the model was not
        trained on, with their labels: a held-out part of the reference, or
        ``held_out_scores(model, X, y)`` (out-of-fold) when the model was fitted on all of it.
        None takes the scores as probabilities, which is wrong for most models.
    performance_alpha : float, default=PERFORMANCE_ALPHA
        False-alarm rate of the monthly performance test on a healthy month.

    Returns
    -------
    MonitorResult
        ``months`` has one row per month: ``month``, ``rows``, ``missing_share``,
        ``schema_problems``, ``drifted_share``, ``worst_columns``, ``prediction_rate``, the
        estimated ``est_<metric>`` with ``_low``/``_high`` and the realised ``real_<metric>``
        (metrics: positive_rate, precision, recall, f1, value; NaN until the labels arrive,
        ``labels_note`` says why), ``labels_known_in``, ``perf_p_value`` (the monthly
        performance test's p-value), ``n_alerts`` and ``alerts`` (reasons).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=3000)})
    >>> batches = pd.DataFrame({"month": np.repeat(pd.date_range("2025-01-01", periods=3,
    ...                                                          freq="MS"), 500),
    ...                         "x": rng.normal(size=1500), "score": rng.uniform(size=1500)})
    >>> batches.loc[1000:, "x"] *= 100
    >>> result = monitor(batches, ref)
    >>> result.months[["month", "rows", "drifted_share", "n_alerts"]]
           month  rows  drifted_share  n_alerts
    0 2025-01-01   500            0.0         0
    1 2025-02-01   500            0.0         0
    2 2025-03-01   500            1.0         1
    """
    check_dataframe(data, "data")
    check_dataframe(reference, "reference")
    if "month" not in data.columns:
        raise ValueError(f"data must have a 'month' column (the batch each row belongs to); "
                         f"its columns are {list(data.columns)[:12]!r}.")
    threshold = check_probability(threshold, "threshold")
    label_delay = check_positive_int(label_delay, "label_delay", minimum=0)
    value = check_outcome_values(value)
    performance_alpha = check_probability(performance_alpha, "performance_alpha")
    if calibrator is not None and not isinstance(calibrator, ScoreCalibrator):
        raise TypeError(f"calibrator must be a fitted ScoreCalibrator or None; got {_short(calibrator)}.")
    if schema is not None and not callable(getattr(schema, "validate", None)):
        raise TypeError(f"schema must have a validate(df) method; got {type(schema).__name__}.")
    rows, columns, features, ref_frame = _served_rows(data, reference, model, columns, target,
                                                      threshold)
    months = sorted(rows["month"].unique())
    as_of = pd.Timestamp(months[-1]) if as_of is None else month_start([as_of]).iloc[0]
    months = [m for m in months if m <= as_of]  # what happens after "now" is not known yet
    if not months:
        raise ValueError(f"as_of={as_of:%Y-%m} is before the first month of data "
                         f"({rows['month'].min():%Y-%m}); there is nothing to monitor yet.")
    if labels is not None:
        labels = _checked_labels(labels, rows, id_column, target, label_delay)
    calibration, thresholds = _bands(calibration, ref_frame, rows.groupby("month").size())
    watch = _Watch(PreparedReference(ref_frame, list(ref_frame.columns)), calibration, columns,
                   features, schema, labels, threshold, value, confidence, calibrator,
                   performance_alpha, id_column, target, as_of)
    table, alerts, reports = [], [], {}
    for month in months:
        entry, row_alerts, reports[pd.Timestamp(month)] = watch.month(rows[rows["month"] == month],
                                                                      pd.Timestamp(month))
        table.append(entry)
        alerts.extend({"month": pd.Timestamp(month), "raised_in": raised, "signal": s, "column": c,
                       "reason": r} for raised, s, c, r in row_alerts)
    alerts_frame = pd.DataFrame(alerts, columns=_ALERT_COLUMNS)
    performance = (f"scores calibrated on {calibrator.n_rows_} held-out reference rows (isotonic)"
                   if calibrator is not None else "scores taken as probabilities (no calibrator)")
    performance += f"; one performance test a month at alpha={performance_alpha:g}"
    return MonitorResult(pd.DataFrame(table), alerts_frame, reports, thresholds, as_of, performance)


# --- the dashboard ---------------------------------------------------------------------------------
def plot_monitoring(result: MonitorResult, events: pd.DataFrame | None = None, *, axes=None):
    """The monitoring dashboard: inputs, outputs and performance over the months.

    Top: share of drifted input columns (blue). Middle: share of customers decided positive
    (blue), churn rate expected from the scores (green squares) and realised once labels
    arrive (vermillion dots). Bottom: F1 estimated from the scores (blue line, light blue
    interval) and realised (vermillion dots); months whose labels are not known yet are shaded
    grey. Black triangles mark the months alerts were raised, on the panel of their signal
    (schema and drift on top, output in the middle, performance at the bottom). Known
    ``events`` are orange bars with their names on the top panel, and dotted orange lines at
    their start on every panel.

    Returns
    -------
    numpy.ndarray of Axes
        The three panels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> batches = pd.DataFrame({"month": np.repeat(pd.date_range("2025-01-01", periods=3,
    ...                                                          freq="MS"), 300),
    ...                         "x": rng.normal(size=900), "score": rng.uniform(size=900)})
    >>> axes = plot_monitoring(monitor(batches, batches[["x"]].iloc[:600]))
    >>> [ax.get_ylabel() for ax in axes]
    ['drifted columns', 'share of customers', 'F1']
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, MonitorResult):
        raise TypeError(f"result must be a MonitorResult from monitor(); got {type(result).__name__}.")
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(9, 7.5), sharex=True)
    months = result.months
    x = months["month"]
    top, middle, bottom = axes
    top.plot(x, months["drifted_share"], marker="o", color=COLORS["primary"])
    middle.plot(x, months["prediction_rate"], marker="o", color=COLORS["primary"],
                label="decided positive")
    middle.plot(x, months["est_positive_rate"], marker="s", color=COLORS["good"],
                label="churn expected from the scores")
    middle.plot(x, months["real_positive_rate"], "o", color=COLORS["bad"],
                label="churn realised")
    bottom.plot(x, months["est_f1"], marker="o", color=COLORS["primary"], label="estimated F1")
    bottom.fill_between(x, months["est_f1_low"], months["est_f1_high"], color=PALETTE[4],
                        alpha=0.3, label="estimate's interval")
    bottom.plot(x, months["real_f1"], "o", color=COLORS["bad"], label="realised F1")
    unknown = months.loc[months["real_f1"].isna(), "month"]
    half = pd.Timedelta(days=15)
    if len(unknown):
        bottom.axvspan(unknown.min() - half, unknown.max() + half, color=COLORS["muted"],
                       alpha=0.2, label="labels not known yet")
    for ax, signals in ((top, ("drift", "schema")), (middle, ("output",)),
                        (bottom, ("performance",))):
        raised = result.alerts.loc[result.alerts["signal"].isin(signals), "raised_in"].unique()
        if len(raised):
            ax.plot(raised, np.full(len(raised), 1.04), "v", color="black", clip_on=False,
                    transform=ax.get_xaxis_transform(), label="alert raised")
    if events is not None:
        for i, (_, event) in enumerate(events.iterrows()):
            start = pd.Period(str(event["start_month"]), "M").to_timestamp() - half
            end = pd.Period(str(event["end_month"]), "M").to_timestamp() + half
            for ax in axes:
                ax.axvline(start, color=COLORS["highlight"], linestyle=":", linewidth=1.5)
            level = 0.93 - 0.11 * (i % 5)
            top.plot([start, end], [level, level], color=COLORS["highlight"], linewidth=4,
                     solid_capstyle="butt", transform=top.get_xaxis_transform())
            top.text(start, level + 0.015, f" {event['event']}", fontsize=8, va="bottom",
                     transform=top.get_xaxis_transform(), color="black")
    top.set_ylabel("drifted columns")
    top.set_ylim(0, 1.0)
    middle.set_ylabel("share of customers")
    middle.set_ylim(0, 1.0)
    middle.legend(loc="upper left", fontsize=8)
    bottom.set_ylabel("F1")
    bottom.set_ylim(0, 1.0)
    bottom.set_xlabel("month")
    bottom.legend(loc="lower left", fontsize=8, ncols=2)
    top.set_title("Inputs, outputs and performance, month by month", pad=16)
    return axes
