"""Retraining policies, replayed month by month over production with labels that arrive late.

A *policy* says when to retrain (its trigger), on what (its training window) and what a new
model must pass before it ships (its gates). :func:`backtest` replays the production months in
order: at the start of each month the month's inputs arrive, the trigger looks at what is known
(the inputs so far, the labels whose ``label_available_from`` has come), a challenger may be
trained and gated, and the model in service scores the month. When that month's labels arrive,
its realised precision, recall and business value are filled in. No step ever uses a label
before its ``label_available_from``: the backtest checks it for every model it trains.

The model is notebook 05's (:func:`toolkit.modeling.case_study_model`'s pipeline, ``C`` and
threshold), refitted on each window.

>>> Policy("static").describe()
'static: never retrain; the first model stays in service'
>>> Policy("fresh", trigger="schedule", every=3, window="sliding").describe()
'fresh: retrain on a schedule (every 3 months); train on the last 6 labelled months; data gate on, \
champion/challenger gate on'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    _short,
    check_dataframe,
    check_one_of,
    check_outcome_values,
    check_positive_int,
)
from toolkit.plotting import COLORS, PALETTE, new_axes

__all__ = ["CASE_STUDY_RETRAIN_COST", "HISTORY_LABELS_FROM", "TRIGGERS", "WINDOWS",
           "BacktestResult", "Policy", "backtest", "case_study_backtest", "case_study_policies",
           "plot_backtest", "training_window"]

TRIGGERS = ("never", "schedule", "drift", "realised_drop", "estimated_drop")
WINDOWS = ("all", "sliding", "weighted")
#: History's labels (2024) are all known when production starts.
HISTORY_LABELS_FROM = "2025-01-01"
_TRIGGER_WORDS = {"never": "never retrain", "schedule": "retrain on a schedule",
                  "drift": "retrain when the inputs drift", "realised_drop":
                  "retrain when the realised performance drops", "estimated_drop":
                  "retrain when the estimated (CBPE) performance drops"}
_COLUMNS = ["policy", "month", "version", "retrained", "reason", "trained_on_rows",
            "excluded_months", "labels_until", "rows", "labelled_rows", "precision", "recall",
            "value", "retrains", "cost", "net_value"]


@dataclass(frozen=True)
class Policy:
    """When to retrain, on what, and what a new model must pass before it ships.

    Parameters
    ----------
    name : str
        Shown in tables and figures.
    trigger : {"never", "schedule", "drift", "realised_drop", "estimated_drop"}, default="never"
        - ``"never"``: the static model;
        - ``"schedule"``: every ``every`` months;
        - ``"drift"``: when the month's inputs drift (at least ``drift_share`` of the columns,
          :func:`toolkit.drift.drift_report` against the model's training window);
        - ``"realised_drop"``: when the latest labelled month's realised ``metric`` falls below
          the lower end of its CBPE interval (:func:`toolkit.monitoring.estimate_performance`);
          it fires one month late, when the labels arrive;
        - ``"estimated_drop"``: when the month's CBPE estimate of ``metric`` falls more than
          ``drop`` below the estimate on the model's training window (no label needed).
    window : {"all", "sliding", "weighted"}, default="all"
        All labelled data so far, the last ``months`` labelled months, or all of it with
        weights halving every ``months`` months back.
    months : int, default=6
        Length of the sliding window, or the half-life of the weights.
    every : int, default=3
        Months between scheduled retrains.
    validate_data : bool, default=True
        Data gate: check each month of the window against the input schema of the first
        training data (:class:`toolkit.deploy.InputSchema`) and leave out a month with a
        refused problem or a problem affecting more than ``max_problem_share`` of its rows.
    challenge : bool, default=True
        Champion/challenger gate: the challenger is trained without the latest labelled month,
        both models decide on that month, and the challenger ships only if it is significantly
        better (:func:`toolkit.baselines.compare_to_baseline` on ``gate_metric``). Without the
        gate every new model ships, trained on everything labelled.
    metric : {"f1", "recall", "precision", "positive_rate"}, default="recall"
        What the drop triggers look at. ``"positive_rate"`` (the churn rate) fires either way:
        a realised rate outside the estimate's interval means the model's probabilities no
        longer match what happens.
    gate_metric : {"f1", "recall", "precision", "accuracy"}, default="f1"
        What the champion/challenger gate compares.
    drop : float, default=0.05
        For ``"estimated_drop"``.
    drift_share : float, default=0.2
        For ``"drift"``.
    max_problem_share : float, default=0.5
        For the data gate.
    label_lag : int, default=1
        The latest labelled month used is ``label_lag`` months before the decision month.
        0 asks for labels that have not arrived: :func:`backtest` raises or clips it.
    """

    name: str
    trigger: str = "never"
    window: str = "all"
    months: int = 6
    every: int = 3
    validate_data: bool = True
    challenge: bool = True
    metric: str = "recall"
    gate_metric: str = "f1"
    drop: float = 0.05
    drift_share: float = 0.2
    max_problem_share: float = 0.5
    label_lag: int = 1

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string; got {self.name!r}.")
        check_one_of(self.trigger, "trigger", TRIGGERS)
        check_one_of(self.window, "window", WINDOWS)
        check_one_of(self.metric, "metric", ("f1", "recall", "precision", "positive_rate"))
        check_one_of(self.gate_metric, "gate_metric", ("f1", "recall", "precision", "accuracy"))
        check_positive_int(self.months, "months")
        check_positive_int(self.every, "every")
        check_positive_int(self.label_lag, "label_lag", minimum=0)
        for name in ("drop", "drift_share", "max_problem_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a number in (0, 1]; got {value!r}.")
        for name in ("validate_data", "challenge"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False; got {getattr(self, name)!r}.")

    def describe(self) -> str:
        """One line: the trigger, the window and the gates."""
        how = _TRIGGER_WORDS[self.trigger]
        if self.trigger == "schedule":
            how += f" (every {self.every} months)"
        elif self.trigger == "drift":
            how += f" (at least {self.drift_share:.0%} of the inputs)"
        elif self.trigger.endswith("drop"):
            how = how.replace("performance", self.metric.replace("positive_rate", "churn rate"))
            if self.metric == "positive_rate" and self.trigger == "realised_drop":
                how = "retrain when the realised churn rate leaves the model's estimate"
        window = {"all": "all labelled data",
                  "sliding": f"the last {self.months} labelled months",
                  "weighted": f"all labelled data, weights halving every {self.months} months"}
        if self.trigger == "never":
            return f"{self.name}: never retrain; the first model stays in service"
        on = {True: "on", False: "off"}
        return (f"{self.name}: {how}; train on {window[self.window]}; data gate "
                f"{on[self.validate_data]}, champion/challenger gate {on[self.challenge]}")


# --- the labelled pool and the training window ---------------------------------------------------
def _labelled_pool(history: pd.DataFrame, production: pd.DataFrame, labels: pd.DataFrame,
                   target: str, id_column: str, history_labels_from: Any) -> pd.DataFrame:
    """History and production rows with their label and the month it becomes usable."""
    needed = [c for c in (id_column, "month", target, "label_available_from")
              if c not in labels.columns]
    if needed:
        raise ValueError(f"labels must have the columns {id_column!r}, 'month', {target!r} and "
                         f"'label_available_from'; missing {needed!r}.")
    if target not in history.columns:
        raise ValueError(f"history must hold the label column {target!r}; its columns are "
                         f"{list(history.columns)[:12]!r}.")
    prod = production.merge(labels[[id_column, "month", target, "label_available_from"]],
                            on=[id_column, "month"], how="inner", validate="one_to_one")
    hist = history.assign(label_available_from=pd.Timestamp(history_labels_from))
    pool = pd.concat([hist, prod], ignore_index=True)
    pool["month"] = pool["month"].dt.to_period("M").dt.to_timestamp()
    pool["label_available_from"] = pd.to_datetime(pool["label_available_from"]).dt.to_period(
        "M").dt.to_timestamp()
    return pool


def training_window(pool: pd.DataFrame, month: Any, *, window: str = "all", months: int = 6,
                    label_lag: int = 1, on_future: str = "raise") -> tuple[pd.DataFrame, str]:
    """The labelled rows a model trained at the start of ``month`` may learn from.

    Only rows whose ``label_available_from`` is on or before ``month`` are kept, and only up to
    the snapshot month ``month - label_lag``.

    Parameters
    ----------
    pool : pandas.DataFrame
        Labelled rows with ``month`` and ``label_available_from`` (first day of a month).
    month : date-like
        The month of the decision.
    window : {"all", "sliding", "weighted"}, default="all"
        See :class:`Policy`; "weighted" adds a ``weight`` column.
    months : int, default=6
        Sliding-window length, or the half-life of the weights (the newest labelled month
        weighs 1, the one ``months`` before it 0.5).
    label_lag : int, default=1
        Months between ``month`` and the last labelled snapshot month wanted.
    on_future : {"raise", "clip"}, default="raise"
        What to do when the window asks for labels not yet available.

    Returns
    -------
    (pandas.DataFrame, str)
        The rows, and a note ("" or why the window was clipped).

    Examples
    --------
    >>> pool = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...                      "label_available_from": pd.to_datetime(["2025-02-01", "2025-03-01"])})
    >>> rows, note = training_window(pool, "2025-02-01")
    >>> len(rows), note
    (1, '')
    >>> training_window(pool, "2025-02-01", label_lag=0, on_future="clip")[1]
    'clipped: labels of 2025-02 arrive only in 2025-03'
    """
    check_dataframe(pool, "pool", allow_empty=True)
    check_one_of(window, "window", WINDOWS)
    check_one_of(on_future, "on_future", ("raise", "clip"))
    months = check_positive_int(months, "months")
    label_lag = check_positive_int(label_lag, "label_lag", minimum=0)
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    until = month - pd.DateOffset(months=label_lag)
    asked = pool[pool["month"] <= until]
    early = asked["label_available_from"] > month
    note = ""
    if early.any():
        first = asked.loc[early, "month"].min()
        arrive = asked.loc[early, "label_available_from"].min()
        message = f"labels of {first:%Y-%m} arrive only in {arrive:%Y-%m}"
        if on_future == "raise":
            raise ValueError(f"label_lag={label_lag} asks at {month:%Y-%m} for {message}; a "
                             f"model cannot learn from the future. Use label_lag >= 1 or "
                             f"on_future='clip'.")
        note = f"clipped: {message}"
    rows = asked[~early]
    if window == "sliding" and len(rows):
        last = rows["month"].max()
        rows = rows[rows["month"] > last - pd.DateOffset(months=months)]
    rows = rows.copy()
    if window == "weighted" and len(rows):
        last = rows["month"].max()  # the newest labelled month weighs 1
        age = (last.year - rows["month"].dt.year) * 12 + last.month - rows["month"].dt.month
        rows["weight"] = 0.5 ** (age.to_numpy(dtype=float) / months)
    return rows, note


def _gate_data(rows: pd.DataFrame, schema: Any, features: list[str],
               max_share: float, checked: dict | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Leave out the months of ``rows`` whose inputs the schema finds broken.

    ``checked`` caches each month's problems (same schema, same rows) across retrains.
    """
    checked = {} if checked is None else checked
    excluded = []
    keep = np.ones(len(rows), dtype=bool)
    for month, batch in rows.groupby("month"):
        key = (month, len(batch))
        if key not in checked:
            checked[key] = schema.validate(batch[features])
        problems = checked[key]
        bad = problems[(problems["action"] == "refuse")
                       | (problems["rows"] > max_share * len(batch))]
        if len(bad):
            worst = bad.iloc[0]
            excluded.append(f"{month:%Y-%m} ({worst['column']}: {worst['problem']}, "
                            f"{worst['rows']} rows)")
            keep &= (rows["month"] != month).to_numpy()
    return rows[keep], excluded


