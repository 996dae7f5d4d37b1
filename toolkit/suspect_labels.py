"""Suspect labels: rows whose given label a cross-validated model finds unlikely.

A model trained on labels with mistakes still learns the pattern most labels follow, so where
it confidently disagrees with a row's label, that label deserves a human look.
:func:`find_suspect_labels` ranks the rows that way (the idea behind *confident learning*), and
when the answer is known (a simulated case study, or a sample an expert re-labelled),
:func:`precision_at_k` and :func:`plot_precision_at_k` check how many of the top-ranked rows
really are wrong. :mod:`toolkit.labels` re-exports all three.

>>> import pandas as pd
>>> truth = pd.Series([False, True, False, True, False, False, False, False])
>>> precision_at_k([1, 3, 0, 2], truth, k=[2])[["k", "precision", "lift"]]
   k  precision  lift
0  2        1.0   4.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_names,
    check_positive_int,
    check_same_length,
    check_seed,
)
from toolkit.plotting import COLORS, new_axes

__all__ = ["find_suspect_labels", "plot_precision_at_k", "precision_at_k"]


def _check_no_empty_column(X: pd.DataFrame) -> None:
    # The same message as toolkit.labels' check of features and annotations.
    empty = [c for c in X.columns if X[c].isna().all()]
    if empty:
        raise ValueError(f"X column(s) {empty!r} contain only missing values; "
                         "they carry no information, so drop them first.")


def find_suspect_labels(X: pd.DataFrame, y: Any, estimator: Any, cv: int = 5,
                        seed: int = 0) -> pd.DataFrame:
    """Rank rows by how unlikely a cross-validated model finds their given label.

    The idea behind *confident learning* (Northcutt, Jiang & Chuang, 2021), in three steps:

    1. Each row gets predicted probabilities from a model that never saw that row in
       training (``cross_val_predict`` over a seeded, stratified K-fold), so the model
       cannot simply have memorised the row's label.
    2. For each class, the model's *typical* confidence is the mean probability it gives that
       class on the rows labelled with it: the class's threshold. A rare class usually has a
       low threshold, so comparing every row with its own class's threshold is fairer than
       comparing raw probabilities.
    3. A row is ``suspect`` when the model is more confident than usual in some *other*
       class, and that class beats the given label (among the classes above their
       thresholds, the most probable one is not the given label). ``label_quality`` is the
       probability of the given label divided by its class's threshold: below 1, the model
       believes this label less than it usually does.

    All rows are returned, suspects first, each group ordered by ``label_quality`` from
    lowest up: the top of the table is where a human should look first.

    Parameters
    ----------
    X : DataFrame or 2-D array
        The features (without the label).
    y : array-like
        The given labels, same length as ``X`` and matched to it by position (not by index);
        no missing values, at least two classes.
    estimator : scikit-learn classifier or pipeline
        Anything with ``fit`` and ``predict_proba``; it is cloned, never fitted in place.
    cv : int, default=5
        Number of folds; each class needs at least ``cv`` rows.
    seed : int, default=0
        Seeds the fold shuffling, so the ranking is reproducible.

    Returns
    -------
    DataFrame
        Indexed like ``X``, most suspect rows first: ``given`` (the label), ``p_given``,
        ``label_quality``, ``predicted`` (most likely class), ``p_predicted``, ``suspect``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.arange(40, dtype=float).reshape(-1, 1)
    >>> y = (X[:, 0] >= 20).astype(int)
    >>> y[3] = 1  # a planted mistake: a small value labelled 1
    >>> ranked = find_suspect_labels(X, y, LogisticRegression(), cv=4)
    >>> ranked[["given", "predicted", "suspect"]].head(2)
        given  predicted  suspect
    3       1          0     True
    19      0          1    False
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    if isinstance(X, pd.DataFrame):
        X = check_dataframe(X, "X")
        _check_no_empty_column(X)
        index = X.index
    else:
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
            raise TypeError(f"X must be a DataFrame or a 2-D array; got {type(X).__name__}.")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a non-empty 2-D array; got shape {X.shape}.")
        index = pd.RangeIndex(len(X))
    y = check_labels(y, "y", min_classes=2)
    check_same_length(X=X, y=y)
    cv = check_positive_int(cv, "cv", minimum=2)
    seed = check_seed(seed)
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")):
        raise TypeError(
            "estimator must be a classifier with fit and predict_proba; "
            f"got {type(estimator).__name__}."
        )
    smallest = y.value_counts()
    if smallest.min() < cv:
        raise ValueError(
            f"y class {smallest.idxmin()!r} has only {smallest.min()} row(s); "
            f"each class needs at least cv={cv} for stratified folds."
        )

    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    y_values = y.to_numpy()
    # One BLAS thread: on data this small, extra threads spend more time waiting than working.
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            proba = cross_val_predict(clone(estimator), X, y_values, cv=folds,
                                      method="predict_proba")
        except (ValueError, TypeError) as error:  # scikit-learn's own words name no argument
            raise ValueError(f"estimator could not be fitted on X and y ({error}); check that X "
                             "holds only columns the estimator can use (numbers, or a "
                             "pipeline that encodes the others).") from error
    classes = np.sort(pd.unique(y_values))  # cross_val_predict orders columns like this
    given = np.searchsorted(classes, y_values)
    rows = np.arange(len(y_values))
    p_given = proba[rows, given]

    # Per-class threshold: the mean confidence in class j among rows labelled j.
    thresholds = np.array([proba[given == j, j].mean() for j in range(len(classes))])
    above = proba > thresholds
    best = np.where(above, proba, -1.0).argmax(axis=1)
    suspect = above.any(axis=1) & (best != given)
    out = pd.DataFrame({
        "given": y_values,
        "p_given": p_given,
        "label_quality": p_given / thresholds[given],
        "predicted": classes[proba.argmax(axis=1)],
        "p_predicted": proba.max(axis=1),
        "suspect": suspect,
    }, index=index)
    return out.sort_values(["suspect", "label_quality"], ascending=[False, True], kind="stable")


