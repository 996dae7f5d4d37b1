"""Slices: the error rate of each group of rows, because an overall rate hides where errors are.

A model at 15 % error can be at 5 % in the North and 40 % in the South. :func:`error_slices`
cuts the rows by one column, or two crossed (South & Basic, ...), and gives each slice its error
rate with a Wilson interval, its share of all errors and its lift over the average;
:func:`plot_slices` draws that table. :func:`bin_column` is how a column becomes slices (numbers
cut at quantiles, codes and labels value by value, missing values apart); the automatic search
over every combination of columns, :func:`toolkit.weak_slices.find_weak_slices`, uses it too.
:mod:`toolkit.error_analysis` re-exports the public names.

>>> df = pd.DataFrame({"region": ["North", "North", "South", "South"]})
>>> error_slices(df, [0, 1, 0, 1], [0, 1, 1, 0], by="region", min_size=1)[["slice", "error_rate"]]
            slice  error_rate
0  region = North         0.0
1  region = South         1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit._shared import MAX_CODE_LEVELS
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_positive_int,
    check_probability,
    check_same_label_kind,
    check_same_length,
)
from toolkit.plotting import COLORS, new_axes

__all__ = ["MISSING", "OTHER", "SLICE_BINS", "SLICE_LEVELS", "bin_column", "error_slices",
           "plot_slices", "prediction_errors"]

#: Number of quantile bins for a numeric column in :func:`error_slices`.
SLICE_BINS = 4
#: Most levels shown for a categorical or text column in :func:`error_slices` (the rest: "other").
SLICE_LEVELS = 20
#: The label of the slice of missing values.
MISSING = "missing"
#: The label of the slice pooling the less frequent values.
OTHER = "other"


def _fmt(value: Any) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value)


def bin_column(column: pd.Series, n_bins: int,
               max_levels: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Integer codes 0..k-1 for each row, and the label of each code: how a column is sliced.

    Numeric (and date) columns with more than ``n_bins`` distinct values are cut at their
    quantiles, except whole-number codes (at most ``MAX_CODE_LEVELS`` values, the rule
    :mod:`toolkit.features` uses): those, and anything else, keep their ``max_levels - 1``
    most frequent values (default ``n_bins``) and pool the rest as "other". Missing values get
    a bin of their own, because they often behave differently.

    Examples
    --------
    >>> codes, labels = bin_column(pd.Series(["a", "a", "b", None]), n_bins=4)
    >>> codes.tolist(), labels
    ([0, 0, 1, 2], ['a', 'b', 'missing'])
    """
    if not isinstance(column, pd.Series):
        raise TypeError(f"column must be a pandas Series; got {type(column).__name__}.")
    n_bins = check_positive_int(n_bins, "n_bins", minimum=2)
    max_levels = n_bins if max_levels is None else check_positive_int(max_levels, "max_levels")
    missing = column.isna().to_numpy()
    is_date = pd.api.types.is_datetime64_any_dtype(column)
    numeric = (is_date or pd.api.types.is_numeric_dtype(column)) and not (
        pd.api.types.is_bool_dtype(column))
    if numeric and _more_distinct_than(column, n_bins) and not _is_code(column, is_date):
        if is_date:
            as_float = column.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
            as_float[missing] = np.nan
        else:
            as_float = column.to_numpy(dtype=float, na_value=np.nan)
        quantile = np.nanquantile if missing.any() else np.quantile  # same edges, no NaN pass
        # The same quantiles as on the column itself (they are order statistics), but numpy
        # finds them several times faster in a sorted copy (ours to reorder) than in the column.
        edges = np.unique(quantile(np.sort(as_float), np.linspace(0, 1, n_bins + 1),
                                   overwrite_input=True))
        codes = _bin_codes(as_float, edges[1:-1])
        shown = edges.astype("int64").astype("datetime64[ns]") if is_date else edges
        labels = [f"[{_fmt(lo)}, {_fmt(hi)})" for lo, hi in zip(shown[:-2], shown[1:-1], strict=True)]
        labels.append(f"[{_fmt(shown[-2])}, {_fmt(shown[-1])}]")
    else:
        counts = column.value_counts(dropna=True, sort=False)
        if len(counts) > max_levels:  # keep the most frequent values
            counts = counts.sort_values(ascending=False, kind="stable")
        else:  # keep the natural order: categories as declared, numbers and text sorted
            counts = _sort_levels(counts)
        keep = list(counts.index[: max_levels - 1] if len(counts) > max_levels else counts.index)
        codes = _positions(column, pd.Index(keep))
        labels = [_fmt(v) for v in keep]
        if len(keep) < len(counts):
            codes = np.where((codes < 0) & ~missing, len(labels), codes)
            labels.append(OTHER)
    codes = np.asarray(codes, dtype=np.int64)
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels.append(MISSING)
    return codes, labels