# --- the backtest --------------------------------------------------------------------------------
@dataclass
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per policy and month: ``version`` in service, ``retrained`` and ``reason``,
        ``trained_on_rows``, ``excluded_months``, ``labels_until`` (last labelled month the
        version learned from), ``rows``, ``labelled_rows``, realised ``precision``, ``recall``
        and ``value`` (euros), cumulative ``retrains`` and ``cost``, and ``net_value`` (value
        minus that month's retraining cost).
    models : dict
        ``(policy name, version)`` -> fitted pipeline.
    windows : dict
        ``(policy name, version)`` -> the training rows of that version.
    label_audit : pandas.DataFrame
        One row per trained model: ``policy``, ``version``, ``trained_in`` and the latest
        ``label_available_from`` among its rows (never after ``trained_in``).
    """

    table: pd.DataFrame
    models: dict = field(repr=False)
    windows: dict = field(repr=False)
    label_audit: pd.DataFrame = field(repr=False)
    threshold: float = 0.3

    def summary(self) -> pd.DataFrame:
        """One row per policy: total value, retrains, cost and net value over the months."""
        grouped = self.table.groupby("policy", sort=False)
        out = pd.DataFrame({"value": grouped["value"].sum(), "retrains": grouped["retrains"].max(),
                            "cost": grouped["cost"].max()})
        out["net_value"] = out["value"] - out["cost"]
        return out.reset_index()

    def plot(self, metric: str = "value", events: pd.DataFrame | None = None, *, ax=None):
        """Same as :func:`plot_backtest`."""
        return plot_backtest(self, metric, events, ax=ax)


@dataclass
class _Run:
    """What every policy of one backtest shares."""

    pool: pd.DataFrame
    prod: pd.DataFrame
    features: list[str]
    drift_columns: list[str]
    schema: Any
    first_rows: pd.DataFrame
    champion: Any
    start: pd.Timestamp
    C: float
    threshold: float
    value: dict
    retrain_cost: float
    on_future: str
    target: str
    seed: int
    cache: dict = field(default_factory=dict)
    checked: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)


def _inputs(rows: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The model's input frame: the features plus the columns 05's pipeline drops itself."""
    from toolkit.modeling import CASE_STUDY_DROP

    return rows.reindex(columns=[*features, *CASE_STUDY_DROP])


def _fit(run: _Run, rows: pd.DataFrame):
    """05's pipeline fitted on ``rows`` (shared between policies with the same window)."""
    from toolkit.modeling import case_study_pipeline

    weights = rows["weight"].to_numpy() if "weight" in rows.columns else None
    key = (tuple(rows.index), None if weights is None else tuple(np.round(weights, 6)))
    if key not in run.cache:
        X = _inputs(rows, run.features)
        model = case_study_pipeline(X, run.C)
        extra = {} if weights is None else {"logisticregression__sample_weight": weights}
        run.cache[key] = model.fit(X, rows[run.target], **extra)
    return run.cache[key]


def _score(model, rows: pd.DataFrame, features: list[str]) -> np.ndarray:
    return model.predict_proba(_inputs(rows, features))[:, 1]


def _check_policies(policies: Any) -> None:
    if isinstance(policies, Policy) or not isinstance(policies, Sequence) or not policies:
        raise TypeError(f"policies must be a non-empty list of Policy; got {_short(policies)}.")
    for policy in policies:
        if not isinstance(policy, Policy):
            raise TypeError(f"policies must hold Policy objects; got {type(policy).__name__}.")
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"policies must have distinct names; got {names!r}.")


