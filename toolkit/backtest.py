"""Replay production month by month under retraining policies, with labels that arrive late.

:func:`backtest` takes any unfitted scikit-learn classifier (a pipeline included) and its
decision threshold. At the start of each month the month's inputs arrive, each policy's trigger
looks at what is known (the inputs so far, the labels whose ``label_available_from`` has come),
a challenger may be trained (a clone of the model, fitted on the policy's window) and gated, and
the model in service scores the month. When that month's labels arrive, its realised precision,
recall and business value are filled in. No step ever uses a label before its
``label_available_from``: the backtest checks it for every model it trains.

The policies and gates are in :mod:`toolkit.policies`, the result and its plot in
:mod:`toolkit.backtest_result`; :mod:`toolkit.retraining` gathers them and runs the case study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    _short,
    check_complete_dates,
    check_dataframe,
    check_one_of,
    check_outcome_values,
    check_probability,
)
from toolkit.backtest_result import (
    GATE_COLUMNS,
    TABLE_COLUMNS,
    BacktestResult,
    TrainingWindows,
    predict_scores,
)
from toolkit.policies import (
    HISTORY_LABELS_FROM,
    Policy,
    champion_challenger,
    data_gate,
    labelled_pool,
    training_window,
)

__all__ = ["backtest"]

@dataclass
class _Run:
    """What every policy of one backtest shares."""

    pool: pd.DataFrame
    prod: pd.DataFrame
    model: Any
    weight_param: str
    features: list[str]
    drift_columns: list[str]
    schema: Any
    first_rows: pd.DataFrame
    start: pd.Timestamp
    threshold: float
    value: dict
    retrain_cost: float
    on_future: str
    target: str
    seed: int
    champion: Any = None
    fits: dict = field(default_factory=dict)
    held_out: dict = field(default_factory=dict)
    checked: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    gates: list = field(default_factory=list)


def _fit(run: _Run, rows: pd.DataFrame):
    """A clone of the model fitted on ``rows`` (shared between policies with the same window)."""
    from sklearn.base import clone

    weights = rows["weight"].to_numpy() if "weight" in rows.columns else None
    key = (tuple(rows.index), None if weights is None else tuple(np.round(weights, 6)))
    if key not in run.fits:
        extra = {} if weights is None else {run.weight_param: weights}
        try:
            run.fits[key] = clone(run.model).fit(rows[run.features],
                                                 rows[run.target].astype(int), **extra)
        except (TypeError, ValueError) as error:  # scikit-learn's message names neither
            raise type(error)(f"model could not be fitted on the features {run.features!r} of "
                              f"{len(rows)} training rows: {error}") from error
    return run.fits[key]


def _held_out_estimate(run: _Run, rows: pd.DataFrame) -> pd.Series:
    """CBPE estimate on out-of-fold scores of ``rows``: what the model expects on unseen rows."""
    from toolkit.performance import estimate_performance, held_out_scores

    key = tuple(rows.index)
    if key not in run.held_out:
        # 3 folds: the estimate is an average over thousands of rows, so more folds change it
        # little and cost fits
        scores = held_out_scores(run.model, rows[run.features],
                                 rows[run.target].astype(int), folds=3, seed=run.seed)
        run.held_out[key] = estimate_performance(scores, run.threshold)
    return run.held_out[key]


def _check_inputs(policies: Any, model: Any) -> str:
    """Validate the policies and the model; return how ``fit`` receives sample weights."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import has_fit_parameter

    if isinstance(policies, Policy) or not isinstance(policies, Sequence) or not policies:
        raise TypeError(f"policies must be a non-empty list of Policy; got {_short(policies)}.")
    for policy in policies:
        if not isinstance(policy, Policy):
            raise TypeError(f"policies must hold Policy objects; got {type(policy).__name__}.")
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"policies must have distinct names; got {names!r}.")
    if isinstance(model, type) or not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
        raise TypeError(f"model must be a scikit-learn classifier or pipeline with fit and "
                        f"predict_proba (it is cloned and refitted on each window); got "
                        f"{_short(model)}.")
    final, param = model, "sample_weight"
    if isinstance(model, Pipeline):
        final, param = model.steps[-1][1], f"{model.steps[-1][0]}__sample_weight"
    weighted = [p.name for p in policies if p.window == "weighted"]
    if weighted and not has_fit_parameter(final, "sample_weight"):
        raise ValueError(f"policies {weighted!r} train on weighted windows, but the model's "
                         f"{type(final).__name__}.fit takes no sample_weight; use window='all' "
                         f"or 'sliding', or a model that accepts weights.")
    return param


