"""Validation in time order: train on the months before, validate on the months after.

A model that goes to production predicts months it has never seen, so its validation should do
the same: :class:`MonthSplit` is a scikit-learn splitter that never lets a fold learn from the
future, and :func:`out_of_fold_proba` scores each validated row with a model that never saw it.
:mod:`toolkit.modeling` re-exports both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    check_columns,
    check_complete_dates,
    check_dataframe,
    check_labels,
    check_positive_int,
    check_same_length,
)

__all__ = ["MonthSplit", "out_of_fold_proba"]


class MonthSplit:
    """Month-ordered validation: train on the months before, validate on the next ones.

    A scikit-learn splitter (use it as ``cv=`` in ``cross_validate``, ``GridSearchCV``,
    :func:`compare_models`...). The last ``n_splits * months_per_split`` months are cut into
    ``n_splits`` consecutive blocks; each block is validated by a model trained on every
    earlier month (an expanding window), so no fold ever learns from the future.

    Parameters
    ----------
    n_splits : int, default=3
        Number of validation blocks.
    months_per_split : int, default=1
        Months in each validation block.
    column : str, default="month"
        The column of ``X`` holding each row's date.

    Examples
    --------
    >>> X = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
    ...                                             "2024-03-01"])})
    >>> [(train.tolist(), valid.tolist()) for train, valid in MonthSplit(2).split(X)]
    [([0], [1]), ([0, 1], [2, 3])]
    """

    def __init__(self, n_splits: int = 3, months_per_split: int = 1, column: str = "month"):
        self.n_splits = check_positive_int(n_splits, "n_splits")
        self.months_per_split = check_positive_int(months_per_split, "months_per_split")
        if not isinstance(column, str):
            raise TypeError(f"column must be a column name (str); got {column!r}.")
        self.column = column

    def __repr__(self) -> str:
        return (f"MonthSplit(n_splits={self.n_splits}, months_per_split={self.months_per_split}, "
                f"column={self.column!r})")

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of validation blocks."""
        return self.n_splits

    def split(self, X: pd.DataFrame, y: Any = None, groups: Any = None):
        """Yield ``(train_rows, validation_rows)`` position arrays, oldest block first."""
        check_dataframe(X, "X")
        check_columns(X, self.column, "column")
        dates = check_complete_dates(X[self.column], f"X[{self.column!r}] (column)")
        months = dates.dt.to_period("M").to_numpy()
        unique = np.sort(pd.unique(months))
        needed = self.n_splits * self.months_per_split + 1
        if len(unique) < needed:
            raise ValueError(f"n_splits={self.n_splits} blocks of months_per_split="
                             f"{self.months_per_split} need at least {needed} months in "
                             f"X[{self.column!r}]; got {len(unique)}.")
        for k in range(self.n_splits, 0, -1):
            start = len(unique) - k * self.months_per_split
            block = unique[start:start + self.months_per_split]
            yield (np.flatnonzero(months < block[0]),
                   np.flatnonzero(np.isin(months, block)))


def out_of_fold_proba(model: Any, X: pd.DataFrame, y: Any, cv: Any) -> pd.Series:
    """Probability of class 1 for every validated row, each from a model that never saw it.

    Unlike ``cross_val_predict``, the folds need not cover every row: with :class:`MonthSplit`
    the first months only ever train, so only the validation months get a prediction.

    Parameters
    ----------
    model : estimator
        An unfitted classifier with ``predict_proba`` (cloned for each fold).
    X : DataFrame
        Features.
    y : array-like
        Labels, same length as ``X``.
    cv : splitter
        Anything with ``split(X, y)``, e.g. ``MonthSplit(3)``.

    Returns
    -------
    Series
        Indexed like the validated rows of ``X``, in the order of the folds.

    Examples
    --------
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> X = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 4 + ["2024-02-01"] * 2),
    ...                   "x": [0, 1, 0, 1, 0, 1]})
    >>> model = make_pipeline(make_column_transformer(("passthrough", ["x"])),
    ...                       LogisticRegression())
    >>> out_of_fold_proba(model, X, [0, 1, 0, 1, 0, 1], MonthSplit(1)).index.tolist()
    [4, 5]
    """
    from sklearn.base import clone

    X = check_dataframe(X, "X")
    labels = check_labels(y, "y", min_classes=2)
    check_same_length(X=X, y=labels)
    if isinstance(cv, (str, bytes)) or not hasattr(cv, "split"):
        raise TypeError(f"cv must be a splitter with a split(X, y) method; got {cv!r}.")
    parts = []
    for train_rows, valid_rows in cv.split(X, labels):
        try:
            fitted = clone(model).fit(X.iloc[train_rows], labels.iloc[train_rows])
            proba = fitted.predict_proba(X.iloc[valid_rows])[:, 1]
        except (TypeError, ValueError) as error:  # scikit-learn's message names no argument
            raise type(error)(f"model failed on a fold of X and y: {error}") from error
        parts.append(pd.Series(proba, index=X.index[valid_rows]))
    return pd.concat(parts)