def backtest(policies: Sequence[Policy], history: pd.DataFrame, production: pd.DataFrame,
             labels: pd.DataFrame, *, value: Mapping[str, float], retrain_cost: float = 0.0,
             on_future: str = "raise", history_labels_from: Any = HISTORY_LABELS_FROM,
             target: str = "churned", id_column: str = "customer_id", seed: int = 0,
             ) -> BacktestResult:
    """Replay the production months under each policy and measure what each would have earned.

    Every policy starts from the same model, notebook 05's pipeline fitted on ``history``
    (version ``v1``). Month by month: the month's inputs arrive; the trigger looks at what is
    known; if it fires, a challenger is trained on the policy's window of labels that have
    arrived, passed through the gates and, if it passes, becomes the next version; then the
    version in service scores the month, and the month is scored against its labels.

    Parameters
    ----------
    policies : sequence of Policy
        With distinct names.
    history : pandas.DataFrame
        Labelled training data (the features and ``target``).
    production : pandas.DataFrame
        The monthly batches: ``month``, ``id_column`` and the features of ``history``.
    labels : pandas.DataFrame
        ``id_column``, ``month``, ``target`` and ``label_available_from``.
    value : dict
        Euros per outcome ``{"tp", "fp", "fn", "tn"}`` (the scope's mapping).
    retrain_cost : float, default=0.0
        Euros each retrain costs (people, compute, review), counted when a challenger is
        trained, shipped or not.
    on_future : {"raise", "clip"}, default="raise"
        A policy whose window asks for labels not yet arrived (``label_lag=0``): raise, or clip
        its window to what has arrived and say so in ``reason``.
    history_labels_from : date-like, default="2025-01-01"
        When ``history``'s labels become usable.
    target : str, default="churned"
        The label column.
    id_column : str, default="customer_id"
        How ``labels`` join ``production``.
    seed : int, default=0
        Seed of the champion/challenger bootstrap.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        Duplicate policy names, production without the model's features, labels without
        ``label_available_from``, a negative ``retrain_cost``, or (``on_future="raise"``) a
        policy asking for the future.

    Examples
    --------
    >>> from toolkit.datasets import load
    >>> history, production = load("history"), load("production")
    >>> labels = load("production_labels")
    >>> spring = production[production["month"] < "2025-04-01"]
    >>> result = backtest([Policy("static")], history, spring, labels,
    ...                   value={"tp": 60, "fp": -30, "fn": 0, "tn": 0})
    >>> result.table[["month", "version", "retrained", "value"]]
           month version  retrained   value
    0 2025-01-01      v1      False  6000.0
    1 2025-02-01      v1      False  5070.0
    2 2025-03-01      v1      False  6480.0
    """
    from toolkit.deploy import InputSchema
    from toolkit.modeling import CASE_STUDY_DECISION, CASE_STUDY_DROP

    _check_policies(policies)
    check_dataframe(history, "history")
    check_dataframe(production, "production")
    check_dataframe(labels, "labels")
    value = check_outcome_values(value)
    if value is None:
        raise ValueError("value must map each of 'tp', 'fp', 'fn', 'tn' to euros; got None.")
    if isinstance(retrain_cost, bool) or not isinstance(retrain_cost, (int, float)) \
            or retrain_cost < 0:
        raise ValueError(f"retrain_cost must be a number of euros >= 0; got {retrain_cost!r}.")
    check_one_of(on_future, "on_future", ("raise", "clip"))
    features = [c for c in history.columns if c not in (target, *CASE_STUDY_DROP)]
    missing = [c for c in features if c not in production.columns]
    if missing:
        raise ValueError(f"production must have the model's features; missing {missing!r} "
                         f"(a challenger on a different feature set cannot replace the champion).")
    pool = _labelled_pool(history, production, labels, target, id_column, history_labels_from)
    prod = production.assign(month=production["month"].dt.to_period("M").dt.to_timestamp())
    prod = prod.merge(labels[[id_column, "month", target, "label_available_from"]],
                      on=[id_column, "month"], how="left")
    start = pd.Timestamp(history_labels_from)
    first_rows = pool[pool["label_available_from"] <= start]
    if first_rows[target].nunique() < 2:
        raise ValueError(f"history must hold both classes of {target!r} to train the first model.")
    run = _Run(pool, prod, features, [c for c in features if c not in (id_column, "month",
                                                                       "signup_date")],
               InputSchema.from_frame(first_rows[features]), first_rows, None, start,
               CASE_STUDY_DECISION["C"], CASE_STUDY_DECISION["threshold"], value,
               float(retrain_cost), on_future, target, seed)
    run.champion = _fit(run, first_rows)
    months = pd.date_range(prod["month"].min(), prod["month"].max(), freq="MS")
    rows_out, models, windows, audit = [], {}, {}, []
    for policy in policies:
        _run_policy(run, policy, months, rows_out, models, windows, audit)
    return BacktestResult(pd.DataFrame(rows_out, columns=_COLUMNS), models, windows,
                          pd.DataFrame(audit), run.threshold)