def _bin_codes(values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """``np.searchsorted(inner_edges, values, side="right")`` for the few edges of a binning.

    One comparison per edge counts the edges at or below each value: with at most a few dozen
    edges this is several times faster than a binary search per value. A missing value gets 0
    (its caller gives it a bin of its own).
    """
    codes = np.zeros(len(values), dtype=np.min_scalar_type(len(inner_edges)))
    for edge in inner_edges:
        codes += values >= edge
    return codes


#: How many leading values :func:`_more_distinct_than` looks at before counting the whole column.
_SAMPLE = 4096


def _more_distinct_than(column: pd.Series, k: int) -> bool:
    """Whether ``column`` holds more than ``k`` distinct values (missing values not counted).

    Exact, and cheap on big columns: when its first values already hold more than ``k``
    distinct ones the whole column does too, so it is counted in full only when they do not.
    """
    head = column.iloc[:_SAMPLE]
    if head.nunique() > k:
        return True
    return len(head) < len(column) and column.nunique() > k


def _sort_levels(counts: pd.Series) -> pd.Series:
    """``counts`` in the order of its levels; a column mixing numbers and text sorts by type."""
    try:
        return counts.sort_index()
    except TypeError:
        return counts.sort_index(key=lambda index: pd.Index([f"{type(v).__name__}:{v}" for v in index]))


def _positions(column: pd.Series, keep: pd.Index) -> np.ndarray:
    """Each row's position in ``keep`` (-1 when absent or missing); categories by their codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        where = np.append(keep.get_indexer(column.cat.categories), -1)  # code -1 (missing) -> -1
        return where[codes]
    return keep.get_indexer(column.to_numpy(dtype=object))


def _is_code(column: pd.Series, is_date: bool) -> bool:
    """Whole numbers with few values (e.g. an occupation coded 1-6): slice them value by value.

    The same rule and threshold (``MAX_CODE_LEVELS``) as :mod:`toolkit.features` uses to
    one-hot encode integer codes.
    """
    if is_date or _more_distinct_than(column, MAX_CODE_LEVELS):
        return False
    values = column.dropna().to_numpy(dtype=float)
    distinct = np.unique(values)
    return len(distinct) <= MAX_CODE_LEVELS and bool(np.all(np.mod(distinct, 1) == 0))


def prediction_errors(y_true: Any, y_pred: Any) -> np.ndarray:
    """True where a prediction is wrong, after checking both label arrays (same length, no gaps).

    Examples
    --------
    >>> prediction_errors([0, 1, 1], [0, 0, 1]).tolist()
    [False, True, False]
    """
    truth = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=truth, y_pred=pred)
    check_same_label_kind(y_true=truth, y_pred=pred)
    return truth.to_numpy() != pred.to_numpy()


def _wilson(errors: np.ndarray, size: np.ndarray, confidence: float) -> tuple[np.ndarray, ...]:
    """Wilson score interval for a proportion: sensible even for small slices and rates near 0."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + confidence / 2)
    p = errors / size
    denom = 1 + z**2 / size
    centre = (p + z**2 / (2 * size)) / denom
    half = z * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2)) / denom
    # The interval holds p in exact arithmetic; in floats its end can miss p = 1 by 1e-16, and a
    # plot's error bar (rate - low, high - rate) must not be negative.
    return np.minimum(centre - half, p), np.maximum(centre + half, p)



