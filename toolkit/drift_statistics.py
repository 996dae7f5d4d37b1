"""The statistics of a drift report, one column at a time: the reference reduced once, batches compared.

A column is compared as **numbers** (numbers and dates) or as **labels** (categories, text,
booleans):

* numbers: the two-sample Kolmogorov-Smirnov statistic and p-value, the Wasserstein distance
  divided by the reference's standard deviation, and PSI and Jensen-Shannon distance over the
  reference's deciles;
* labels: chi-square on the table of level counts (rare levels pooled), and PSI and
  Jensen-Shannon distance over the levels.

Missing values are left out of the statistics and counted apart; so are infinities in numbers
(no distance can use them), which therefore count as missing. :class:`PreparedReference`
reduces each column of the reference once (its numbers sorted, its labels counted by level),
so that many batches can be compared with it cheaply; :mod:`toolkit.drift_rules` decides
with these statistics which columns drifted. :func:`chance_level` says how large an effect
size two samples of the same distribution show by chance alone.

>>> import pandas as pd
>>> ref = PreparedReference(pd.DataFrame({"x": [1.0, 2.0, float("inf")], "c": ["a", "b", None]}))
>>> ref.summaries["x"].n_missing, ref.summaries["c"].levels.tolist()
(1, ['a', 'b'])
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from toolkit._columns import column_kind, is_number
from toolkit._validation import check_columns, check_dataframe, check_positive_int

__all__ = [
    "CHI2_MIN_EXPECTED",
    "EFFECT_STATISTIC",
    "ID_MIN_LEVELS",
    "ID_UNIQUE_SHARE",
    "KS_EXACT_MAX_N",
    "MAX_THREADS",
    "PARALLEL_MIN_ROWS",
    "PSI_BINS",
    "PSI_EPSILON",
    "SMALL_BATCH_SHARE",
    "ColumnSummary",
    "PreparedReference",
    "ReferenceColumn",
    "chance_level",
    "check_pair",
    "chi_square",
    "column_group",
    "label_statistics",
    "map_columns",
    "names_rows",
    "numbers",
    "numeric_statistics",
    "pool_rare_levels",
    "psi",
    "row_codes",
    "summarise_batch",
    "summarise_reference",
]

#: PSI: shares below this are raised to it, so an empty bin gives a large but finite term.
PSI_EPSILON = 1e-4
#: PSI bins for numbers: the deciles of the reference (the outer bins are open-ended).
PSI_BINS = 10
#: The effect size that judges each group of columns: it is what calibration bands, too.
EFFECT_STATISTIC = {"numeric": "wasserstein", "labels": "jensen_shannon"}
#: scipy's KS p-value is exact up to this many values per sample, asymptotic above.
KS_EXACT_MAX_N = 10_000
#: Text columns take their first levels from this many first rows, then look each row up.
GUESS_ROWS = 1_000
#: A batch with fewer values than the reference over this is compared segment by segment.
SMALL_BATCH_SHARE = 16
#: Chi-square: levels expected to hold fewer rows than this in a side are pooled (Cochran).
CHI2_MIN_EXPECTED = 5
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
    values = series.to_numpy(dtype=float, na_value=np.nan)
    # np.where makes a copy, so the caller's frame is never written to.
    return np.where(np.isfinite(values), values, np.nan)


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


def _decile_edges(sorted_values: np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """np.quantile's default (linear) quantiles, read directly off the sorted values."""
    position = np.linspace(0, 1, bins + 1)[1:-1] * (len(sorted_values) - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(sorted_values) - 1)
    below, above = sorted_values[low], sorted_values[high]
    return np.unique(below + (above - below) * (position - low))