@dataclass
class _State:
    model: Any
    rows: pd.DataFrame
    reference_est: pd.Series | None
    version: int = 1
    retrains: int = 0
    cost: float = 0.0
    since: int = 0
    excluded: str = ""


def _run_policy(run: _Run, policy: Policy, months, rows_out, models, windows, audit) -> None:

    state = _State(run.champion, run.first_rows, None)
    models[(policy.name, "v1")], windows[(policy.name, "v1")] = run.champion, run.first_rows
    audit.append({"policy": policy.name, "version": "v1", "trained_in": run.start,
                  "latest_label_available_from": run.first_rows["label_available_from"].max()})
    for month in months:
        batch = run.prod[run.prod["month"] == month]
        state.since += 1
        fired, reason = _trigger(run, policy, state, month, batch)
        retrained, this_cost = False, 0.0
        if fired:
            this_cost = run.retrain_cost
            retrained, reason = _retrain(run, policy, state, month, reason, models, windows, audit)
        entry = {"policy": policy.name, "month": month, "version": f"v{state.version}",
                 "retrained": retrained, "reason": reason, "trained_on_rows": len(state.rows),
                 "excluded_months": state.excluded, "labels_until": state.rows["month"].max(),
                 "rows": len(batch)}
        entry.update(_realised(run, state.model, batch))
        entry.update(retrains=state.retrains, cost=state.cost,
                     net_value=entry["value"] - this_cost)
        rows_out.append(entry)


