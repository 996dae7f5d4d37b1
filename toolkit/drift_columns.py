"""What a drift report compares: each column reduced once, numbers sorted, labels counted.

A column is compared as **numbers** (numbers and dates) or as **labels** (categories, text,
booleans). Missing values are left out and counted apart; so are infinities in numbers (no
distance can use them), which therefore count as missing. :class:`PreparedReference` reduces
each column of the reference once (its numbers sorted, with their deciles; its labels counted by
level), so that many batches can be compared with it cheaply (:mod:`toolkit.drift_statistics`
computes the statistics, :mod:`toolkit.drift_rules` decides). Text is coded against the levels
already known (a hash lookup per row, half the cost of ``pandas.factorize``), and the columns of
a large frame are reduced on several threads.

>>> import pandas as pd
>>> ref = PreparedReference(pd.DataFrame({"x": [1.0, 2.0, float("inf")], "c": ["a", "b", None]}))
>>> ref.summaries["x"].n_missing, ref.summaries["c"].levels.tolist()
(1, ['a', 'b'])
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._columns import column_kind, is_number
from toolkit._validation import check_columns, check_dataframe

__all__ = [
    "GUESS_ROWS",
    "ID_MIN_LEVELS",
    "ID_UNIQUE_SHARE",
    "MAX_THREADS",
    "PARALLEL_MIN_ROWS",
    "PSI_BINS",
    "ColumnSummary",
    "PreparedReference",
    "ReferenceColumn",
    "bin_counts",
    "check_pair",
    "column_group",
    "decile_edges",
    "map_columns",
    "names_rows",
    "numbers",
    "row_codes",
    "summarise_batch",
    "summarise_reference",
]

#: PSI bins for numbers: the deciles of the reference (the outer bins are open-ended).
PSI_BINS = 10
#: Text columns take their first levels from this many first rows, then look each row up.
GUESS_ROWS = 1_000
#: A text column with more distinct values than this, nearly all different, names rows.
ID_MIN_LEVELS = 40
ID_UNIQUE_SHARE = 0.95


# --- what kind of column ------------------------------------------------------------------------
def column_group(series: pd.Series) -> str:
    """Which family of drift tests a column gets: ``"numeric"`` (numbers and dates) or ``"labels"``.

    >>> column_group(pd.Series([1.5, 2.0])), column_group(pd.Series(["a", "b"]))
    ('numeric', 'labels')
    """
    return "numeric" if is_number(series) or column_kind(series) == "datetime" else "labels"


def check_pair(reference: Any, current: Any, columns: Sequence[str] | None) -> list[str]:
    """The columns to compare, after checking that both frames hold them with the same kind.

    >>> check_pair(pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [2.0]}), None)
    ['x']
    """
    check_dataframe(reference, "reference")
    check_dataframe(current, "current")
    if columns is None:
        missing = [c for c in reference.columns if c not in current.columns]
        extra = [c for c in current.columns if c not in reference.columns]
        if missing or extra:
            raise ValueError(
                f"current must have the reference's columns; missing {missing!r}, extra "
                f"{extra!r}. Pass columns=[...] to compare only some.")
        columns = list(reference.columns)
    else:
        columns = check_columns(reference, columns, "columns")
        check_columns(current, columns, "columns")
    for name in columns:
        g_ref, g_cur = column_group(reference[name]), column_group(current[name])
        if g_ref != g_cur:
            raise TypeError(
                f"current column {name!r} holds {g_cur} (dtype {current[name].dtype!s}) but the "
                f"reference holds {g_ref} (dtype {reference[name].dtype!s}); convert one of them.")
    return columns


# --- one column reduced --------------------------------------------------------------------------
def numbers(series: pd.Series) -> np.ndarray:
    """A new float array of a number or date column, NaN where missing or infinite.

    Dates become days since 1970 (a time zone is converted to UTC first).

    >>> numbers(pd.Series([1, None, 3], dtype="Int64")).tolist()
    [1.0, nan, 3.0]
    """
    if column_kind(series) == "datetime":
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert(None)
        values = series.to_numpy(dtype="datetime64[s]").astype(np.int64) / 86_400.0
        values[series.isna().to_numpy()] = np.nan
        return values
    # copy=True: a new array, so the caller's frame is never written to (callers sort in place)
    values = series.to_numpy(dtype=float, na_value=np.nan, copy=True)
    infinite = np.isinf(values)
    if infinite.any():
        values[infinite] = np.nan
    return values


def _lookup_codes(values: pd.Series, levels: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Each value's position in ``levels`` (-1 where missing); values it lacks get new codes.

    A hash lookup per row among a few known levels costs about half of a full
    ``pandas.factorize``; only the rows not found (missing, or a new level) are factorized.
    """
    codes = levels.get_indexer(values)
    unknown = np.flatnonzero(codes < 0)
    if not len(unknown):
        return codes, pd.Index([], dtype=object)
    more, new = pd.factorize(values.iloc[unknown], use_na_sentinel=True)
    codes[unknown] = np.where(more >= 0, len(levels) + more, -1)
    return codes, pd.Index(new, dtype=object)