def _check_features(features: Any, history: pd.DataFrame, production: pd.DataFrame,
                    target: str) -> list[str]:
    """The columns given to the model, checked against history and production."""
    columns = [c for c in history.columns if c != target]
    if features is None:
        features = columns
    elif isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise TypeError(f"features must be a non-empty list of column names; got {_short(features)}.")
    features = list(features)
    unknown = [c for c in features if c not in columns]
    if unknown:
        raise ValueError(f"features must be columns of history (not {target!r}); unknown "
                         f"{unknown!r}.")
    missing = [c for c in features if c not in production.columns]
    if missing:
        raise ValueError(f"production must have the model's features; missing {missing!r} "
                         f"(a challenger on a different feature set cannot replace the champion).")
    return features


def backtest(policies: Sequence[Policy], history: pd.DataFrame, production: pd.DataFrame,
             labels: pd.DataFrame, *, model: Any, threshold: float = 0.5,
             value: Mapping[str, float], features: Sequence[str] | None = None,
             retrain_cost: float = 0.0, on_future: str = "raise",
             history_labels_from: Any = HISTORY_LABELS_FROM, target: str = "churned",
             id_column: str = "customer_id", seed: int = 0) -> BacktestResult:
    """Replay the production months under each policy and measure what each would have earned.

    Every policy starts from the same model, ``model`` cloned and fitted on ``history``
    (version ``v1``). Month by month: the month's inputs arrive; the trigger looks at what is
    known; if it fires, a challenger (another clone) is trained on the policy's window of labels
    that have arrived, passed through the gates and, if it passes, becomes the next version;
    then the version in service scores the month, and the month is scored against its labels.

    Parameters
    ----------
    policies : sequence of Policy
        With distinct names.
    history : pandas.DataFrame
        Labelled training data: ``month``, the ``features`` and ``target``.
    production : pandas.DataFrame
        The monthly batches: ``month``, ``id_column`` and the ``features``.
    labels : pandas.DataFrame
        ``id_column``, ``month``, ``target`` and ``label_available_from``.
    model : scikit-learn classifier or pipeline
        Unfitted (a fitted one is cloned too), with ``predict_proba``; it is given the
        ``features``. A weighted window passes ``sample_weight`` to its ``fit`` (to the last
        step of a pipeline).
    threshold : float, default=0.5
        Scores at or above it are decided positive (for the value, the triggers and the gate).
    value : dict
        Euros per outcome ``{"tp", "fp", "fn", "tn"}`` (the scope's mapping).
    features : list of str, optional
        The columns the model is given, as a production request carries them: production
        must hold each, the data gate checks them and the drift trigger compares them (all but
        ``id_column`` and dates). Default: every column of ``history`` but ``target``.
    retrain_cost : float, default=0.0
        Euros each retrain costs (people, compute, review), counted when a challenger is
        trained, shipped or not.
    on_future : {"raise", "clip"}, default="raise"
        A policy whose window asks for labels not yet arrived (``label_lag=0``): raise, or clip
        its window to what has arrived and say so in ``reason``.
    history_labels_from : date-like, default="2025-01-01"
        When ``history``'s labels become usable.
    target : str, default="churned"
        The 0/1 label column.
    id_column : str, default="customer_id"
        How ``labels`` join ``production``.
    seed : int, default=0
        Seed of the champion/challenger bootstrap and of the held-out folds.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        Duplicate policy names, production without the features, labels without
        ``label_available_from``, a negative ``retrain_cost``, a weighted window for a model
        that takes no weights, or (``on_future="raise"``) a policy asking for the future.
    TypeError
        ``policies`` not a list of :class:`Policy`, ``model`` not a classifier.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from toolkit.datasets import load
    >>> history, production = load("history"), load("production")
    >>> labels = load("production_labels")
    >>> spring = production[production["month"] < "2025-04-01"]
    >>> result = backtest([Policy("static")], history, spring, labels,
    ...                   model=LogisticRegression(), threshold=0.3,
    ...                   features=["tenure_months", "support_calls_90d"],
    ...                   value={"tp": 60, "fp": -30, "fn": 0, "tn": 0})
    >>> result.table[["month", "version", "retrained", "value"]]
           month version  retrained   value
    0 2025-01-01      v1      False  1530.0
    1 2025-02-01      v1      False  1680.0
    2 2025-03-01      v1      False  1830.0
    """
    from threadpoolctl import threadpool_limits

    from toolkit.deploy import InputSchema

    weight_param = _check_inputs(policies, model)
    check_dataframe(history, "history")
    check_dataframe(production, "production")
    check_dataframe(labels, "labels")
    threshold = check_probability(threshold, "threshold")
    value = check_outcome_values(value)
    if value is None:
        raise ValueError("value must map each of 'tp', 'fp', 'fn', 'tn' to euros; got None.")
    if isinstance(retrain_cost, bool) or not isinstance(retrain_cost, (int, float)) \
            or retrain_cost < 0:
        raise ValueError(f"retrain_cost must be a number of euros >= 0; got {retrain_cost!r}.")
    check_one_of(on_future, "on_future", ("raise", "clip"))
    pool = labelled_pool(history, production, labels, target=target, id_column=id_column,
                         history_labels_from=history_labels_from)
    features = _check_features(features, history, production, target)
    dates = check_complete_dates(production["month"], "production['month']")
    prod = production.assign(month=dates.dt.to_period("M").dt.to_timestamp())
    prod = prod.merge(labels[[id_column, "month", target, "label_available_from"]],
                      on=[id_column, "month"], how="left")
    start = pd.Timestamp(history_labels_from)
    first_rows = pool[pool["label_available_from"] <= start]
    if first_rows[target].nunique() < 2:
        raise ValueError(f"history must hold both classes of {target!r} to train the first model.")
    drift_columns = [c for c in features if c != id_column
                     and not pd.api.types.is_datetime64_any_dtype(history[c])]
    run = _Run(pool, prod, model, weight_param, features, drift_columns,
               InputSchema.from_frame(first_rows[features]), first_rows, start, threshold,
               value, float(retrain_cost), on_future, target, seed)
    months = pd.date_range(prod["month"].min(), prod["month"].max(), freq="MS")
    rows_out, models, windows, audit = [], {}, TrainingWindows(pool), []
    # one BLAS thread: these matrices are small, and on a busy machine two threads spinning
    # against other work made each Newton step 15 times slower
    with threadpool_limits(limits=1, user_api="blas"):
        run.champion = _fit(run, first_rows)
        for policy in policies:
            _run_policy(run, policy, months, rows_out, models, windows, audit)
    return BacktestResult(pd.DataFrame(rows_out, columns=TABLE_COLUMNS), models, windows,
                          pd.DataFrame(audit), pd.DataFrame(run.gates, columns=GATE_COLUMNS),
                          threshold, features)