def _realised(run: _Run, model, batch: pd.DataFrame) -> dict:
    """The month's realised precision, recall and value, once its labels are in."""
    from toolkit.monitoring import realised_performance

    known = batch[run.target].notna().to_numpy()
    out = {"labelled_rows": int(known.sum()), "precision": np.nan, "recall": np.nan,
           "value": np.nan}
    if known.any():
        key = (id(model), batch["month"].iloc[0])  # policies sharing a version share its scores
        if key not in run.scores:
            run.scores[key] = _score(model, batch[known], run.features)
        real = realised_performance(batch[run.target].to_numpy()[known].astype(int),
                                    run.scores[key], run.threshold, run.value)
        out.update(precision=real["precision"], recall=real["recall"], value=real["value"])
    return out


def _retrain(run: _Run, policy: Policy, state: _State, month, reason: str, models, windows,
             audit) -> tuple[bool, str]:
    """Train a challenger on the policy's window, gate it, ship it or say why not."""
    rows, note = training_window(run.pool, month, window=policy.window, months=policy.months,
                                 label_lag=policy.label_lag, on_future=run.on_future)
    if note:
        reason += f"; {note}"
    excluded: list[str] = []
    if policy.validate_data:
        rows, excluded = _gate_data(rows, run.schema, run.features, policy.max_problem_share,
                                    run.checked)
    state.retrains += 1
    state.cost += run.retrain_cost
    verdict = _train_and_gate(run, policy, rows, state.model)
    if isinstance(verdict, str):
        return False, f"{reason}; not shipped: {verdict}"
    model, rows = verdict
    seen = rows["label_available_from"].max()
    if seen > month:  # the guarantee the tests check; it can only fire on a bug
        raise RuntimeError(f"{policy.name} would learn in {month:%Y-%m} a label available only "
                           f"from {seen:%Y-%m}.")
    state.version += 1
    state.model, state.rows, state.since = model, rows, 0
    state.excluded = ", ".join(excluded)
    state.reference_est = None  # estimated again when a trigger needs it
    key = (policy.name, f"v{state.version}")
    models[key], windows[key] = model, rows
    audit.append({"policy": policy.name, "version": key[1], "trained_in": month,
                  "latest_label_available_from": seen})
    left_out = f" (left out {state.excluded})" if excluded else ""
    return True, f"{reason}; shipped {key[1]}{left_out}"