def _as_labels(series: pd.Series) -> pd.Series:
    # a constant number column is compared as one label: its values, infinities missing
    return pd.Series(numbers(series)) if column_group(series) == "numeric" else series


def _label_codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column of labels (-1 where missing) and the level of each code.

    The levels are in order of first appearance, as ``pandas.factorize`` gives them.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):  # the codes are already there: no hashing
        return series.cat.codes.to_numpy(), pd.Index(series.cat.categories, dtype=object)
    series = _as_labels(series)
    guess = pd.unique(series.iloc[:GUESS_ROWS].dropna())
    if len(guess) > GUESS_ROWS // 2:  # mostly distinct values: looking them up first wastes time
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return codes, pd.Index(uniques, dtype=object)
    # The first rows' levels come first in order of appearance; the levels they lack appear
    # later, and the factorize of the rows not found keeps their order: factorize's order.
    guess = pd.Index(guess, dtype=object)
    codes, more = _lookup_codes(series, guess)
    return codes, guess.append(more)


def row_codes(series: pd.Series, levels: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Each row's level as a position in ``levels`` (-1 where missing), and the new levels.

    A value ``levels`` does not hold gets a code after them: ``len(levels)`` for the first new
    level, and so on.

    >>> codes, new = row_codes(pd.Series(["b", None, "z", "b"]), pd.Index(["a", "b"]))
    >>> codes.tolist(), new.tolist()
    ([1, -1, 2, 1], ['z'])
    """
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return _lookup_codes(_as_labels(series), levels)
    codes, own = series.cat.codes.to_numpy(), pd.Index(series.cat.categories, dtype=object)
    position = levels.get_indexer(own)  # each category looked up once, not each row
    unseen = position < 0
    position[unseen] = len(levels) + np.arange(int(unseen.sum()))
    mapped = np.full(len(codes), -1, dtype=np.int64)
    present = codes >= 0
    mapped[present] = position[codes[present]]
    return mapped, own[unseen]


@dataclass
class ColumnSummary:
    """One column of one frame, reduced to what the statistics need.

    Attributes
    ----------
    group : {"numeric", "labels"}
        How the column is compared: as sorted numbers or as counts of levels.
    n_rows, n_missing : int
        Rows, and rows left out (missing, or an infinite number).
    values : numpy.ndarray or None
        Numbers: the finite values, sorted.
    levels : pandas.Index or None
        Labels: the levels; a batch's levels start with the reference's, in the same order.
    counts : numpy.ndarray or None
        Labels: the rows of each level.
    """

    group: str
    n_rows: int
    n_missing: int
    values: np.ndarray | None = None
    levels: pd.Index | None = None
    counts: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Rows with a value."""
        return self.n_rows - self.n_missing

    @property
    def missing_share(self) -> float:
        """Share of the rows left out (0 for an empty column)."""
        return self.n_missing / self.n_rows if self.n_rows else 0.0


@dataclass
class ReferenceColumn(ColumnSummary):
    """A :class:`ColumnSummary` of the reference, with what every comparison reuses.

    ``kind`` is what the column holds (``numeric`` or ``labels``): a constant number column
    holds numbers but is compared as one label (``group="labels"``). For numbers, ``edges`` and
    ``bins`` are the PSI deciles and the reference's count in each, ``scale`` its standard
    deviation and ``spread`` the constant of :func:`chance_level`.
    """

    kind: str = "labels"
    edges: np.ndarray | None = None
    _cdf_table: tuple | None = None  # distinct values, CDF and area below it, built on demand

    def cdf_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The distinct values, the CDF at each, and the area under the CDF up to each.

        Built on first use and kept: a small batch is compared through it
        (``drift_statistics.numeric_statistics``), so a reference checked against many small
        batches builds it once.
        """
        if self._cdf_table is None:
            a, n = self.values, len(self.values)
            if n > 1 and bool(np.any(a[1:] == a[:-1])):
                distinct, first = np.unique(a, return_index=True)
                cdf = np.r_[first[1:], n] / n
            else:
                distinct, cdf = a, np.arange(1, n + 1) / n
            area = np.empty(len(distinct))
            area[0] = 0.0
            np.cumsum(cdf[:-1] * np.diff(distinct), out=area[1:])
            self._cdf_table = (distinct, cdf, area)
        return self._cdf_table
    bins: np.ndarray | None = None
    scale: float = 1.0
    spread: float = 0.0
    n_levels: int = 0
    distinct_share: float = 0.0


def names_rows(ref: ColumnSummary) -> bool:
    """Whether a reference column is an identifier: labels with many levels, nearly all distinct.

    >>> names_rows(summarise_reference(pd.Series([f"C{i}" for i in range(100)])))
    True
    """
    return (isinstance(ref, ReferenceColumn) and ref.group == "labels"
            and ref.n_levels > ID_MIN_LEVELS and ref.distinct_share >= ID_UNIQUE_SHARE)


def _std(sorted_values: np.ndarray) -> float:
    """Standard deviation without overflow (values near 1e300 square to infinity)."""
    if sorted_values.size == 0:
        return 1.0
    big = max(abs(float(sorted_values[0])), abs(float(sorted_values[-1])))  # sorted: the ends
    if big == 0:
        return 1.0
    if big < 1e150:  # squares stay finite: no need to scale (and copy) the values first
        return float(np.std(sorted_values)) or 1.0
    return float(np.std(sorted_values / big)) * big or 1.0


def decile_edges(sorted_values: np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """The inner edges of ``bins`` quantile bins: np.quantile's default (linear) quantiles,
    read directly off the sorted values (equal edges merged).

    >>> decile_edges(np.arange(11.0), bins=2).tolist()
    [5.0]
    """
    position = np.linspace(0, 1, bins + 1)[1:-1] * (len(sorted_values) - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(sorted_values) - 1)
    below, above = sorted_values[low], sorted_values[high]
    return np.unique(below + (above - below) * (position - low))


def bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many sorted values fall in each bin the ``edges`` cut (outer bins open-ended).

    >>> bin_counts(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 3.0])).tolist()
    [1, 2, 1]
    """
    below = np.searchsorted(sorted_values, edges, side="right")
    return np.diff(np.concatenate([[0], below, [len(sorted_values)]]))


def _spread(sorted_values: np.ndarray, scale: float) -> float:
    """sqrt(2/pi) * integral of sqrt(F(1 - F)) dx / scale: see :func:`chance_level`."""
    n = len(sorted_values)
    if n < 2:
        return 0.0
    # F(1 - F) with F = k / n, the empirical CDF between consecutive values, is k (n - k) / n^2;
    # computed in one buffer, in place, since it is as long as the column
    weight = np.arange(1, n, dtype=float)
    weight *= n - weight
    np.sqrt(weight, out=weight)
    return math.sqrt(2 / math.pi) * float(np.dot(weight, np.diff(sorted_values))) / n / scale


def _sorted_finite(series: pd.Series) -> tuple[np.ndarray, int]:
    """The finite values sorted, and the number of rows: one sort, NaN (sorted last) cut off."""
    x = numbers(series)
    x.sort()  # numbers() returns a new array: sorting it in place copies nothing more
    return x[:np.searchsorted(x, np.nan)], len(x)  # NaN sort last, and searchsorted knows it


def summarise_reference(series: pd.Series) -> ReferenceColumn:
    """Reduce one reference column: sorted numbers with their deciles, or level counts."""
    kind = column_group(series)
    if kind == "numeric":
        finite, n_rows = _sorted_finite(series)
        if finite.size and finite[0] != finite[-1]:
            scale = _std(finite)
            edges = decile_edges(finite)
            return ReferenceColumn("numeric", n_rows, n_rows - finite.size, values=finite,
                                   kind=kind, edges=edges, bins=bin_counts(finite, edges),
                                   scale=scale, spread=_spread(finite, scale), n_levels=2)
    codes, levels = _label_codes(series)
    counts = np.bincount(codes[codes >= 0], minlength=len(levels))
    n = int(counts.sum())
    n_levels = int((counts > 0).sum())
    return ReferenceColumn("labels", len(codes), len(codes) - n, levels=levels, counts=counts,
                           kind=kind, n_levels=n_levels,
                           distinct_share=n_levels / n if n else 0.0)


def summarise_batch(series: pd.Series, reference: ReferenceColumn) -> ColumnSummary:
    """Reduce one column of a batch the way its ``reference`` column was reduced."""
    if reference.group == "numeric":
        finite, n_rows = _sorted_finite(series)
        return ColumnSummary("numeric", n_rows, n_rows - finite.size, values=finite)
    codes, new = row_codes(series, reference.levels)
    counts = np.bincount(codes[codes >= 0], minlength=len(reference.levels) + len(new))
    # Appending nothing is skipped: older pandas warns about empty entries in a concat.
    levels = reference.levels.append(new) if len(new) else reference.levels
    return ColumnSummary("labels", len(codes), len(codes) - int(counts.sum()),
                         levels=levels, counts=counts)


#: Frames with at least this many rows have their columns reduced on several threads
#: (NumPy's sorts and pandas' text hashing release the GIL); smaller ones are not worth it.
PARALLEL_MIN_ROWS = 100_000
#: At most this many threads: each holds a few copies of a column in memory at once.
MAX_THREADS = 4


def map_columns(function: Callable[[Any], Any], items: Sequence, *, rows: int,
                threaded: Callable[[Any], bool] | None = None) -> list:
    """``[function(item) for item in items]``, on up to :data:`MAX_THREADS` threads for big frames.

    The columns of a drift report are independent, so a machine's cores can share them: the
    results come back in order, each exactly what the loop gives. Only the items ``threaded``
    accepts go to the threads (numbers: NumPy's sorts release the GIL); the others (text:
    hashing Python strings holds it) run first, one after the other, because a thread that
    holds the GIL for a long call makes the others wait for it at every step.

    >>> map_columns(str.upper, ["a", "b"], rows=10)
    ['A', 'B']
    """
    workers = min(len(items), os.cpu_count() or 1, MAX_THREADS)
    if rows < PARALLEL_MIN_ROWS or workers < 2:
        return [function(item) for item in items]
    on_threads = [threaded is None or threaded(item) for item in items]
    results = {i: function(item) for i, (item, t) in enumerate(zip(items, on_threads,
                                                                   strict=True)) if not t}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(function, item)
                   for i, (item, t) in enumerate(zip(items, on_threads, strict=True)) if t}
        results.update((i, future.result()) for i, future in futures.items())
    return [results[i] for i in range(len(items))]


class PreparedReference:
    """The reference reduced once per column, so that many batches are compared cheaply.

    Parameters
    ----------
    reference : pandas.DataFrame
        The healthy data.
    columns : list of str, optional
        The columns to reduce (default: all).

    Attributes
    ----------
    summaries : dict of str to ReferenceColumn
        One reduced column per name.

    Examples
    --------
    >>> prepared = PreparedReference(pd.DataFrame({"x": [3.0, 1.0, 2.0]}))
    >>> prepared.summaries["x"].values.tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(self, reference: pd.DataFrame, columns: Sequence[str] | None = None):
        check_dataframe(reference, "reference")
        self.columns = list(reference.columns) if columns is None else check_columns(
            reference, columns, "columns")
        reduced = map_columns(lambda name: summarise_reference(reference[name]), self.columns,
                              rows=len(reference),
                              threaded=lambda name: column_group(reference[name]) == "numeric")
        self.summaries: dict[str, ReferenceColumn] = dict(zip(self.columns, reduced, strict=True))