@dataclass
class _State:
    model: Any
    rows: pd.DataFrame
    version: int = 1
    retrains: int = 0
    cost: float = 0.0
    since: int = 0
    excluded: str = ""


def _run_policy(run: _Run, policy: Policy, months, rows_out, models, windows, audit) -> None:
    state = _State(run.champion, run.first_rows)
    models[(policy.name, "v1")] = run.champion
    windows.add((policy.name, "v1"), run.first_rows)
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


def _scores(run: _Run, model: Any, batch: pd.DataFrame) -> np.ndarray:
    """The model's scores of a month (policies sharing a version share them)."""
    key = (id(model), batch["month"].iloc[0], len(batch))
    if key not in run.scores:
        run.scores[key] = predict_scores(model, batch, run.features)
    return run.scores[key]


def _realised(run: _Run, model, batch: pd.DataFrame) -> dict:
    """The month's realised precision, recall and value, once its labels are in."""
    from toolkit.performance import realised_performance

    known = batch[run.target].notna().to_numpy()
    out = {"labelled_rows": int(known.sum()), "precision": np.nan, "recall": np.nan,
           "value": np.nan}
    if known.any():
        real = realised_performance(batch[run.target].to_numpy()[known].astype(int),
                                    _scores(run, model, batch)[known], run.threshold, run.value)
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
        rows, excluded = data_gate(rows, run.schema, run.features,
                                   max_problem_share=policy.max_problem_share, cache=run.checked)
    state.retrains += 1
    state.cost += run.retrain_cost
    state.since = 0  # shipped or refused, a schedule waits a full period for the next try
    verdict = _train_and_gate(run, policy, rows, state, month)
    if isinstance(verdict, str):
        return False, f"{reason}; not shipped: {verdict}"
    model, gate = verdict
    seen = rows["label_available_from"].max()
    if seen > month:  # the guarantee the tests check; it can only fire on a bug
        raise RuntimeError(f"{policy.name} would learn in {month:%Y-%m} a label available only "
                           f"from {seen:%Y-%m}.")
    state.version += 1
    state.model, state.rows = model, rows
    state.excluded = ", ".join(excluded)
    key = (policy.name, f"v{state.version}")
    models[key] = model
    windows.add(key, rows)
    audit.append({"policy": policy.name, "version": key[1], "trained_in": month,
                  "latest_label_available_from": seen})
    left_out = f" (left out {state.excluded})" if excluded else ""
    return True, f"{reason}; {gate}shipped {key[1]}{left_out}"