def _trigger(run: _Run, policy: Policy, state: _State, month, batch) -> tuple[bool, str]:
    """Does the policy's trigger fire at the start of ``month``, and why (in words)."""
    from toolkit.drift import drift_report
    from toolkit.monitoring import estimate_performance, realised_performance

    if policy.trigger == "never":
        return False, "static model"
    if policy.trigger == "schedule":
        if state.since >= policy.every:
            return True, f"schedule: {state.since} months since the last model"
        return False, f"schedule: {state.since} of {policy.every} months"
    if not len(batch):
        return False, "no rows this month: nothing to judge"
    metric = policy.metric
    if policy.trigger == "drift":
        report = drift_report(state.rows[run.drift_columns], batch[run.drift_columns])
        drifted = report.table[report.table["drifted"].fillna(False).astype(bool)]
        share = len(drifted) / max(len(report.table), 1)
        if share >= policy.drift_share:
            return True, f"drift: {share:.0%} of the inputs ({', '.join(drifted['column'].head(3))})"
        return False, f"drift: {share:.0%} of the inputs"
    if policy.trigger == "estimated_drop":
        est = estimate_performance(_score(state.model, batch, run.features), run.threshold)
        if state.reference_est is None:
            state.reference_est = estimate_performance(_score(state.model, state.rows, run.features),
                                                       run.threshold)
        gap = state.reference_est[metric] - est[metric]
        if gap > policy.drop:
            return True, f"estimated {metric} {est[metric]:.2f}, {gap:.2f} below training"
        return False, f"estimated {metric} {est[metric]:.2f}"
    previous = month - pd.DateOffset(months=1)  # realised_drop: labels arrive one month late
    last = run.prod[(run.prod["month"] == previous) & run.prod[run.target].notna()
                    & (run.prod["label_available_from"] <= month)]
    if not len(last):
        return False, "realised: no labels yet"
    proba = _score(state.model, last, run.features)
    est = estimate_performance(proba, run.threshold)
    low, high = est[f"{metric}_low"], est[f"{metric}_high"]
    real = realised_performance(last[run.target].to_numpy().astype(int), proba, run.threshold)
    if real[metric] < low or (metric == "positive_rate" and real[metric] > high):
        return True, (f"realised {metric} of {previous:%Y-%m} {real[metric]:.2f}, outside the "
                      f"expected {low:.2f} to {high:.2f}")
    return False, f"realised {metric} of {previous:%Y-%m} {real[metric]:.2f}, as expected"


