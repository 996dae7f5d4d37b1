"""What a backtest returns: the month-by-month table, the models and windows, and its plot.

:class:`BacktestResult` is made by :func:`toolkit.backtest.backtest`; :func:`plot_backtest` draws
one metric per policy and month, with each new version and the known events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import check_column_name, check_dataframe, check_names, check_one_of
from toolkit.plotting import COLORS, PALETTE, new_axes

__all__ = ["GATE_COLUMNS", "TABLE_COLUMNS", "BacktestResult", "TrainingWindows", "plot_backtest",
           "predict_scores"]

#: The columns of :attr:`BacktestResult.table`.
TABLE_COLUMNS = ["policy", "month", "version", "retrained", "reason", "trained_on_rows",
                 "excluded_months", "labels_until", "rows", "labelled_rows", "precision",
                 "recall", "value", "retrains", "cost", "net_value"]
#: The columns of :attr:`BacktestResult.gates`.
GATE_COLUMNS = ["policy", "month", "holdout_month", "holdout_rows", "metric", "challenger",
                "champion", "gain_low", "gain_high", "passed"]


def predict_scores(model: Any, rows: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``model``'s positive-class scores of ``rows``, given exactly ``columns``.

    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier().fit(pd.DataFrame({"x": [0, 1, 1]}), [0, 1, 1])
    >>> predict_scores(model, pd.DataFrame({"x": [2], "y": [3]}), ["x"]).round(2).tolist()
    [0.67]
    """
    check_dataframe(rows, "rows")
    columns = check_names(columns, "columns", "column names")
    for column in columns:
        check_column_name(column, "columns")
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba; got {type(model).__name__}.")
    fitted_on = getattr(model, "feature_names_in_", None)
    if fitted_on is not None and list(fitted_on) != columns:
        raise ValueError(f"columns must be the columns model was fitted on, {list(fitted_on)!r}; got "
                         f"{columns!r}.")
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise ValueError(f"rows must hold the model's columns; missing {missing!r}.")
    try:
        scores = model.predict_proba(rows[list(columns)])
    except (TypeError, ValueError) as error:  # scikit-learn's message names neither argument
        raise type(error)(f"model could not score rows[{columns!r}]: {error}") from error
    return np.asarray(scores[:, 1], dtype=float)


class TrainingWindows(Mapping):
    """``(policy, version)`` -> the rows that version learned from, rebuilt on access.

    A backtest trains dozens of versions on overlapping windows of one labelled pool; keeping a
    copy of each would hold the same rows many times. This keeps the pool once and, per version,
    its row labels (and weights).

    Examples
    --------
    >>> pool = pd.DataFrame({"x": [1, 2, 3]})
    >>> windows = TrainingWindows(pool)
    >>> windows.add(("p", "v1"), pool.iloc[1:].assign(weight=[0.5, 1.0]))
    >>> windows[("p", "v1")]
       x  weight
    1  2     0.5
    2  3     1.0
    """

    def __init__(self, pool: pd.DataFrame):
        self._pool = pool
        self._rows: dict = {}

    def add(self, key: tuple[str, str], rows: pd.DataFrame) -> None:
        """Record that version ``key`` learned from ``rows`` (rows of the pool)."""
        weight = rows["weight"].to_numpy() if "weight" in rows.columns else None
        self._rows[key] = (rows.index.to_numpy(), weight)

    def __getitem__(self, key: tuple[str, str]) -> pd.DataFrame:
        index, weight = self._rows[key]
        rows = self._pool.loc[index]
        return rows if weight is None else rows.assign(weight=weight)

    def __iter__(self) -> Iterator:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class BacktestResult:
    """What :func:`toolkit.backtest.backtest` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per policy and month: ``version`` in service, ``retrained`` (a new version
        shipped) and ``reason``, ``trained_on_rows``, ``excluded_months``, ``labels_until``
        (last labelled month the version learned from), ``rows``, ``labelled_rows``, realised
        ``precision``, ``recall`` and ``value`` (euros), cumulative ``retrains`` (shipped or
        not) and ``cost``, and ``net_value`` (value minus that month's retraining cost).
    models : dict
        ``(policy name, version)`` -> fitted model.
    windows : TrainingWindows
        ``(policy name, version)`` -> the training rows of that version.
    label_audit : pandas.DataFrame
        One row per trained model: ``policy``, ``version``, ``trained_in`` and the latest
        ``label_available_from`` among its rows (never after ``trained_in``).
    gates : pandas.DataFrame
        One row per champion/challenger test: ``policy``, ``month``, ``holdout_month`` and
        ``holdout_rows``, the ``metric``, the ``challenger``'s and the ``champion``'s score, the
        95 % interval of the gain (``gain_low``, ``gain_high``) and whether it ``passed``.
    threshold : float
        The decision threshold every model was used with.
    columns : list of str
        The columns every model is given (see :meth:`score`).
    """

    table: pd.DataFrame
    models: dict = field(repr=False)
    windows: Mapping = field(repr=False)
    label_audit: pd.DataFrame = field(repr=False)
    gates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GATE_COLUMNS),
                                repr=False)
    threshold: float = 0.5
    columns: list = field(default_factory=list, repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per policy: total value, retrains, cost and net value over the months."""
        grouped = self.table.groupby("policy", sort=False)
        out = pd.DataFrame({"value": grouped["value"].sum(), "retrains": grouped["retrains"].max(),
                            "cost": grouped["cost"].max()})
        out["net_value"] = out["value"] - out["cost"]
        return out.reset_index()

    def score(self, policy: str, version: str, rows: pd.DataFrame) -> np.ndarray:
        """The scores a policy's version gives ``rows``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> model = DummyClassifier().fit(pd.DataFrame({"x": [0, 1]}), [0, 1])
        >>> result = BacktestResult(pd.DataFrame(), {("p", "v1"): model}, {}, pd.DataFrame(),
        ...                         columns=["x"])
        >>> result.score("p", "v1", pd.DataFrame({"x": [3], "y": [4]})).tolist()
        [0.5]
        """
        if (policy, version) not in self.models:
            raise ValueError(f"no model ({policy!r}, {version!r}); the trained ones are "
                             f"{sorted(self.models)[:8]!r}.")
        return predict_scores(self.models[(policy, version)], rows, self.columns)

    def decide(self, policy: str, version: str, rows: pd.DataFrame) -> np.ndarray:
        """0/1 decisions of a policy's version on ``rows``, at :attr:`threshold`."""
        return (self.score(policy, version, rows) >= self.threshold).astype(int)

    def plot(self, metric: str = "value", events: pd.DataFrame | None = None, *, ax=None):
        """Same as :func:`plot_backtest`."""
        return plot_backtest(self, metric, events, ax=ax)


def plot_backtest(result: BacktestResult, metric: str = "value", events: pd.DataFrame | None = None,
                  *, ax=None):
    """The metric month by month per policy, retrains as triangles, known events as grey lines.

    Parameters
    ----------
    result : BacktestResult
        What :func:`toolkit.backtest.backtest` returned.
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
