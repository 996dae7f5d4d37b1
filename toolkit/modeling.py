"""Modeling: compare candidate algorithms honestly, against the baselines, with cross-validation.

One train/test split gives one number, and a lucky split can make a weak model look good.
Cross-validation trains and scores each model on several splits, so you see both the mean and
the spread. The naive baselines of :mod:`toolkit.baselines` go into the same table: a model
that does not clearly beat "always predict the majority class" is not worth deploying.

>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.datasets import make_classification
>>> X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
>>> table = compare_models({"logistic": LogisticRegression()}, X, y, cv=3)
>>> table[["model", "kind"]].tail(2)
            model       kind
3           prior   baseline
4        logistic  candidate
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit._metrics import SKLEARN_OPTIONS
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_mapping,
    check_names,
    check_same_length,
)
from toolkit.plotting import COLORS, new_axes

__all__ = ["DEFAULT_SCORING", "compare_models", "plot_model_comparison"]

#: Metrics reported by default: accuracy misleads on skewed data, so precision, recall and F1 too.
DEFAULT_SCORING = ("accuracy", "precision", "recall", "f1")
#: Show a progress bar when a comparison needs more fits than this.
PROGRESS_FITS = 50
# Precision is undefined for a model that never predicts 1 (a majority baseline): the
# toolkit's one rule (toolkit._metrics) decides its value.
_ZERO_DIVISION = ("precision", "recall", "f1")


def _scorer(metric: str):
    from sklearn.metrics import (
        f1_score,
        get_scorer,
        get_scorer_names,
        make_scorer,
        precision_score,
        recall_score,
    )

    if metric in _ZERO_DIVISION:
        func = {"precision": precision_score, "recall": recall_score, "f1": f1_score}[metric]
        return make_scorer(func, **SKLEARN_OPTIONS)
    if metric not in get_scorer_names():
        raise ValueError(f"scoring has an unknown metric {metric!r}; use a scikit-learn scorer "
                         "name such as 'accuracy', 'f1', 'roc_auc' or 'average_precision'.")
    return get_scorer(metric)


def _splitter(cv: Any, seed: int):
    from sklearn.model_selection import StratifiedKFold

    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)):
        if not hasattr(cv, "get_n_splits"):
            raise TypeError(f"cv must be a number of folds or a splitter; got {cv!r}.")
        return cv
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds; got {cv!r}.")
    return StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)


def compare_models(models: Mapping[str, Any], X: Any, y: Any, *, cv: Any = 5,
                   scoring: Sequence[str] = DEFAULT_SCORING, seed: int = 0,
                   baselines: bool = True, progress: bool | None = None) -> pd.DataFrame:
    """Cross-validate candidate models and the naive baselines on the same folds.

    Parameters
    ----------
    models : dict of str to estimator
        Display name -> unfitted scikit-learn classifier (usually a pipeline with its
        preprocessor, so that each fold learns its own preprocessing).
    X : DataFrame or array-like
        Features.
    y : array-like
        Labels (at least two classes).
    cv : int or splitter, default=5
        Number of stratified, shuffled folds, or any scikit-learn splitter (for example
        ``TimeSeriesSplit`` for data ordered in time).
    scoring : sequence of str, default=("accuracy", "precision", "recall", "f1")
        scikit-learn scorer names. Precision, recall and F1 count 0 when they are undefined,
        e.g. for a model that never predicts the positive class (the toolkit's one rule).
    seed : int, default=0
        Shuffles the folds and seeds the random baselines.
    baselines : bool, default=True
        Add the dummy strategies of :func:`toolkit.baselines.dummy_models` as rows.
    progress : bool, optional
        Show a ``tqdm`` progress bar; by default only when there are more than 50 fits.

    Returns
    -------
    DataFrame
        One row per model, baselines first: ``model``, ``kind`` ("baseline" or "candidate"),
        ``<metric>_mean`` and ``<metric>_std`` (spread over the folds) for each metric, then
        ``fit_time`` and ``predict_time`` (mean seconds per fold).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> table = compare_models({"tree": DecisionTreeClassifier(max_depth=3, random_state=0)},
    ...                        X, y, cv=3, scoring=["accuracy"], baselines=False)
    >>> table.columns.tolist()
    ['model', 'kind', 'accuracy_mean', 'accuracy_std', 'fit_time', 'predict_time']
    >>> bool(table["accuracy_mean"].iloc[0] > 0.8)
    True
    """
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    check_mapping(models, "models", "name -> estimator")
    for name, model in models.items():
        if not hasattr(model, "fit"):
            raise TypeError(f"models[{name!r}] must be a scikit-learn estimator; got {model!r}.")
    scoring = check_names(scoring, "scoring", "metric names")
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be two-dimensional (rows x features); got shape {X.shape}.")
    labels = check_labels(y, "y", min_classes=2)
    check_same_length(X=X, y=labels)
    scorers = {metric: _scorer(metric) for metric in scoring}
    splitter = _splitter(cv, seed)

    candidates = [(name, model, "candidate") for name, model in models.items()]
    if baselines:
        from toolkit.baselines import dummy_models

        clash = sorted(set(models) & set(dummy_models(seed=seed)))
        if clash:
            raise ValueError(f"models uses the baseline name(s) {clash!r}; rename them.")
        candidates = [(n, m, "baseline") for n, m in dummy_models(seed=seed).items()] + candidates
    n_fits = len(candidates) * splitter.get_n_splits(X, labels)
    if progress if progress is not None else n_fits > PROGRESS_FITS:
        from tqdm.auto import tqdm

        candidates = tqdm(candidates, desc="cross-validating", unit="model")

    rows = []
    for name, model, kind in candidates:
        result = cross_validate(clone(model), X, labels, cv=splitter, scoring=scorers,
                                error_score="raise")
        row = {"model": name, "kind": kind}
        for metric in scoring:
            scores = result[f"test_{metric}"]
            row[f"{metric}_mean"] = scores.mean()
            row[f"{metric}_std"] = scores.std(ddof=1) if len(scores) > 1 else 0.0
        row["fit_time"] = result["fit_time"].mean()
        row["predict_time"] = result["score_time"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def plot_model_comparison(table: pd.DataFrame, metric: str | None = None, *, ax=None):
    """Bar chart of one metric from :func:`compare_models`, with the spread over the folds.

    Baselines are grey, candidates blue and the best candidate orange, so you see at a glance
    whether anything clearly beats the floor.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`compare_models`.
    metric : str, optional
        Which metric to show; default the first one in ``table``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"model": ["prior", "tree"], "kind": ["baseline", "candidate"],
    ...                       "f1_mean": [0.0, 0.6], "f1_std": [0.0, 0.05]})
    >>> ax = plot_model_comparison(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['prior', 'tree']
    """
    check_dataframe(table, "table")
    means = [c[: -len("_mean")] for c in table.columns if c.endswith("_mean")]
    if not means:
        raise ValueError("table has no '<metric>_mean' column; pass the output of compare_models.")
    metric = means[0] if metric is None else metric
    if metric not in means:
        raise ValueError(f"metric must be one of {means!r}; got {metric!r}.")
    check_columns(table, ["model", "kind", f"{metric}_std"], "table")
    ordered = table.sort_values(f"{metric}_mean", kind="stable").reset_index(drop=True)
    candidates = ordered[ordered["kind"] == "candidate"]
    best = candidates[f"{metric}_mean"].idxmax() if len(candidates) else None
    colors = [COLORS["highlight"] if i == best else
              COLORS["primary"] if kind == "candidate" else COLORS["muted"]
              for i, kind in enumerate(ordered["kind"])]
    ax = new_axes(ax, figsize=(7, 0.45 * len(ordered) + 1.3))
    ax.barh(range(len(ordered)), ordered[f"{metric}_mean"], xerr=ordered[f"{metric}_std"],
            color=colors, capsize=3, height=0.6)
    ax.set_yticks(range(len(ordered)), ordered["model"])
    for i, value in enumerate(ordered[f"{metric}_mean"]):
        ax.text(value + 0.01, i + 0.2, f"{value:.3f}", fontsize=9)
    ax.set(xlabel=f"{metric} (mean over the folds, bar = ± 1 std)", ylabel="model",
           title=f"Candidates against the baselines: {metric}")
    ax.set_xlim(0, max(1.0, float(ordered[f"{metric}_mean"].max()) + 0.1))
    return ax