def _train_and_gate(run: _Run, policy: Policy, rows: pd.DataFrame, champion):
    """(challenger, its rows), or a string saying why nothing ships."""
    from toolkit.baselines import compare_to_baseline

    holdout = None
    if policy.challenge and len(rows):
        last = rows["month"].max()
        holdout, rows = rows[rows["month"] == last], rows[rows["month"] < last]
    if not len(rows):
        return "no usable labelled rows in the window"
    if rows[run.target].nunique() < 2:
        return f"the window holds one class only ({int(rows[run.target].iloc[0])})"
    challenger = _fit(run, rows)
    if holdout is None:
        return challenger, rows
    if holdout[run.target].nunique() < 2:
        return "the latest labelled month holds one class only: no fair comparison"
    y = holdout[run.target].to_numpy().astype(int)
    new = (_score(challenger, holdout, run.features) >= run.threshold).astype(int)
    old = (_score(champion, holdout, run.features) >= run.threshold).astype(int)
    result = compare_to_baseline(y, new, old, metric=policy.gate_metric, seed=run.seed)
    if not result.significant:
        return (f"challenger {policy.gate_metric} {result.model_score:.2f} vs champion "
                f"{result.baseline_score:.2f} on {holdout['month'].max():%Y-%m}, not clearly "
                f"better (gain {result.ci_low:+.2f} to {result.ci_high:+.2f})")
    return challenger, rows