def _trigger(run: _Run, policy: Policy, state: _State, month, batch) -> tuple[bool, str]:
    """Does the policy's trigger fire at the start of ``month``, and why (in words)."""
    from toolkit.drift import drift_report
    from toolkit.performance import estimate_performance, realised_performance

    if policy.trigger == "never":
        return False, "static model"
    if policy.trigger == "schedule":
        if state.since >= policy.every:
            return True, f"schedule: {state.since} months since the last retrain"
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
    if policy.trigger == "estimated_change":
        now = estimate_performance(_scores(run, state.model, batch), run.threshold)[metric]
        held_out = _held_out_estimate(run, state.rows)[metric]
        words = f"estimated {metric} {now:.2f}, {now - held_out:+.2f} from {held_out:.2f} held out"
        return abs(now - held_out) > policy.change, words
    previous = month - pd.DateOffset(months=1)  # realised_drop: labels arrive one month late
    last = run.prod[(run.prod["month"] == previous) & run.prod[run.target].notna()
                    & (run.prod["label_available_from"] <= month)]
    if not len(last):
        return False, "realised: no labels yet"
    proba = _scores(run, state.model, last)
    est = estimate_performance(proba, run.threshold)
    low, high = est[f"{metric}_low"], est[f"{metric}_high"]
    real = realised_performance(last[run.target].to_numpy().astype(int), proba, run.threshold)
    if real[metric] < low or (metric == "positive_rate" and real[metric] > high):
        return True, (f"realised {metric} of {previous:%Y-%m} {real[metric]:.2f}, outside the "
                      f"expected {low:.2f} to {high:.2f}")
    return False, f"realised {metric} of {previous:%Y-%m} {real[metric]:.2f}, as expected"


def _train_and_gate(run: _Run, policy: Policy, rows: pd.DataFrame, state: _State, month):
    """(model to ship, what the gate said), or a string saying why nothing ships."""
    target = run.target
    if not len(rows):
        return "no usable labelled rows in the window"
    if rows[target].nunique() < 2:
        return f"the window holds one class only ({int(rows[target].iloc[0])})"
    if not policy.challenge:
        return _fit(run, rows), ""
    last = rows["month"].max()
    holdout, train = rows[rows["month"] == last], rows[rows["month"] < last]
    if last <= state.rows["month"].max():
        return f"the champion learned from {last:%Y-%m} already: no fair comparison"
    if train[target].nunique() < 2 or holdout[target].nunique() < 2:
        return f"the window without {last:%Y-%m}, or {last:%Y-%m} itself, holds one class only"
    result = champion_challenger(_fit(run, train), state.model, holdout[run.features],
                                 holdout[target].astype(int), threshold=run.threshold,
                                 metric=policy.gate_metric, seed=run.seed)
    run.gates.append(dict(zip(GATE_COLUMNS, (
        policy.name, month, last, len(holdout), policy.gate_metric, result.model_score,
        result.baseline_score, result.ci_low, result.ci_high, result.significant), strict=True)))
    said = (f"challenger {policy.gate_metric} {result.model_score:.2f} vs champion "
            f"{result.baseline_score:.2f} on {last:%Y-%m}")
    gain = f"gain {result.ci_low:+.3f} to {result.ci_high:+.3f}"  # 3 decimals: +0.00 hides a pass
    if not result.significant:
        return f"{said}, not clearly better ({gain})"
    # it passed: learn from the held-out month too, so the shipped model is as fresh as the window
    return _fit(run, rows), f"{said}, clearly better ({gain}); refitted with {last:%Y-%m}; "
