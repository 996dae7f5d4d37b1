"""Weak slices: search every combination of columns for big slices with many errors.

:func:`toolkit.slices.error_slices` answers "how does *this* column split the errors?"; when
you do not know which column to ask about, :func:`find_weak_slices` asks them all, and their
pairs (or triples). Each column is binned once with :func:`toolkit.slices.bin_column`, so every
slice's size and errors come from one ``np.bincount`` per combination, and the slices are
ranked by the SliceLine score, which trades a slice's error lift against its size.
:mod:`toolkit.error_analysis` re-exports it.

>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"a": rng.integers(0, 3, 2000), "b": rng.integers(0, 3, 2000)})
>>> wrong_only_there = ((X["a"] == 2) & (X["b"] == 0)).astype(int).to_numpy()
>>> find_weak_slices(X, np.zeros(2000, dtype=int), wrong_only_there, top_k=1)["slice"].tolist()
['a = 2 & b = 0']
"""

from __future__ import annotations

from itertools import combinations
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import check_dataframe, check_positive_int, check_probability, check_same_length
from toolkit.slices import bin_column, prediction_errors

__all__ = ["SEARCH_BINS", "find_weak_slices"]

#: Number of bins per column in :func:`find_weak_slices` (quantiles, or the most frequent values).
SEARCH_BINS = 10


def find_weak_slices(X: pd.DataFrame, y_true: Any, y_pred: Any, *, max_features: int = 2,
                     min_support: float = 0.01, top_k: int = 10, bins: int = SEARCH_BINS,
                     alpha: float = 0.99) -> pd.DataFrame:
    """Search every slice of up to ``max_features`` columns for big slices with many errors.

    Each column is cut into at most ``bins`` bins and coded as integers, so the size and the
    errors of every slice of a combination of columns come from one ``np.bincount``: no loop
    over rows or slices. Slices smaller than ``min_support`` are dropped; the rest are ranked by
    the SliceLine score (Sagadeeva & Boehm, 2021), which trades the slice's lift against its
    size::

        score = alpha * (lift - 1) - (1 - alpha) * (n_rows / size - 1)

    A score above 0 means the slice is both worse than average and big enough to matter: with
    the default ``alpha=0.99``, a slice of 1 % of the rows needs twice the average error rate,
    a slice of 10 % needs 9 % more errors than average.

    Parameters
    ----------
    X : DataFrame
        The features of the predicted rows (any dtypes; text is pooled into its most
        frequent values).
    y_true, y_pred : array-like
        True and predicted labels, in the order of ``X``'s rows.
    max_features : int, default=2
        Largest number of conditions in a slice (1 = single columns, 2 = pairs, 3 = triples).
    min_support : float or int, default=0.01
        Smallest slice kept: a fraction of the rows if below 1, else a number of rows.
    top_k : int, default=10
        How many slices to return.
    bins : int, default=10
        Bins per column.
    alpha : float, default=0.99
        Weight of the error lift against the size (between 0 and 1; 1 ignores size, lower
        values favour bigger slices).

    Returns
    -------
    DataFrame
        The ``top_k`` best slices, best first: ``slice`` (the conditions), ``n_features``,
        ``size``, ``share``, ``errors``, ``error_rate``, ``lift`` and ``score``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.integers(0, 3, 2000), "b": rng.integers(0, 3, 2000)})
    >>> y_true = np.zeros(2000, dtype=int)
    >>> y_pred = ((X["a"] == 2) & (X["b"] == 0)).astype(int).to_numpy()  # wrong only there
    >>> find_weak_slices(X, y_true, y_pred, top_k=1)["slice"].tolist()
    ['a = 2 & b = 0']
    """
    check_dataframe(X, "X")
    errors = prediction_errors(y_true, y_pred)
    n = check_same_length(X=X, y_true=errors)
    check_positive_int(max_features, "max_features")
    check_positive_int(top_k, "top_k")
    check_positive_int(bins, "bins", minimum=2)
    check_probability(alpha, "alpha")
    support = _min_rows(min_support, n)
    if errors.sum() == 0:
        raise ValueError("y_pred has no errors: there is no weak slice to find.")

    coded = [bin_column(X[name], bins) for name in X.columns]
    # Codes in the smallest integer type, once: the search then combines bytes, not int64s.
    small = [codes.astype(np.min_scalar_type(len(labels))) for codes, labels in coded]
    overall = errors.mean()
    wrong_rows = np.flatnonzero(errors)  # errors are few: count them on their own rows only
    found = []  # (columns, cell shape, cells kept, sizes, errors) per combination
    for k in range(1, min(max_features, X.shape[1]) + 1):
        for combo in combinations(range(X.shape[1]), k):
            shape = [len(coded[j][1]) for j in combo]
            cell = _cells([small[j] for j in combo], shape)
            size = np.bincount(cell, minlength=int(np.prod(shape)))
            keep = np.flatnonzero(size >= support)
            if len(keep):
                wrong = np.bincount(cell[wrong_rows], minlength=len(size))[keep]
                found.append((combo, shape, keep, size[keep], wrong))
    if not found:
        raise ValueError(f"no slice has at least min_support={min_support!r} rows; lower it.")

    sizes = np.concatenate([f[3] for f in found])
    wrong = np.concatenate([f[4] for f in found])
    lift = wrong / sizes / overall
    score = alpha * (lift - 1) - (1 - alpha) * (n / sizes - 1)
    owner = np.repeat(np.arange(len(found)), [len(f[2]) for f in found])
    position = np.concatenate([f[2] for f in found])
    best = np.argsort(-score, kind="stable")[:top_k]

    names = []
    for i in best:
        combo, shape, *_ = found[owner[i]]
        codes = np.unravel_index(position[i], shape)
        names.append(" & ".join(f"{X.columns[j]} = {coded[j][1][c]}"
                                for j, c in zip(combo, codes, strict=True)))
    return pd.DataFrame({
        "slice": names,
        "n_features": [len(found[owner[i]][0]) for i in best],
        "size": sizes[best],
        "share": sizes[best] / n,
        "errors": wrong[best].astype(np.int64),
        "error_rate": wrong[best] / sizes[best],
        "lift": lift[best],
        "score": score[best],
    })


def _cells(codes: list[np.ndarray], shape: list[int]) -> np.ndarray:
    """Each row's cell in the grid of ``shape`` (row-major), in the smallest integer type."""
    dtype = np.min_scalar_type(int(np.prod(shape)) - 1)
    cell = codes[0].astype(dtype)  # always a copy: the cell is built in place
    for column, width in zip(codes[1:], shape[1:], strict=True):
        cell *= dtype.type(width)
        cell += column.astype(dtype, copy=False)
    return cell


def _min_rows(min_support: Any, n: int) -> int:
    if isinstance(min_support, bool) or not isinstance(min_support, Real):
        raise TypeError(f"min_support must be a fraction or a number of rows; got {min_support!r}.")
    if not np.isfinite(min_support) or min_support <= 0:
        raise ValueError(f"min_support must be positive; got {min_support!r}.")
    rows = int(np.ceil(min_support * n)) if min_support < 1 else int(min_support)
    if rows > n:
        raise ValueError(
            f"min_support={min_support!r} asks for slices of at least {rows} rows, "
            f"but the data has only {n} rows.")
    return rows
