"""The statistics of a drift report, one column at a time, on columns reduced once.

* numbers: the two-sample Kolmogorov-Smirnov statistic and p-value, the Wasserstein distance
  divided by the reference's standard deviation, and PSI and Jensen-Shannon distance over the
  reference's deciles;
* labels: chi-square on the table of level counts (rare levels pooled), and PSI and
  Jensen-Shannon distance over the levels;
* :func:`chance_level`: how large an effect size two samples of the same distribution show by
  chance alone, which the rule table (:mod:`toolkit.drift_rules`) weighs.

Each equals scipy's (``ks_2samp``, ``wasserstein_distance``, ``chi2_contingency``,
``jensenshannon``; the tests check it), computed on the reduced columns of
:mod:`toolkit.drift_columns` without scipy's per-call overhead where it counts.

>>> import pandas as pd
>>> from toolkit.drift_columns import summarise_batch, summarise_reference
>>> ref = summarise_reference(pd.Series([1.0, 2.0, 3.0, 4.0]))
>>> numeric_statistics(ref, summarise_batch(pd.Series([3.0, 4.0, 5.0]), ref), p_value=False)["statistic"]
0.5
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import special, stats

from toolkit._columns import column_kind
from toolkit._validation import check_one_dimensional, check_positive_int
from toolkit.drift_columns import (
    PSI_BINS,
    ColumnSummary,
    ReferenceColumn,
    bin_counts,
    column_group,
    decile_edges,
    numbers,
)

__all__ = [
    "CHI2_MIN_EXPECTED",
    "EFFECT_STATISTIC",
    "KS_EXACT_MAX_N",
    "PSI_EPSILON",
    "SMALL_BATCH_SHARE",
    "chance_level",
    "chi_square",
    "label_statistics",
    "numeric_statistics",
    "pool_rare_levels",
    "psi",
]

#: PSI: shares below this are raised to it, so an empty bin gives a large but finite term.
PSI_EPSILON = 1e-4
#: The effect size that judges each group of columns: it is what calibration bands, too.
EFFECT_STATISTIC = {"numeric": "wasserstein", "labels": "jensen_shannon"}
#: scipy's KS p-value is exact up to this many values per sample, asymptotic above.
KS_EXACT_MAX_N = 10_000
#: A batch with fewer values than the reference over this is compared segment by segment.
SMALL_BATCH_SHARE = 16
#: Chi-square: levels expected to hold fewer rows than this in a side are pooled (Cochran).
CHI2_MIN_EXPECTED = 5


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
    ties = values[1:] == values[:-1]
    if ties.any():  # only the last of equal values holds the right counts
        last = np.flatnonzero(np.append(~ties, True))
        in_ref, values = in_ref[last], values[last]
        seen = last + 1.0  # values of both samples up to here
    else:
        seen = np.arange(1.0, n1 + n2 + 1)
    gaps = in_ref / n1
    seen -= in_ref  # in place from here: these arrays are as long as both samples together
    seen /= n2  # the current sample's CDF
    gaps -= seen
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


def _small_batch_gaps(ref: ReferenceColumn, b: np.ndarray) -> tuple[float, float]:
    """KS statistic and unnormalised Wasserstein distance of a small sorted batch ``b``.

    The batch's CDF is flat between its own values, so both are read off the reference's CDF
    table segment by segment: two binary searches per batch value and prefix sums of the area
    under the reference's CDF, in time that grows with the batch, not the reference. Tested
    equal to ``scipy.stats.ks_2samp`` and ``wasserstein_distance``.
    """
    distinct, cdf, area = ref.cdf_table()
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
    p, q = ref.bins / len(a), bin_counts(b, ref.edges) / len(b)
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
    >>> import pandas as pd
    >>> from toolkit.drift_columns import summarise_reference
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
        series = check_one_dimensional(values, name)
        if column_group(series) != "numeric" or column_kind(series) == "datetime":
            raise TypeError(f"{name} must hold numbers for PSI by quantile bins; got dtype "
                            f"{series.dtype!s}. For labels, drift_report computes PSI over levels.")
        x = numbers(series)
        arr = np.sort(x[~np.isnan(x)])
        if arr.size == 0:
            raise ValueError(f"{name} has no values (all missing or empty); PSI needs some.")
        arrays.append(arr)
    a, b = arrays
    edges = decile_edges(a, bins)
    return _psi_terms(bin_counts(a, edges) / len(a), bin_counts(b, edges) / len(b))