def error_slices(df: pd.DataFrame, y_true: Any, y_pred: Any, by: str | Sequence[str], *,
                 min_size: int = 30, bins: int = SLICE_BINS,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Error rate of each slice of one column, or of two columns crossed.

    Parameters
    ----------
    df : DataFrame
        The rows that were predicted (for example the test set), one row per prediction.
    y_true, y_pred : array-like
        True and predicted labels, in the order of ``df``'s rows.
    by : str or list of one or two str
        Column(s) defining the slices. Two columns are crossed (South & Basic, South &
        Premium, ...). Numeric columns with more than ``bins`` values are cut at quantiles,
        except whole numbers with at most ``MAX_CODE_LEVELS`` (6) values, codes such as an
        occupation 1-6, which are sliced value by value; other columns keep their 19 most
        frequent values and pool the rest as "other";
        missing values form a slice of their own.
    min_size : int, default=30
        Slices with fewer rows are left out: their error rate is mostly noise.
    bins : int, default=4
        Quantile bins per numeric column (4 = quartiles).
    confidence : float, default=0.95
        Confidence level of the Wilson interval around each error rate.

    Returns
    -------
    DataFrame
        One row per slice, in the natural order of the bins: the ``by`` columns, ``slice`` (a
        readable name), ``size``, ``share`` (of all rows), ``errors``, ``error_rate``,
        ``ci_low``, ``ci_high``, ``error_share`` (of all errors) and ``lift`` (error rate
        divided by the overall error rate; 2 means twice as many errors as average).

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["A", "A", "B", "B", "B"]})
    >>> table = error_slices(df, [1, 0, 1, 1, 0], [1, 0, 0, 0, 0], by="plan", min_size=1)
    >>> table[["plan", "size", "errors", "error_rate", "lift"]]
      plan  size  errors  error_rate      lift
    0    A     2       0    0.000000  0.000000
    1    B     3       2    0.666667  1.666667
    """
    check_dataframe(df, "df")
    columns = check_columns(df, by, "by")
    if not 1 <= len(columns) <= 2:
        raise ValueError(f"by must name one or two columns; got {len(columns)}: {columns!r}.")
    errors = prediction_errors(y_true, y_pred)
    check_same_length(df=df, y_true=errors)
    check_positive_int(min_size, "min_size")
    check_positive_int(bins, "bins", minimum=2)
    check_probability(confidence, "confidence")

    combined = np.zeros(len(df), dtype=np.int64)
    binned = []
    for name in columns:
        codes, labels = bin_column(df[name], bins, SLICE_LEVELS)
        combined = combined * len(labels) + codes
        binned.append(labels)
    n_cells = int(np.prod([len(labels) for labels in binned]))
    size = np.bincount(combined, minlength=n_cells)
    wrong = np.bincount(combined, weights=errors, minlength=n_cells).astype(np.int64)
    keep = np.flatnonzero(size >= min_size)
    overall = errors.mean()

    table = pd.DataFrame(index=range(len(keep)))
    parts = np.unravel_index(keep, [len(labels) for labels in binned])
    for name, labels, idx in zip(columns, binned, parts, strict=True):
        table[name] = np.asarray(labels, dtype=object)[idx]
    table["slice"] = [" & ".join(f"{name} = {table.at[i, name]}" for name in columns)
                      for i in table.index]
    size, wrong = size[keep], wrong[keep]
    low, high = _wilson(wrong, size, confidence)
    table = table.assign(size=size, share=size / len(df), errors=wrong, error_rate=wrong / size,
                         ci_low=low, ci_high=high,
                         error_share=wrong / max(errors.sum(), 1),
                         lift=(wrong / size) / overall if overall else np.nan)
    return table



def plot_slices(table: pd.DataFrame, *, ax=None):
    """Error rate of each slice from :func:`error_slices`, its interval, and the overall rate.

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["A"] * 4 + ["B"] * 4})
    >>> table = error_slices(df, [0] * 8, [0, 0, 0, 1, 1, 1, 0, 1], by="plan", min_size=1)
    >>> ax = plot_slices(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['plan = A', 'plan = B']
    """
    check_dataframe(table, "table")
    check_columns(table, ["slice", "error_rate", "ci_low", "ci_high", "lift", "size"], "table")
    ax = new_axes(ax, figsize=(7, 0.45 * len(table) + 1.4))
    y = np.arange(len(table))[::-1]
    overall = (table["error_rate"] / table["lift"]).replace([np.inf, -np.inf], np.nan).dropna()
    line = float(overall.iloc[0]) if len(overall) else np.nan
    rate = table["error_rate"].to_numpy()
    # A slice is flagged only when its whole interval lies above the overall rate.
    colors = [COLORS["bad"] if low > line else COLORS["primary"] for low in table["ci_low"]]
    ax.barh(y, rate, color=colors, alpha=0.85, height=0.6)
    ax.errorbar(rate, y, xerr=[rate - table["ci_low"], table["ci_high"] - rate], fmt="none",
                ecolor="black", capsize=3, linewidth=1)
    label = "error rate with its 95 % interval"
    if not np.isnan(line):
        ax.axvline(line, color="black", linestyle="--", linewidth=1.5)
        label += f"\ndashed: overall {line:.1%} · orange-red: interval entirely above it"
    ax.set_yticks(y, table["slice"])
    ax.set(xlabel=label, ylabel="slice", title="Error rate by slice")
    ax.xaxis.set_major_formatter("{x:.0%}")
    return ax