def _bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
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
            edges = _decile_edges(finite)
            return ReferenceColumn("numeric", n_rows, n_rows - finite.size, values=finite,
                                   kind=kind, edges=edges, bins=_bin_counts(finite, edges),
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
    return ColumnSummary("labels", len(codes), len(codes) - int(counts.sum()),
                         levels=reference.levels.append(new), counts=counts)


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


# --- statistics ------------------------------------------------------------------------------------
def _psi_terms(ref_share: np.ndarray, cur_share: np.ndarray) -> float:
    p = np.maximum(ref_share, PSI_EPSILON)
    q = np.maximum(cur_share, PSI_EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def _cdf_gaps(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both empirical CDFs at every distinct value of the two sorted samples: values and gaps.

    One stable argsort merges the two sorted runs; a cumulative count then gives each CDF, as
    ``scipy.stats.ks_2samp`` computes them.
    """
    n1, n2 = len(ref), len(cur)
    both = np.concatenate([ref, cur])
    order = np.argsort(both, kind="stable")
    values = both[order]
    del both
    in_ref = np.cumsum(order < n1, dtype=np.int32 if n1 + n2 < 2**31 else np.int64)
    del order
    in_cur = np.arange(1, n1 + n2 + 1)
    in_cur -= in_ref  # in place: these arrays are as long as both samples together
    ties = values[1:] == values[:-1]
    if ties.any():  # only the last of equal values holds the right counts
        last = np.append(~ties, True)
        in_ref, in_cur, values = in_ref[last], in_cur[last], values[last]
    gaps = in_ref / n1
    gaps -= in_cur / n2
    return values, np.abs(gaps, out=gaps)


def _ks_p_value(a: np.ndarray, b: np.ndarray, d: float) -> float:
    # scipy's 'auto' mode: exact up to KS_EXACT_MAX_N values (cheap there, so let scipy do it),
    # Smirnov's asymptotic distribution above, which is what scipy does too.
    if max(len(a), len(b)) <= KS_EXACT_MAX_N:
        with warnings.catch_warnings():  # scipy then uses the asymptotic value, as above
            warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful")
            return float(stats.ks_2samp(a, b).pvalue)
    m, n = sorted([float(len(a)), float(len(b))], reverse=True)
    return float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0, 1))


def _cdf_table(ref: ReferenceColumn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference's distinct values, its CDF at each, and the area under the CDF up to each."""
    if ref._cdf_table is None:
        a, n = ref.values, len(ref.values)
        if n > 1 and bool(np.any(a[1:] == a[:-1])):
            distinct, first = np.unique(a, return_index=True)
            cdf = np.r_[first[1:], n] / n
        else:
            distinct, cdf = a, np.arange(1, n + 1) / n
        area = np.empty(len(distinct))
        area[0] = 0.0
        np.cumsum(cdf[:-1] * np.diff(distinct), out=area[1:])
        ref._cdf_table = (distinct, cdf, area)
    return ref._cdf_table


def _small_batch_gaps(ref: ReferenceColumn, b: np.ndarray) -> tuple[float, float]:
    """KS statistic and unnormalised Wasserstein distance of a small sorted batch ``b``.

    The batch's CDF is flat between its own values, so both are read off the reference's CDF
    table segment by segment: two binary searches per batch value and prefix sums of the area
    under the reference's CDF, in time that grows with the batch, not the reference. Tested
    equal to ``scipy.stats.ks_2samp`` and ``wasserstein_distance``.
    """
    distinct, cdf, area = _cdf_table(ref)
    m, last = len(b), len(distinct) - 1
    if m > 1 and bool(np.any(b[1:] == b[:-1])):
        steps, first = np.unique(b, return_index=True)
        level = np.r_[first[1:], m] / m  # the batch's CDF from each of its distinct values on
    else:
        steps, level = b, np.arange(1, m + 1) / m
    # the reference at each step: its last distinct value at or below it, the CDF and area there
    at = np.searchsorted(distinct, steps, side="right") - 1
    k = np.clip(at, 0, None)
    cdf_at = np.where(at >= 0, cdf[k], 0.0)
    area_at = np.where(at >= 0, area[k] + cdf[k] * (steps - distinct[k]), 0.0)
    before = np.where((at >= 0) & (distinct[k] == steps), at - 1, at)  # last value below it
    cdf_before = np.where(before >= 0, cdf[np.clip(before, 0, None)], 0.0)
    d = max(float(np.max(np.abs(cdf_at - level))),
            float(np.max(np.abs(cdf_before - np.r_[0.0, level[:-1]]))))
    # between two steps the batch's CDF is c; the reference's crosses c once, at u
    c, a_lo, a_hi = level[:-1], area_at[:-1], area_at[1:]
    lo, hi = steps[:-1], steps[1:]
    cross = np.searchsorted(cdf, c, side="left")
    j = np.clip(cross, 0, last)
    raw = np.where(cross <= last, distinct[j], np.inf)
    a_u = np.where(raw <= lo, a_lo, np.where(raw >= hi, a_hi, area[j]))
    u = np.clip(raw, lo, hi)
    total = float(np.sum(c * (u - lo) - (a_u - a_lo) + (a_hi - a_u) - c * (hi - u)))
    total += float(area_at[0])  # before the batch's first value its CDF is 0
    if steps[-1] < distinct[-1]:  # after its last value, 1
        total += float(distinct[-1] - steps[-1] - (area[-1] - area_at[-1]))
    return d, total


def numeric_statistics(ref: ReferenceColumn, cur: ColumnSummary, *, p_value: bool) -> dict:
    """KS statistic (and p-value if asked), normalised Wasserstein, PSI and Jensen-Shannon.

    Both sides need at least one value. A batch much smaller than the reference is compared
    through the reference's CDF table (:func:`_small_batch_gaps`), which is built once and kept;
    otherwise the two sorted samples are merged (:func:`_cdf_gaps`).
    """
    a, b = ref.values, cur.values
    if len(b) * SMALL_BATCH_SHARE < len(a):
        d, total = _small_batch_gaps(ref, b)
    else:
        values, gaps = _cdf_gaps(a, b)
        d, total = float(gaps.max()), float(np.dot(gaps[:-1], np.diff(values)))
    p, q = ref.bins / len(a), _bin_counts(b, ref.edges) / len(b)
    out = {"statistic": d, "p_value": np.nan, "psi": _psi_terms(p, q),
           "jensen_shannon": _jensen_shannon(p, q), "wasserstein": total / ref.scale}
    if p_value:
        out["p_value"] = _ks_p_value(a, b, out["statistic"])
    return out


def pool_rare_levels(table: np.ndarray) -> np.ndarray:
    """The 2-row table of level counts with its rare levels pooled into one last column.

    Chi-square's p-value is right when every cell expects at least
    :data:`CHI2_MIN_EXPECTED` rows (Cochran's rule); with many levels and a small batch, rare
    levels expect less and the test cries wolf. Levels below it, if there are two or more, are
    counted together.

    >>> pool_rare_levels(np.array([[500, 300, 3, 2], [100, 60, 1, 0]])).tolist()
    [[500, 300, 5], [100, 60, 1]]
    """
    expected = table.sum(axis=0) * table.sum(axis=1).min() / table.sum()
    rare = expected < CHI2_MIN_EXPECTED
    if rare.sum() < 2 or rare.all():
        return table
    return np.column_stack([table[:, ~rare], table[:, rare].sum(axis=1)])


def chi_square(table: np.ndarray) -> tuple[float, float]:
    """Chi-square statistic and p-value of a table of counts, as ``scipy.stats.chi2_contingency``.

    The same sums without scipy's per-call checks (a drift report makes thousands of these
    calls): expected counts from the margins, Yates' continuity correction when the table has
    one degree of freedom, and the chi-square survival function. Tested equal to scipy.

    >>> statistic, p_value = chi_square(np.array([[10, 20, 30], [15, 15, 30]]))
    >>> round(statistic, 4), round(p_value, 4)
    (1.7143, 0.4244)
    """
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    if dof == 0:
        return 0.0, 1.0
    if dof == 1:  # Yates: move each count half a unit toward its expectation (no further)
        diff = expected - observed
        observed = observed + np.sign(diff) * np.minimum(0.5, np.abs(diff))
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return statistic, float(special.chdtrc(dof, statistic))


def _jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance in base 2, as ``scipy.spatial.distance.jensenshannon``."""
    mid = (p + q) / 2
    divergence = (special.rel_entr(p, mid).sum() + special.rel_entr(q, mid).sum()) / 2
    return math.sqrt(max(float(divergence), 0.0) / math.log(2))


def label_statistics(ref: ReferenceColumn, cur: ColumnSummary, *, p_value: bool = True) -> dict:
    """Chi-square statistic and p-value (if asked), PSI and Jensen-Shannon over the levels.

    The chi-square test runs on the table with rare levels pooled (:func:`pool_rare_levels`),
    and equals ``scipy.stats.chi2_contingency`` of that table (:func:`chi_square`).
    """
    r = np.zeros(len(cur.counts))
    r[:len(ref.counts)] = ref.counts
    keep = (r + cur.counts) > 0  # a level neither side holds is no column of the table
    table = np.array([r[keep], cur.counts[keep]], dtype=float)
    p, q = table[0] / table[0].sum(), table[1] / table[1].sum()
    out = {"statistic": np.nan, "p_value": np.nan, "psi": _psi_terms(p, q),
           "jensen_shannon": _jensen_shannon(p, q), "wasserstein": np.nan}
    if p_value:
        out["statistic"], out["p_value"] = chi_square(pool_rare_levels(table))
    return out


def chance_level(ref: ReferenceColumn, n_cur: int, n_levels: int | None = None) -> float:
    """The effect size two samples of one distribution show by chance alone (its expected value).

    For numbers, the normalised Wasserstein distance between samples of sizes ``n1`` and ``n2``
    is about ``sqrt(2/pi) * integral of sqrt(F(1 - F)) dx / std * sqrt(1/n1 + 1/n2)``, with ``F``
    the reference's CDF (each empirical CDF wanders around ``F`` with a normal error of
    variance ``F(1 - F) / n``). For labels, the
    squared Jensen-Shannon distance is about ``(L - 1) (1/n1 + 1/n2) / (8 ln 2)`` over ``L``
    levels: many levels and few rows make two healthy samples look far apart.

    Examples
    --------
    >>> ref = summarise_reference(pd.Series(list("abcd") * 250))
    >>> round(chance_level(ref, 1_000), 3)
    0.033
    """
    if ref.n == 0 or n_cur == 0:
        return float("nan")
    inverse = 1 / ref.n + 1 / n_cur
    if ref.group == "numeric":
        return ref.spread * math.sqrt(inverse)
    levels = ref.n_levels if n_levels is None else n_levels
    return math.sqrt(max(levels - 1, 0) * inverse / (8 * math.log(2)))


def psi(reference: Any, current: Any, *, bins: int = PSI_BINS) -> float:
    """Population stability index of numbers, over the deciles of the reference.

    The bin edges are the reference's quantiles (deciles by default); the outer bins are open,
    so values beyond the reference's range still count. Each bin adds
    ``(q - p) * ln(q / p)`` where ``p`` and ``q`` are the shares of reference and current values
    in it; shares below :data:`PSI_EPSILON` are raised to it, so an empty bin weighs a lot but
    stays finite. Missing and infinite values are left out. Rule of thumb: under 0.1 stable,
    over 0.25 a major shift.

    Parameters
    ----------
    reference, current : array-like of numbers
        The values to compare.
    bins : int, default=10
        Number of quantile bins of the reference.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If either input is not numeric (compare labels with ``drift_report``, which computes
        PSI over their levels).

    Examples
    --------
    >>> round(psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]), 3)
    4.346
    """
    check_positive_int(bins, "bins", minimum=2)
    arrays = []
    for name, values in (("reference", reference), ("current", current)):
        series = pd.Series(values)
        if column_group(series) != "numeric" or column_kind(series) == "datetime":
            raise TypeError(f"{name} must hold numbers for PSI by quantile bins; got dtype "
                            f"{series.dtype!s}. For labels, drift_report computes PSI over levels.")
        x = numbers(series)
        arr = np.sort(x[~np.isnan(x)])
        if arr.size == 0:
            raise ValueError(f"{name} has no values (all missing or empty); PSI needs some.")
        arrays.append(arr)
    a, b = arrays
    edges = _decile_edges(a, bins)
    return _psi_terms(_bin_counts(a, edges) / len(a), _bin_counts(b, edges) / len(b))

