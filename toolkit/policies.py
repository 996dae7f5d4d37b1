"""Retraining policies: when to retrain, on which labelled rows, and the gates a new model passes.

A *policy* (:class:`Policy`) says when to retrain (its trigger), on what (its training window,
:func:`training_window`, built from :func:`labelled_pool`) and what a new model must pass before
it ships: the **data gate** (:func:`data_gate`, 07's input schema run on the training window)
and the **champion/challenger gate** (:func:`champion_challenger`, 02's paired test on labelled
rows neither model learned from). :func:`toolkit.backtest.backtest` replays policies over
production; :mod:`toolkit.retraining` gathers both for notebook 09.

>>> Policy("static").describe()
'static: never retrain; the first model stays in service'
>>> Policy("fresh", trigger="schedule", every=3, window="sliding").describe()
'fresh: retrain on a schedule (every 3 months); train on the last 6 labelled months; data gate on, \
champion/challenger gate on'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    check_columns,
    check_complete_dates,
    check_dataframe,
    check_date,
    check_labels,
    check_names,
    check_one_of,
    check_positive_int,
    check_probability,
    check_same_length,
    check_seed,
)

__all__ = ["HISTORY_LABELS_FROM", "TRIGGERS", "WINDOWS", "Policy", "champion_challenger",
           "data_gate", "labelled_pool", "training_window"]

TRIGGERS = ("never", "schedule", "drift", "realised_drop", "estimated_change")
WINDOWS = ("all", "sliding", "weighted")
#: History's labels (2024) are all known when production starts.
HISTORY_LABELS_FROM = "2025-01-01"
_TRIGGER_WORDS = {"never": "never retrain", "schedule": "retrain on a schedule",
                  "drift": "retrain when the inputs drift", "realised_drop":
                  "retrain when the realised performance drops", "estimated_change":
                  "retrain when the estimated (CBPE) performance moves"}
_GATE_METRICS = ("f1", "recall", "precision", "accuracy")


@dataclass(frozen=True)
class Policy:
    """When to retrain, on what, and what a new model must pass before it ships.

    Parameters
    ----------
    name : str
        Shown in tables and figures.
    trigger : {"never", "schedule", "drift", "realised_drop", "estimated_change"}, default="never"
        - ``"never"``: the static model;
        - ``"schedule"``: every ``every`` months since the last retrain, shipped or refused
          (a refused challenger waits a full period again);
        - ``"drift"``: when the month's inputs drift (at least ``drift_share`` of the columns,
          :func:`toolkit.drift.drift_report` against the model's training window);
        - ``"realised_drop"``: when the latest labelled month's realised ``metric`` falls below
          the lower end of its CBPE interval (:func:`toolkit.performance.estimate_performance`);
          it fires one month late, when the labels arrive;
        - ``"estimated_change"``: when the month's CBPE estimate of ``metric`` moves more than
          ``change`` away, up or down, from the estimate on held-out scores of the model's
          training window (:func:`toolkit.performance.held_out_scores`, 3 folds, unweighted;
          no production label needed). A
          rise is as suspicious as a fall: inputs broken by a unit bug make every customer look
          like a churner, and the estimated recall jumps to 1.
    window : {"all", "sliding", "weighted"}, default="all"
        All labelled data so far, the last ``months`` labelled months, or all of it with
        weights halving every ``months`` months back.
    months : int, default=6
        Length of the sliding window, or the half-life of the weights.
    every : int, default=3
        Months between scheduled retrains.
    validate_data : bool, default=True
        Data gate: check each month of the window against the input schema of the first
        training data (:func:`data_gate`) and leave out a month with a refused problem or a
        problem affecting more than ``max_problem_share`` of its rows.
    challenge : bool, default=True
        Champion/challenger gate (:func:`champion_challenger`): the challenger is trained
        without the latest labelled month, both models decide on that month, and the challenger
        ships only if it is significantly better on ``gate_metric``; it is then refitted on the
        whole window, that month included, before it ships. Without the gate every new model
        ships, trained on the whole window.
    metric : {"f1", "recall", "precision", "positive_rate"}, default="recall"
        What the ``"realised_drop"`` and ``"estimated_change"`` triggers look at.
        ``"positive_rate"`` (the churn rate) fires either way for ``"realised_drop"``: a
        realised rate outside the estimate's interval means the model's probabilities no longer
        match what happens.
    gate_metric : {"f1", "recall", "precision", "accuracy"}, default="f1"
        What the champion/challenger gate compares.
    change : float, default=0.05
        For ``"estimated_change"``: the largest move of the estimate, either way, that does not
        fire.
    drift_share : float, default=0.2
        For ``"drift"``.
    max_problem_share : float, default=0.5
        For the data gate.
    label_lag : int, default=1
        The latest labelled month used is ``label_lag`` months before the decision month.
        0 asks for labels that have not arrived: the backtest raises or clips it.
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
    change: float = 0.05
    drift_share: float = 0.2
    max_problem_share: float = 0.5
    label_lag: int = 1

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string; got {self.name!r}.")
        check_one_of(self.trigger, "trigger", TRIGGERS)
        check_one_of(self.window, "window", WINDOWS)
        check_one_of(self.metric, "metric", ("f1", "recall", "precision", "positive_rate"))
        check_one_of(self.gate_metric, "gate_metric", _GATE_METRICS)
        check_positive_int(self.months, "months")
        check_positive_int(self.every, "every")
        check_positive_int(self.label_lag, "label_lag", minimum=0)
        for name in ("change", "drift_share", "max_problem_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a number in (0, 1]; got {value!r}.")
        for name in ("validate_data", "challenge"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False; got {getattr(self, name)!r}.")

    def describe(self) -> str:
        """One line: the trigger, the window and the gates."""
        if self.trigger == "never":
            return f"{self.name}: never retrain; the first model stays in service"
        how = _TRIGGER_WORDS[self.trigger]
        if self.trigger == "schedule":
            how += f" (every {self.every} months)"
        elif self.trigger == "drift":
            how += f" (at least {self.drift_share:.0%} of the inputs)"
        elif self.trigger == "estimated_change":
            how = how.replace("performance", self.metric.replace("positive_rate", "churn rate"))
            how += f" (by more than {self.change:.2f}, up or down)"
        elif self.metric == "positive_rate":
            how = "retrain when the realised churn rate leaves the model's estimate"
        else:
            how = how.replace("performance", self.metric)
        window = {"all": "all labelled data",
                  "sliding": f"the last {self.months} labelled months",
                  "weighted": f"all labelled data, weights halving every {self.months} months"}
        on = {True: "on", False: "off"}
        return (f"{self.name}: {how}; train on {window[self.window]}; data gate "
                f"{on[self.validate_data]}, champion/challenger gate {on[self.challenge]}")


# --- the labelled pool and the training window ---------------------------------------------------
def labelled_pool(history: pd.DataFrame, production: pd.DataFrame, labels: pd.DataFrame, *,
                  target: str = "churned", id_column: str = "customer_id",
                  history_labels_from: Any = HISTORY_LABELS_FROM) -> pd.DataFrame:
    """History and production rows with their label and the month it becomes usable.

    Parameters
    ----------
    history : pandas.DataFrame
        Labelled rows with ``month`` and ``target``; their labels are usable from
        ``history_labels_from``.
    production : pandas.DataFrame
        Unlabelled rows with ``month`` and ``id_column``.
    labels : pandas.DataFrame
        ``id_column``, ``month``, ``target`` and ``label_available_from`` for production rows.
    target : str, default="churned"
        The label column.
    id_column : str, default="customer_id"
        How ``labels`` join ``production``.
    history_labels_from : date-like, default="2025-01-01"
        When history's labels become usable (all of them at once).

    Returns
    -------
    pandas.DataFrame
        History's rows, then the production rows that have a label, with ``month`` and
        ``label_available_from`` as the first day of their month.

    Examples
    --------
    >>> history = pd.DataFrame({"month": pd.to_datetime(["2024-12-01"]), "churned": [0]})
    >>> production = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"]), "customer_id": ["a"]})
    >>> labels = production.assign(churned=1, label_available_from=pd.Timestamp("2025-02-01"))
    >>> labelled_pool(history, production, labels)[["month", "churned", "label_available_from"]]
           month  churned label_available_from
    0 2024-12-01        0           2025-01-01
    1 2025-01-01        1           2025-02-01
    """
    check_dataframe(history, "history", allow_empty=True)
    check_dataframe(production, "production", allow_empty=True)
    check_dataframe(labels, "labels", allow_empty=True)
    start = check_date(history_labels_from, "history_labels_from")
    needed = [c for c in (id_column, "month", target, "label_available_from")
              if c not in labels.columns]
    if needed:
        raise ValueError(f"labels must have the columns {id_column!r}, 'month', {target!r} and "
                         f"'label_available_from'; missing {needed!r}.")
    if target not in history.columns:
        raise ValueError(f"history must hold the label column {target!r}; its columns are "
                         f"{list(history.columns)[:12]!r}.")
    check_columns(history, "month", "history")
    check_columns(production, [id_column, "month"], "production")
    # dates are checked before the merge and the .dt accessor, which would not name the frame
    history = history.assign(month=check_complete_dates(history["month"], "history['month']"))
    production = production.assign(month=check_complete_dates(production["month"], "production['month']"))
    labels = labels.assign(month=check_complete_dates(labels["month"], "labels['month']"),
                           label_available_from=check_complete_dates(labels["label_available_from"],
                                                            "labels['label_available_from']"))
    try:
        prod = production.merge(labels[[id_column, "month", target, "label_available_from"]],
                                on=[id_column, "month"], how="inner", validate="one_to_one")
    except pd.errors.MergeError as error:  # one production row with two labels, or the reverse
        raise ValueError(f"labels must hold one row per production row ({id_column!r} and "
                         f"'month'): {error}") from None
    hist = history.assign(label_available_from=start)
    # an empty part is left out: pandas warns that it will stop ignoring it for the dtypes
    pool = pd.concat([part for part in (hist, prod) if len(part)] or [hist], ignore_index=True)
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
    month = check_date(month, "month").to_period("M").to_timestamp()
    check_columns(pool, ["month", "label_available_from"], "pool")
    for column in ("month", "label_available_from"):
        if not pd.api.types.is_datetime64_any_dtype(pool[column]):
            raise TypeError(f"pool[{column!r}] must hold dates (labelled_pool makes them); got dtype "
                            f"{pool[column].dtype}.")
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


# --- the gates -----------------------------------------------------------------------------------
def data_gate(rows: pd.DataFrame, schema: Any, columns: list[str], *,
              max_problem_share: float = 0.5,
              cache: dict | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Leave out the months of ``rows`` whose inputs the schema finds broken.

    A month is left out when the schema refuses one of its problems, or when a problem affects
    more than ``max_problem_share`` of its rows (a whole month in cents is *out of range* in
    every row, even if serving only warns about it).

    Parameters
    ----------
    rows : pandas.DataFrame
        A training window with a ``month`` column.
    schema : toolkit.deploy.InputSchema
        Recorded from the data the first model learned from.
    columns : list of str
        The columns to check.
    max_problem_share : float, default=0.5
        A problem in more than this share of a month's rows leaves the month out.
    cache : dict, optional
        Each month's problems, found earlier with the same schema and columns; filled in
        (the backtest shares one between its retrains).

    Returns
    -------
    (pandas.DataFrame, list of str)
        The rows kept, and one line per month left out saying why.

    Examples
    --------
    >>> from toolkit.deploy import InputSchema
    >>> rows = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 2 + ["2025-02-01"] * 2),
    ...                      "charges": [20.0, 30.0, 2000.0, 3000.0]})
    >>> schema = InputSchema.from_frame(rows[["charges"]].head(2))
    >>> kept, why = data_gate(rows, schema, ["charges"])
    >>> len(kept), why
    (2, ['2025-02 (charges: out of range, 2 rows)'])
    """
    check_dataframe(rows, "rows", allow_empty=True)
    max_problem_share = check_probability(max_problem_share, "max_problem_share")
    from toolkit.schema import InputSchema

    if not isinstance(schema, InputSchema):
        raise TypeError(f"schema must be an InputSchema (InputSchema.from_frame); got "
                        f"{type(schema).__name__}.")
    columns = check_names(columns, "columns", "column names")
    check_columns(rows, "month", "rows")
    check_columns(rows, columns, "columns")
    if not pd.api.types.is_datetime64_any_dtype(rows["month"]):
        raise TypeError(f"rows['month'] must hold dates; got dtype {rows['month'].dtype}.")
    cache = {} if cache is None else cache
    excluded = []
    keep = np.ones(len(rows), dtype=bool)
    for month, batch in rows.groupby("month"):
        key = (month, len(batch))
        if key not in cache:
            cache[key] = schema.validate(batch[columns])
        problems = cache[key]
        bad = problems[(problems["action"] == "refuse")
                       | (problems["rows"] > max_problem_share * len(batch))]
        if len(bad):
            worst = bad.iloc[0]
            excluded.append(f"{month:%Y-%m} ({worst['column']}: {worst['problem']}, "
                            f"{worst['rows']} rows)")
            keep &= (rows["month"] != month).to_numpy()
    return rows[keep], excluded


def champion_challenger(challenger: Any, champion: Any, X: pd.DataFrame, y: Any, *,
                        threshold: float = 0.5, metric: str = "f1", seed: int = 0):
    """Is the challenger clearly better than the champion on labelled rows neither learned from?

    Both fitted models decide on ``X`` (score at or above ``threshold``), and 02's paired
    bootstrap (:func:`toolkit.baselines.compare_to_baseline`) compares their ``metric`` on the
    same rows. The challenger passes when the whole 95 % interval of the gain is above zero
    (``.significant``): an equal challenger is refused, because swapping models has a cost and a
    risk of its own.

    Parameters
    ----------
    challenger : fitted classifier with ``predict_proba``
        The new model.
    champion : fitted classifier with ``predict_proba``
        The model in service.
    X : pandas.DataFrame
        Rows neither model was trained on (typically the latest labelled month).
    y : array-like of {0, 1}
        Their labels.
    threshold : float, default=0.5
        The decision threshold both models are used with.
    metric : {"f1", "recall", "precision", "accuracy"}, default="f1"
        What the two models are compared on.
    seed : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    toolkit.baselines.BaselineComparison
        ``model_score`` is the challenger's, ``baseline_score`` the champion's; ``significant``
        says whether it passes.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": np.arange(200.0) % 20}); y = (X["x"] >= 10).astype(int)
    >>> old = DummyClassifier(strategy="prior").fit(X, y)
    >>> new = LogisticRegression().fit(X, y)
    >>> champion_challenger(new, old, X, y).significant
    True
    >>> champion_challenger(new, new, X, y).significant  # an equal challenger is refused
    False
    """
    from toolkit.baselines import compare_to_baseline

    check_dataframe(X, "X")
    y = check_labels(y, "y").to_numpy()
    check_same_length(X=X, y=y)
    threshold = check_probability(threshold, "threshold")
    check_one_of(metric, "metric", _GATE_METRICS)
    seed = check_seed(seed)
    decisions = []
    for name, model in (("challenger", challenger), ("champion", champion)):
        if not hasattr(model, "predict_proba"):
            raise TypeError(f"{name} must be a fitted classifier with predict_proba; got "
                            f"{type(model).__name__}.")
        decisions.append((model.predict_proba(X)[:, 1] >= threshold).astype(int))
    return compare_to_baseline(y, decisions[0], decisions[1], metric=metric, seed=seed)
