"""Scoring monitoring alerts against a log of known events: caught, late, or false alarms.

:func:`toolkit.monitoring.monitor` raises the alerts; when the events are known (a scripted
production year, a simulated stream, a post-mortem), :func:`score_alerts` says which alerts
were real, which events were missed, and how late the others were caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._columns import month_start
from toolkit._validation import check_dataframe

__all__ = ["AlertScore", "score_alerts"]


@dataclass
class AlertScore:
    """What :func:`score_alerts` returns.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event: ``event``, ``kind``, ``column``, ``start_month``, ``detectable_in``,
        ``caught``, ``first_alert`` (month it was first raised), ``delay_months`` (from the
        start of the event) and ``on_time`` (first alert no later than ``detectable_in``).
    alerts : pandas.DataFrame
        The alerts with an ``event`` column: the event(s) each matches, "" for a false alarm.
    precision : float
        Share of alerts that match an event.
    recall : float
        Share of events caught.
    false_alarms : int
        Alerts that match no event.
    """

    events: pd.DataFrame
    alerts: pd.DataFrame
    precision: float
    recall: float
    false_alarms: int


def _period(values: Any, name: str) -> pd.Series:
    # the course's one month helper; text first, so "2025-03", dates and periods all read alike
    values = pd.Series(values)
    return month_start(values.astype(str).where(values.notna(), None), name).dt.to_period("M")


def score_alerts(alerts: Any, event_log: pd.DataFrame) -> AlertScore:
    """Which alerts were real, which were noise, which events were missed, and how late.

    An alert matches an event when the month it is about lies in the event's months and it
    names the event's column; a performance alert also matches a concept change or a prior
    shift (the label itself changed). An event is caught by its earliest matching alert; the
    delay counts months from the event's start to the month that alert was raised.

    Parameters
    ----------
    alerts : pandas.DataFrame or toolkit.monitoring.MonitorResult
        ``month``, ``raised_in``, ``signal`` and ``column``, as in ``monitor(...).alerts``.
    event_log : pandas.DataFrame
        ``event``, ``kind``, ``column``, ``start_month``, ``end_month`` and ``detectable_in``,
        as in ``datasets.load("events")`` or :func:`toolkit.drift.simulate_stream`.

    Returns
    -------
    AlertScore

    Examples
    --------
    >>> import pandas as pd
    >>> alerts = pd.DataFrame({"month": pd.to_datetime(["2025-03-01", "2025-04-01"]),
    ...                        "raised_in": pd.to_datetime(["2025-03-01", "2025-04-01"]),
    ...                        "signal": ["drift", "drift"], "column": ["x", "y"]})
    >>> events = pd.DataFrame({"event": ["e"], "kind": ["covariate_shift"], "column": ["x"],
    ...                        "start_month": ["2025-03"], "end_month": ["2025-05"],
    ...                        "detectable_in": ["2025-03"]})
    >>> score = score_alerts(alerts, events)
    >>> score.precision, score.recall, score.false_alarms
    (0.5, 1.0, 1)
    """
    if not isinstance(alerts, pd.DataFrame) and isinstance(getattr(alerts, "alerts", None),
                                                           pd.DataFrame):
        alerts = alerts.alerts  # a MonitorResult
    check_dataframe(alerts, "alerts", allow_empty=True)
    check_dataframe(event_log, "event_log")
    for name, frame, needed in (("alerts", alerts, ["month", "raised_in", "signal", "column"]),
                                ("event_log", event_log, ["event", "kind", "column", "start_month",
                                                          "end_month", "detectable_in"])):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing!r}; it has {list(frame.columns)!r}.")
    for column in ("event", "kind", "column"):
        if event_log[column].isna().any():
            raise ValueError(f"event_log['{column}'] has missing values; every event needs its "
                             f"{column} (see simulators.simulate_stream's log).")
    month = _period(alerts["month"], "alerts['month']")
    raised = _period(alerts["raised_in"], "alerts['raised_in']")
    matched = [[] for _ in range(len(alerts))]
    rows = []
    for _, event in event_log.iterrows():
        start = _period([event["start_month"]], "event_log['start_month']")[0]
        end = _period([event["end_month"]], "event_log['end_month']")[0]
        label_change = event["kind"] in ("concept_change", "prior_shift")
        hit = ((month >= start) & (month <= end)
               & ((alerts["column"] == event["column"]).to_numpy()
                  | (label_change & (alerts["signal"] == "performance")).to_numpy()))
        for i in np.flatnonzero(hit.to_numpy()):
            matched[i].append(str(event["event"]))
        first = raised[hit.to_numpy()].min() if hit.any() else None
        expected = _period([event["detectable_in"]], "event_log['detectable_in']")[0]
        rows.append({"event": event["event"], "kind": event["kind"], "column": event["column"],
                     "start_month": str(start), "detectable_in": str(expected),
                     "caught": first is not None,
                     "first_alert": str(first) if first is not None else "",
                     "delay_months": (first - start).n if first is not None else np.nan,
                     "on_time": bool(first is not None and first <= expected)})
    out = alerts.assign(event=[", ".join(m) for m in matched])
    n_true = sum(bool(m) for m in matched)
    table = pd.DataFrame(rows)
    return AlertScore(table, out, n_true / len(out) if len(out) else float("nan"),
                      float(table["caught"].mean()), len(out) - n_true)