def plot_backtest(result: BacktestResult, metric: str = "value", events: pd.DataFrame | None = None,
                  *, ax=None):
    """The metric month by month per policy, retrains as triangles, known events as grey lines.

    Parameters
    ----------
    result : BacktestResult
        What :func:`backtest` returned.
    metric : {"value", "precision", "recall", "net_value"}, default="value"
        The column of ``result.table`` to draw.
    events : pandas.DataFrame, optional
        ``event``, ``start_month`` and ``end_month`` (YYYY-MM), like ``load("events")``.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"policy": ["a", "a"], "month": pd.to_datetime(["2025-01-01",
    ...                       "2025-02-01"]), "retrained": [False, True], "value": [1.0, 2.0]})
    >>> ax = plot_backtest(BacktestResult(table, {}, {}, pd.DataFrame()))
    >>> ax.get_ylabel()
    'business value (EUR)'
    """
    if not isinstance(result, BacktestResult):
        raise TypeError(f"result must be a BacktestResult; got {type(result).__name__}.")
    check_one_of(metric, "metric", ("value", "precision", "recall", "net_value"))
    ax = new_axes(ax, figsize=(10, 4.5))
    styles = ("-", "--", "-.", ":")
    for i, (name, rows) in enumerate(result.table.groupby("policy", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(rows["month"], rows[metric], marker=".", color=colour, label=name,
                linestyle=styles[i % len(styles)], linewidth=2)
        new = rows[rows["retrained"].astype(bool)]
        ax.scatter(new["month"], new[metric], marker="^", s=70, color=colour, zorder=3)
    if events is not None:
        for _, event in events.iterrows():
            start = pd.Timestamp(f"{event['start_month']}-01")
            ax.axvline(start, color=COLORS["muted"], linestyle=":", linewidth=1.8, zorder=1)
            ax.annotate(f" {event['event']}", (start, 0.02), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=8, color=COLORS["muted"], va="bottom")
    ax.scatter([], [], marker="^", color=COLORS["muted"], label="a new version ships")
    label = {"value": "business value (EUR)", "net_value": "value minus retraining cost (EUR)",
             "precision": "precision (share of offers to churners)",
             "recall": "recall (share of churners reached)"}[metric]
    ax.set(xlabel="production month (dotted grey lines: the known events start)", ylabel=label,
           title=f"Backtest: {label.split(' (')[0]} per policy")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return ax


# --- the case study ------------------------------------------------------------------------------
#: Euros one retrain costs Nimbus in notebook 09: a day of an analyst's time to check the new
#: model and sign it off. An assumption of the course, set by the caller of :func:`backtest`.
CASE_STUDY_RETRAIN_COST = 500.0


def case_study_policies() -> list[Policy]:
    """The six policies notebook 09 backtests over the production year.

    Examples
    --------
    >>> [p.name for p in case_study_policies()][:3]
    ['static', 'every 3 months', 'drift, no gate']
    """
    return [
        Policy("static"),
        Policy("every 3 months", trigger="schedule", every=3, window="sliding", months=6,
               challenge=False),
        Policy("drift, no gate", trigger="drift", window="sliding", months=3,
               validate_data=False, challenge=False),
        Policy("drift, data gate", trigger="drift", window="sliding", months=3, challenge=False),
        Policy("labels disagree", trigger="realised_drop", metric="positive_rate",
               window="weighted", months=3, challenge=False),
        Policy("CBPE drop", trigger="estimated_drop", metric="recall", challenge=False),
    ]


@lru_cache(maxsize=1)
def case_study_backtest() -> BacktestResult:
    """:func:`backtest` of :func:`case_study_policies` on the case study (computed once).

    The scope's business value (:func:`toolkit.scoping.case_study_scope`) and
    :data:`CASE_STUDY_RETRAIN_COST`. Notebook 09 and its exercises share this one run; treat the
    result as read-only.
    """
    from toolkit.datasets import load
    from toolkit.scoping import case_study_scope

    return backtest(case_study_policies(), load("history"), load("production"),
                    load("production_labels"),
                    value=case_study_scope().economics.outcome_values(),
                    retrain_cost=CASE_STUDY_RETRAIN_COST)