def precision_at_k(ranking: pd.DataFrame | pd.Index | Sequence, is_wrong: pd.Series,
                   k: Sequence[int] = (50, 100, 200)) -> pd.DataFrame:
    """How many of the top-k flagged rows really are wrong, compared with the base rate.

    Use it when you know the answer (a simulated case study, or a sample an expert
    re-labelled): a ranking is useful if its top rows are wrong much more often than a row
    picked at random, i.e. if ``lift = precision / base_rate`` is well above 1.

    Parameters
    ----------
    ranking : DataFrame, Index or list
        Row labels, most suspect first (e.g. the result of :func:`find_suspect_labels`).
    is_wrong : Series of bool
        The truth for every row, indexed like the data the ranking came from.
    k : list of int, default=(50, 100, 200)
        How many top rows to check.

    Returns
    -------
    DataFrame
        One row per k: ``k``, ``wrong`` (count among the top k), ``precision``,
        ``base_rate`` (share of wrong labels overall) and ``lift``.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.Series([False, True, False, True, False, False, False, False])
    >>> precision_at_k([1, 3, 0, 2], truth, k=[2, 4])
       k  wrong  precision  base_rate  lift
    0  2      2        1.0       0.25   4.0
    1  4      2        0.5       0.25   2.0
    """
    order = ranking.index if isinstance(ranking, pd.DataFrame) else pd.Index(ranking)
    if not isinstance(is_wrong, pd.Series):
        raise TypeError(f"is_wrong must be a boolean Series; got {type(is_wrong).__name__}.")
    is_wrong = check_labels(is_wrong, "is_wrong").astype(bool)
    unknown = order.difference(is_wrong.index)
    if len(unknown):
        raise ValueError(
            f"ranking has {len(unknown)} row label(s) not in is_wrong's index, "
            f"e.g. {unknown[0]!r}; both must come from the same data."
        )
    ks = [check_positive_int(value, "k") for value in check_names(k, "k", "cut-offs such as [50, 100]")]
    if max(ks) > len(order):
        raise ValueError(f"k must be at most the ranking's length {len(order)}; got {max(ks)}.")
    base = float(is_wrong.mean())
    rows = []
    for value in ks:
        wrong = int(is_wrong.loc[order[:value]].sum())
        precision = wrong / value
        rows.append({"k": value, "wrong": wrong, "precision": precision, "base_rate": base,
                     "lift": precision / base if base else float("nan")})
    return pd.DataFrame(rows)


def plot_precision_at_k(table: pd.DataFrame, ax=None):
    """Bar chart of :func:`precision_at_k`: precision of the top k against the base rate.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.Series([False, True, False, True, False, False, False, False])
    >>> ax = plot_precision_at_k(precision_at_k([1, 3, 0, 2], truth, k=[2, 4]))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['top 2', 'top 4']
    """
    table = check_dataframe(table, "table")
    check_columns(table, ["k", "precision", "base_rate"], "table")
    ax = new_axes(ax, figsize=(5.5, 3.5))
    names = [f"top {k}" for k in table["k"]]
    bars = ax.bar(names, table["precision"], color=COLORS["primary"], width=0.6,
                  label="share of flagged labels that are wrong")
    ax.bar_label(bars, labels=[f"{p:.0%}" for p in table["precision"]], padding=3)
    base = float(table["base_rate"].iloc[0])
    ax.axhline(base, color=COLORS["bad"], linestyle="--",
               label=f"base rate: {base:.1%} of all labels are wrong")
    ax.set_ylim(0, max(table["precision"].max(), base) * 1.3)
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    ax.set_xlabel("flagged labels checked, most suspect first")
    ax.set_ylabel("precision: share that are wrong")
    ax.set_title("Are the flagged labels really wrong?")
    ax.legend(loc="upper right")
    return ax
