"""Data drift: simulate it, detect it column by column, calibrate the alarms, and look at it.

A model is trained on one period (the *reference*) and then scores new batches. When the
batches stop looking like the reference, the model's answers may stop being right. This
module gives three kinds of tools:

* **simulators** (in :mod:`toolkit.simulators`, re-exported here) that take a frame and return
  a drifted copy (the input is never modified):
  :func:`shift_numeric`, :func:`change_category_mix`, :func:`add_new_category`,
  :func:`change_units`, :func:`inject_missing`, :func:`shift_prior`, :func:`change_concept`,
  and :func:`simulate_stream`, which strings them into a stream of batches with its event log;
* **detectors**: :func:`drift_report` tests every column with the test the ordered rule table
  :data:`DRIFT_RULES` picks for it (the first rule that matches wins, and the rule and its reason
  are returned with each row), :func:`calibrate` sets alert bands from the variation *inside*
  the reference, and :func:`domain_classifier` asks whether a model can tell the two apart;
* **plots**: :func:`plot_drift_report` and :func:`plot_distribution_shift`.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"weight": rng.gamma(2, 3, 2_000),
...                           "colour": rng.choice(["red", "blue"], 2_000)})
>>> current = shift_numeric(reference, "weight", scale=1.5)
>>> drift_report(reference, current).table[["column", "test", "drifted"]]
   column  test  drifted
0  weight    ks     True
1  colour  chi2    False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

from toolkit._columns import column_kind, is_number
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_one_of,
    check_positive_int,
    check_probability,
)
from toolkit.plotting import COLORS, new_axes
from toolkit.simulators import (  # the simulators live in their own module; drift re-exports them
    EVENT_LOG_COLUMNS,
    SIMULATORS,
    add_new_category,
    change_category_mix,
    change_concept,
    change_units,
    inject_missing,
    shift_numeric,
    shift_prior,
    simulate_stream,
)

__all__ = [
    "DRIFT_RULES",
    "EFFECT_THRESHOLD",
    "EVENT_LOG_COLUMNS",
    "KS_P_VALUE_MAX_N",
    "LARGE_REFERENCE",
    "MISSING_JUMP",
    "P_VALUE_THRESHOLD",
    "PSI_BANDS",
    "PSI_BINS",
    "PSI_EPSILON",
    "SIMULATORS",
    "Calibration",
    "DomainClassifierResult",
    "DriftReport",
    "DriftRule",
    "PreparedReference",
    "add_new_category",
    "calibrate",
    "change_category_mix",
    "change_concept",
    "change_units",
    "check_pair",
    "column_group",
    "compare_prepared",
    "domain_classifier",
    "drift_report",
    "inject_missing",
    "plot_distribution_shift",
    "plot_drift_report",
    "psi",
    "shift_numeric",
    "shift_prior",
    "simulate_stream",
]

# --- named defaults ---------------------------------------------------------------------------
#: Above this many reference values a p-value flags even harmless changes (every test becomes
#: "significant" at large n), so the rules judge the column by an effect size instead.
LARGE_REFERENCE = 1_000
#: A column tested by p-value drifts when p is below this.
P_VALUE_THRESHOLD = 0.05
#: A column judged by effect size (normalised Wasserstein for numbers, Jensen-Shannon distance
#: for labels) drifts when the effect is above this (evidently's default).
EFFECT_THRESHOLD = 0.1
#: A column also drifts when its share of missing values grows by more than this.
MISSING_JUMP = 0.05
#: PSI: shares below this are raised to it, so an empty bin gives a large but finite term.
PSI_EPSILON = 1e-4
#: PSI bins for numbers: the deciles of the reference (the outer bins are open-ended).
PSI_BINS = 10
#: PSI severity bands: below 0.1 minor, 0.1 to 0.25 moderate, above 0.25 major (the usual rule).
PSI_BANDS = (0.1, 0.25)
#: A text column with more distinct values than this, nearly all different, names rows.
ID_MIN_LEVELS = 40
ID_UNIQUE_SHARE = 0.95


# --- the rule table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _ColumnFacts:
    """What the rules look at in one column of the reference and the current batch."""

    group: str  # "numeric" or "labels"
    n_ref: int
    n_cur: int
    missing_ref: float
    missing_cur: float
    n_levels: int
    distinct_share: float


@dataclass(frozen=True)
class DriftRule:
    """One row of the drift rule table: if ``applies(facts)``, test the column this way.

    ``test`` is ``"ks"`` (two-sample Kolmogorov-Smirnov), ``"chi2"`` (chi-square on the table
    of level counts) or ``"none"``; ``decide_by`` is ``"p_value"``, ``"effect"`` or ``"none"``.
    """

    name: str
    test: str
    decide_by: str
    applies: Callable[[_ColumnFacts], bool]
    why: str


#: The rules, in order: the first whose test is true decides how a column is compared.
DRIFT_RULES = (
    DriftRule("reference_all_missing", "none", "none", lambda f: f.n_ref == 0,
              "not tested: every value is missing in the reference, so there is nothing to "
              "compare with"),
    DriftRule("current_all_missing", "none", "missing", lambda f: f.n_cur == 0,
              "every value is missing in this batch ({missing_ref:.0%} in the reference)"),
    DriftRule("identifier", "none", "none",
              lambda f: f.group == "labels" and f.n_levels > ID_MIN_LEVELS
              and f.distinct_share >= ID_UNIQUE_SHARE,
              "not tested: {distinct_share:.0%} of the values are distinct, so it names rows"),
    DriftRule("constant", "chi2", "p_value", lambda f: f.n_levels == 1,
              "a single value in the reference: compared as categories (chi-square)"),
    DriftRule("labels_small", "chi2", "p_value",
              lambda f: f.group == "labels" and f.n_ref <= LARGE_REFERENCE,
              "labels, {n_ref} reference values: chi-square p-value"),
    DriftRule("labels_large", "chi2", "effect", lambda f: f.group == "labels",
              "labels, {n_ref} reference values (over {LARGE_REFERENCE}): Jensen-Shannon "
              "distance, since at this size any p-value is tiny"),
    DriftRule("numeric_small", "ks", "p_value", lambda f: f.n_ref <= LARGE_REFERENCE,
              "numbers, {n_ref} reference values: Kolmogorov-Smirnov p-value"),
    DriftRule("numeric_large", "ks", "effect", lambda f: True,
              "numbers, {n_ref} reference values (over {LARGE_REFERENCE}): normalised "
              "Wasserstein distance, since at this size any p-value is tiny"),
)


def _fire(facts: _ColumnFacts) -> tuple[DriftRule, str]:
    context = {**vars(facts), **globals()}
    for rule in DRIFT_RULES:
        if rule.applies(facts):
            return rule, rule.why.format(**context)
    raise AssertionError("the last rule always matches")  # pragma: no cover


# --- preparing one column --------------------------------------------------------------------
def column_group(series: pd.Series) -> str:
    """Which family of drift tests a column gets: ``"numeric"`` (numbers and dates) or ``"labels"``.

    >>> column_group(pd.Series([1.5, 2.0])), column_group(pd.Series(["a", "b"]))
    ('numeric', 'labels')
    """
    return "numeric" if is_number(series) or column_kind(series) == "datetime" else "labels"


def _numbers(series: pd.Series) -> np.ndarray:
    """Non-missing values as sorted floats (dates become days since 1970)."""
    present = series.dropna()
    if column_kind(series) == "datetime":
        values = present.to_numpy().astype("datetime64[s]").astype(np.int64) / 86_400.0
    else:
        values = present.to_numpy(dtype=float)
    return np.sort(values)


def _counts(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):  # a count per code: no hashing
        codes = series.cat.codes.to_numpy()
        counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(series.cat.categories)),
                           index=series.cat.categories.astype(object))
        return counts[counts > 0]
    counts = series.value_counts(dropna=True)
    counts.index = counts.index.astype(object)
    return counts[counts > 0]


@dataclass
class _Side:
    """One column of one frame, reduced to what the statistics need."""

    n_rows: int
    n_missing: int
    values: np.ndarray | None = None  # sorted numbers
    counts: pd.Series | None = None  # level counts

    @property
    def n(self) -> int:
        return self.n_rows - self.n_missing


def _side(series: pd.Series, as_labels: bool) -> _Side:
    n_missing = int(series.isna().sum())
    if as_labels:
        return _Side(len(series), n_missing, counts=_counts(series))
    return _Side(len(series), n_missing, values=_numbers(series))


def _minus(ref: _Side, chunk: _Side) -> _Side:
    """The reference without ``chunk`` (used only for the counts of label columns)."""
    counts = ref.counts.sub(chunk.counts, fill_value=0)
    return _Side(ref.n_rows - chunk.n_rows, ref.n_missing - chunk.n_missing,
                 counts=counts[counts > 0])


# --- statistics ---------------------------------------------------------------------------------
def _psi_terms(ref_share: np.ndarray, cur_share: np.ndarray) -> float:
    p = np.maximum(ref_share, PSI_EPSILON)
    q = np.maximum(cur_share, PSI_EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


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


def _cdf_gaps(ref: np.ndarray, cur: np.ndarray, cur_inside_ref: bool) -> tuple[np.ndarray, ...]:
    """Both empirical CDFs at every value of the two sorted samples, and their gaps.

    One stable argsort merges the two sorted runs in linear time; a cumulative count then gives
    each CDF, as ``scipy.stats.ks_2samp`` computes them. With ``cur_inside_ref`` the reference
    CDF is that of the reference *without* ``cur`` (for calibration, leaving a chunk out).
    """
    n1, n2 = len(ref), len(cur)
    both = np.concatenate([ref, cur])
    order = np.argsort(both, kind="stable")
    values = both[order]
    del both
    in_ref = np.cumsum(order < n1)
    del order
    k = np.arange(1, n1 + n2 + 1)
    ties = values[1:] == values[:-1]
    if ties.any():  # only the last of equal values holds the right counts
        last = np.append(~ties, True)
        in_ref, k, values = in_ref[last], k[last], values[last]
    n_cur = k - in_ref
    if cur_inside_ref:
        return values, (in_ref - n_cur) / (n1 - n2) - n_cur / n2
    return values, in_ref / n1 - n_cur / n2


def _numeric_stats(ref: _Side, cur: _Side, *, p_value: bool, cur_inside_ref: bool = False) -> dict:
    a, b = ref.values, cur.values
    values, gaps = _cdf_gaps(a, b, cur_inside_ref)
    np.abs(gaps, out=gaps)
    d = float(gaps.max())
    scale = float(np.std(a)) or 1.0
    wasserstein = float(np.dot(gaps[:-1], np.diff(values))) / scale
    edges = _decile_edges(a)
    ref_bins, cur_bins = _bin_counts(a, edges), _bin_counts(b, edges)
    n_ref = len(a)
    if cur_inside_ref:
        ref_bins, n_ref = ref_bins - cur_bins, len(a) - len(b)
    p, q = ref_bins / n_ref, cur_bins / len(b)
    out = {"statistic": d, "p_value": np.nan, "psi": _psi_terms(p, q),
           "jensen_shannon": float(jensenshannon(p, q, base=2)), "wasserstein": wasserstein}
    if p_value:
        out["p_value"] = _ks_p_value(a, b, d)
    return out


def _ks_p_value(a: np.ndarray, b: np.ndarray, d: float) -> float:
    # scipy's 'auto' mode: exact for samples up to 10,000 (cheap there, so let scipy do it),
    # Smirnov's asymptotic distribution above, which is what scipy does too.
    if max(len(a), len(b)) <= 10_000:
        return float(stats.ks_2samp(a, b).pvalue)
    m, n = sorted([float(len(a)), float(len(b))], reverse=True)
    return float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0, 1))


def _label_stats(ref: _Side, cur: _Side, *, p_value: bool) -> dict:
    table = pd.concat([ref.counts, cur.counts], axis=1).fillna(0).to_numpy().T
    p, q = table[0] / table[0].sum(), table[1] / table[1].sum()
    out = {"statistic": np.nan, "p_value": np.nan, "psi": _psi_terms(p, q),
           "jensen_shannon": float(jensenshannon(p, q, base=2)), "wasserstein": np.nan}
    if p_value:
        result = stats.chi2_contingency(table)
        out["statistic"], out["p_value"] = float(result.statistic), float(result.pvalue)
    return out


def psi(reference: Any, current: Any, *, bins: int = PSI_BINS) -> float:
    """Population stability index of numbers, over the deciles of the reference.

    The bin edges are the reference's quantiles (deciles by default); the outer bins are open,
    so values beyond the reference's range still count. Each bin adds
    ``(q - p) * ln(q / p)`` where ``p`` and ``q`` are the shares of reference and current values
    in it; shares below :data:`PSI_EPSILON` are raised to it, so an empty bin weighs a lot but
    stays finite. Missing values are left out. Rule of thumb: under 0.1 stable, over 0.25 a
    major shift.

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
        If either input is not numeric (compare labels with :func:`drift_report`, which
        computes PSI over their levels).

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
        arr = np.sort(series.dropna().to_numpy(dtype=float))
        if arr.size == 0:
            raise ValueError(f"{name} has no values (all missing or empty); PSI needs some.")
        arrays.append(arr)
    a, b = arrays
    edges = _decile_edges(a, bins)
    return _psi_terms(_bin_counts(a, edges) / len(a), _bin_counts(b, edges) / len(b))


# --- the report ----------------------------------------------------------------------------------
@dataclass
class Calibration:
    """Alert bands measured on chunks of the reference, from :func:`calibrate`.

    Attributes
    ----------
    bands : pandas.DataFrame
        One row per column and statistic: ``mean`` and ``std`` over the chunks, and ``band``,
        the upper alert band (see :func:`calibrate`).
    alpha : float
        The nominal false-alarm rate per column and batch.
    n_chunks, chunk_rows : int
        How many chunks were compared, and their median size.
    """

    bands: pd.DataFrame
    alpha: float
    n_chunks: int
    chunk_rows: int

    def band(self, column: str, statistic: str) -> float | None:
        """The upper band of ``statistic`` for ``column``, or None if it was not calibrated."""
        # A dict built once: filtering the frame cost milliseconds per column and batch.
        # The key notices a replaced or edited table (the sum moves when a band is changed).
        key = (id(self.bands), len(self.bands), float(self.bands["band"].to_numpy().sum()))
        if getattr(self, "_lookup_key", None) != key:
            self._lookup = {(c, s): float(b) for c, s, b in
                            zip(self.bands["column"], self.bands["statistic"], self.bands["band"],
                                strict=True)}
            self._lookup_key = key
        return self._lookup.get((column, statistic))


@dataclass
class DriftReport:
    """What :func:`drift_report` returns: one row per column and a dataset-level summary.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per column (see :func:`drift_report`).
    n_tested, n_drifted : int
        Columns that could be tested, and those that drifted.
    share_drifted : float
        ``n_drifted / n_tested``.
    """

    table: pd.DataFrame
    n_tested: int
    n_drifted: int
    share_drifted: float

    def plot(self, ax=None):
        """Draw :func:`plot_drift_report`."""
        return plot_drift_report(self, ax=ax)

    def _repr_html_(self) -> str:
        return (f"<p>{self.n_drifted} of {self.n_tested} tested columns drifted "
                f"({self.share_drifted:.0%}).</p>" + self.table.to_html(index=False))


_EFFECT = {"numeric": "wasserstein", "labels": "jensen_shannon"}
_TABLE_COLUMNS = ["column", "kind", "rule", "test", "statistic", "p_value", "psi",
                  "jensen_shannon", "wasserstein", "missing_ref", "missing_cur", "decided_by",
                  "threshold", "drifted", "severity", "reason"]


def check_pair(reference: Any, current: Any, columns: Sequence[str] | None) -> list[str]:
    """The columns to compare, after checking that both frames hold them with the same kind."""
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


class PreparedReference:
    """The reference reduced once per column, so many batches can be compared cheaply."""

    def __init__(self, reference: pd.DataFrame, columns: Sequence[str]):
        self.columns = list(columns)
        self.sides: dict[str, _Side] = {}
        self.groups: dict[str, str] = {}  # how the column is compared: numeric or labels
        self.kinds: dict[str, str] = {}  # what it holds: numeric or labels
        self.facts: dict[str, tuple[int, float]] = {}  # number of levels, distinct share
        for name in self.columns:
            series = reference[name]
            kind = column_group(series)
            side = _side(series, kind == "labels")
            if kind == "numeric" and side.n and side.values[0] == side.values[-1]:
                side = _side(series, True)  # a constant: compare it as one category
            n_levels = len(side.counts) if side.counts is not None else 2
            self.kinds[name], self.sides[name] = kind, side
            self.groups[name] = "labels" if side.counts is not None else "numeric"
            self.facts[name] = (n_levels, n_levels / side.n if side.n else 0.0)


#: Above this many values in a sample, scipy's KS p-value takes about a second per column
#: (its exact large-sample distribution); drift_report skips it there unless asked.
KS_P_VALUE_MAX_N = 10_000


def compare_prepared(ref: PreparedReference, current: pd.DataFrame, calibration: Calibration | None,
             *, p_values: bool | str = "auto") -> DriftReport:
    """:func:`drift_report` against a reference prepared once (what ``monitor`` calls per batch)."""
    rows = []
    for name in ref.columns:
        r_side, group = ref.sides[name], ref.groups[name]
        c_side = _side(current[name], group == "labels")
        n_levels, distinct_share = ref.facts[name]
        facts = _ColumnFacts(ref.kinds[name], r_side.n, c_side.n, r_side.n_missing / r_side.n_rows,
                             c_side.n_missing / max(c_side.n_rows, 1), n_levels, distinct_share)
        rule, why = _fire(facts)
        row = {"column": name, "kind": ref.kinds[name], "rule": rule.name, "test": rule.test,
               "statistic": np.nan, "p_value": np.nan, "psi": np.nan, "jensen_shannon": np.nan,
               "wasserstein": np.nan, "missing_ref": facts.missing_ref,
               "missing_cur": facts.missing_cur, "decided_by": rule.decide_by,
               "threshold": np.nan, "drifted": pd.NA, "severity": "not tested", "reason": why}
        if rule.decide_by == "missing":
            row.update(drifted=True, severity="major")
        elif rule.test != "none":
            if group == "labels":
                row.update(_label_stats(r_side, c_side, p_value=True))
            else:
                wanted = (p_values is True or rule.decide_by == "p_value"
                          or (p_values == "auto" and max(r_side.n, c_side.n) <= KS_P_VALUE_MAX_N))
                row.update(_numeric_stats(r_side, c_side, p_value=wanted))
                if not wanted:
                    row["reason"] += (f" (KS p-value skipped above {KS_P_VALUE_MAX_N:,} values, "
                                      "where it is slow and tiny anyway; p_values=True computes it)")
            _decide(row, rule, group, calibration)
        rows.append(row)
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    table["drifted"] = table["drifted"].astype("boolean")
    tested = int(table["drifted"].notna().sum())
    drifted = int(table["drifted"].sum())
    return DriftReport(table, tested, drifted, drifted / tested if tested else float("nan"))


def _decide(row: dict, rule: DriftRule, group: str, calibration: Calibration | None) -> None:
    effect = _EFFECT[group]
    band = calibration.band(row["column"], effect) if calibration is not None else None
    if band is not None:
        value, threshold = row[effect], band
        drifted = value > band
        verdict = (f"{effect} {value:.3g} {'>' if drifted else '<='} {band:.3g}, the band "
                   "calibrated on the reference")
        row["decided_by"] = "calibrated"
    elif rule.decide_by == "p_value":
        value, threshold = row["p_value"], P_VALUE_THRESHOLD
        drifted = value < threshold
        verdict = f"p = {value:.2g} {'<' if drifted else '>='} {threshold}"
    else:
        value, threshold = row[effect], EFFECT_THRESHOLD
        drifted = value > threshold
        verdict = f"{effect} {value:.3g} {'>' if drifted else '<='} {threshold}"
    jump = row["missing_cur"] - row["missing_ref"]
    if jump > MISSING_JUMP:
        drifted = True
        verdict += f"; missing values up from {row['missing_ref']:.0%} to {row['missing_cur']:.0%}"
    row["threshold"], row["drifted"] = threshold, bool(drifted)
    row["reason"] = f"{row['reason']}: {verdict}"
    if not drifted:
        row["severity"] = "none"
    else:
        row["severity"] = ("minor" if row["psi"] < PSI_BANDS[0]
                           else "moderate" if row["psi"] < PSI_BANDS[1] else "major")


def drift_report(reference: pd.DataFrame, current: pd.DataFrame,
                 columns: Sequence[str] | None = None, *,
                 calibration: Calibration | None = None,
                 p_values: bool | str = "auto") -> DriftReport:
    """Compare every column of ``current`` with the ``reference``, each with a suited test.

    :data:`DRIFT_RULES` picks the test by the column's kind and the reference's size (the
    first matching rule wins): numbers get the two-sample Kolmogorov-Smirnov test, labels
    (categories, text, booleans) chi-square on their level counts. With at most
    :data:`LARGE_REFERENCE` reference values the p-value decides; above, an effect size does
    (normalised Wasserstein distance for numbers, Jensen-Shannon distance for labels), because
    with many rows every p-value is tiny. With a ``calibration`` from :func:`calibrate`, the
    effect size is compared with the band the reference's own variation sets. Missing values
    are left out of the statistics and counted apart: a column also drifts when its share of
    missing values grows by more than :data:`MISSING_JUMP`.

    Parameters
    ----------
    reference : pandas.DataFrame
        The data the model was trained on (or a period known to be healthy).
    current : pandas.DataFrame
        The batch to check, with the same columns and kinds.
    columns : list of str, optional
        Compare only these columns (default: all of them; then ``current`` must have exactly
        the reference's columns).
    calibration : Calibration, optional
        Alert bands from :func:`calibrate`; without it the fixed thresholds are used.
    p_values : {"auto", True, False}, default="auto"
        Whether to compute the KS p-value of numeric columns (chi-square's is always
        computed: it is cheap):

        - ``"auto"``: when the rule decides by it, or when both samples have at most
          ``KS_P_VALUE_MAX_N`` values (above, scipy needs about a second per column);
        - ``True``: always;
        - ``False``: only when the rule decides by it.

    Returns
    -------
    DriftReport
        ``table`` has one row per column: ``column``, ``kind`` (numeric or labels), ``rule`` and
        ``test`` (from :data:`DRIFT_RULES`), ``statistic`` and ``p_value`` (equal to
        ``scipy.stats.ks_2samp`` / ``chi2_contingency``), ``psi`` (:func:`psi`; over levels
        for labels), ``jensen_shannon`` (base 2, from 0 to 1), ``wasserstein`` (divided by the
        reference's standard deviation), ``missing_ref`` and ``missing_cur``, ``decided_by``,
        ``threshold``, ``drifted`` (missing when the column could not be tested), ``severity``
        (from PSI: minor, moderate, major) and ``reason`` in words. ``n_tested``,
        ``n_drifted`` and ``share_drifted`` summarise the dataset.

    Raises
    ------
    ValueError
        If a frame is empty, or ``current`` lacks columns of the reference.
    TypeError
        If a column holds numbers in one frame and labels in the other.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8], "c": list("aabbaabb")})
    >>> cur = pd.DataFrame({"x": [5.0, 6, 7, 8, 9, 10, 11, 12], "c": list("aabbaabb")})
    >>> report = drift_report(ref, cur)
    >>> report.table[["column", "test", "p_value", "drifted"]].round(3)
      column  test  p_value  drifted
    0      x    ks    0.283    False
    1      c  chi2    1.000    False
    """
    columns = check_pair(reference, current, columns)
    if calibration is not None and not isinstance(calibration, Calibration):
        raise TypeError(f"calibration must be a Calibration from calibrate(); got "
                        f"{type(calibration).__name__}.")
    check_one_of(p_values, "p_values", ["auto", True, False])
    return compare_prepared(PreparedReference(reference, columns), current, calibration, p_values=p_values)


def _chunks(reference: pd.DataFrame, chunk: int | str, n_chunks: int | None,
            seed: int) -> list[np.ndarray]:
    if n_chunks is not None:
        size = check_positive_int(chunk, "chunk", minimum=2)
        check_positive_int(n_chunks, "n_chunks", minimum=3)
        rng = np.random.default_rng(seed)
        return [np.sort(rng.choice(len(reference), min(size, len(reference)), replace=False))
                for _ in range(n_chunks)]
    if isinstance(chunk, str):
        check_columns(reference, [chunk], "chunk")
        codes = pd.factorize(reference[chunk], sort=True)[0]
        return [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]
    size = check_positive_int(chunk, "chunk", minimum=2)
    return [np.arange(start, min(start + size, len(reference)))
            for start in range(0, len(reference) - size + 1, size)]


def calibrate(reference: pd.DataFrame, chunk: int | str = 1_000, *,
              columns: Sequence[str] | None = None, alpha: float = 0.01,
              n_chunks: int | None = None, seed: int = 0) -> Calibration:
    """Measure how much each statistic varies between chunks of the reference; set bands.

    The reference is cut into consecutive chunks of ``chunk`` rows (or grouped by a column such
    as ``"month"``), and each chunk is compared with the rest of the reference. A statistic that
    moves this much *inside* a healthy period is no reason to alarm. The band is a one-sided
    prediction band at level ``1 - alpha`` for the statistic of one new batch, set on the
    logarithm of the chunks' values (distances are skewed): ``exp(m + t * s * sqrt(1 + 1/k))``
    with ``m`` and ``s`` the mean and standard deviation of the logs over ``k`` chunks and ``t``
    Student's quantile with ``k - 1`` degrees of freedom. Choose chunks the size of the
    batches you will monitor: small batches vary more.

    Parameters
    ----------
    reference : pandas.DataFrame
        The healthy period, in time order.
    chunk : int or str, default=1000
        Rows per chunk, or the name of a column whose values define the chunks.
    columns : list of str, optional
        Columns to calibrate (default: all).
    alpha : float, default=0.01
        Nominal false-alarm rate per column and batch.
    n_chunks : int, optional
        Draw this many chunks of ``chunk`` rows at random instead of cutting consecutive ones:
        a small reference then still gives enough chunks for a steady band (but a random draw
        cannot see changes over time inside the reference).
    seed : int, default=0
        Seed of the random chunks.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        If there are fewer than 3 chunks, or a chunk holds more than half the reference.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=5_000)})
    >>> cal = calibrate(ref, chunk=500)
    >>> cal.n_chunks, cal.bands["statistic"].tolist()
    (10, ['psi', 'jensen_shannon', 'wasserstein'])
    """
    check_dataframe(reference, "reference")
    columns = list(reference.columns) if columns is None else check_columns(reference, columns,
                                                                          "columns")
    alpha = check_probability(alpha, "alpha")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be between 0 and 0.5; got {alpha!r}.")
    chunks = _chunks(reference, chunk, n_chunks, seed)
    biggest = max((len(c) for c in chunks), default=0)
    if len(chunks) < 3 or biggest > len(reference) / 2:
        raise ValueError(
            f"chunk={chunk!r} cuts the reference ({len(reference)} rows) into {len(chunks)} "
            "chunk(s); at least 3, each at most half the reference, are needed.")
    ref = PreparedReference(reference, columns)
    values: dict[tuple[str, str], list[float]] = {}
    for idx in chunks:
        part = reference.iloc[idx]
        for name in columns:
            r_side, group = ref.sides[name], ref.groups[name]
            if r_side.n == 0:
                continue
            c_side = _side(part[name], group == "labels")
            if c_side.n == 0 or c_side.n >= r_side.n:
                continue
            if group == "labels":
                result = _label_stats(_minus(r_side, c_side), c_side, p_value=False)
            else:
                result = _numeric_stats(r_side, c_side, p_value=False, cur_inside_ref=True)
            for stat in ("psi", "jensen_shannon", "wasserstein"):
                if not np.isnan(result[stat]):
                    values.setdefault((name, stat), []).append(result[stat])
    rows = []
    for (name, stat), v in values.items():
        if len(v) < 3:
            continue
        # Distances are positive and skewed to the right: the band is set on their logarithm,
        # where chunk-to-chunk variation is close to normal. It is a prediction band for one
        # new batch: Student's t with k - 1 degrees of freedom, widened by sqrt(1 + 1/k),
        # because mean and spread are themselves estimated from only k chunks.
        logs, k = np.log(np.maximum(v, 1e-12)), len(v)
        t = float(stats.t.ppf(1 - alpha, k - 1)) * math.sqrt(1 + 1 / k)
        rows.append({"column": name, "statistic": stat, "mean": float(np.mean(v)),
                     "std": float(np.std(v, ddof=1)),
                     "band": float(np.exp(logs.mean() + t * logs.std(ddof=1)))})
    bands = pd.DataFrame(rows, columns=["column", "statistic", "mean", "std", "band"])
    return Calibration(bands, alpha, len(chunks), int(np.median([len(c) for c in chunks])))


# --- multivariate: the domain classifier ------------------------------------------------------
@dataclass
class DomainClassifierResult:
    """What :func:`domain_classifier` returns.

    Attributes
    ----------
    auc : float
        Cross-validated ROC AUC of telling current rows from reference rows: 0.5 means the two
        look alike, 1.0 that every row gives its origin away.
    auc_low, auc_high : float
        Its confidence interval (Hanley & McNeil's standard error).
    columns : pandas.DataFrame
        ``column`` and ``importance`` (the drop in AUC when that column is shuffled in a
        held-out fold), most separating first.
    n_rows : int
        Rows used from each frame.
    """

    auc: float
    auc_low: float
    auc_high: float
    columns: pd.DataFrame
    n_rows: int
    confidence: float = 0.95


#: domain_classifier: each label column keeps its most frequent levels as 0/1 columns, the
#: rest share one "other" column.
DOMAIN_MAX_LEVELS = 30


def _design(df: pd.DataFrame, columns: Sequence[str],
            kinds: Mapping[str, str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The model's input and, per column, the indices of its matrix columns.

    Numbers are standardised (gaps filled, with a 'was missing' flag), labels one-hot. No label
    is used, so building it once before cross-validation leaks nothing.
    """
    parts, blocks, width = [], [], 0
    for name in columns:
        series = df[name]
        if kinds[name] == "numeric":
            if column_kind(series) == "datetime":
                values = series.to_numpy().astype("datetime64[s]").astype(float) / 86_400.0
                values[series.isna().to_numpy()] = np.nan
            else:
                values = series.to_numpy(dtype=float, na_value=np.nan, copy=True)
            missing = np.isnan(values)
            values[missing] = np.nanmedian(values) if (~missing).any() else 0.0
            values = (values - values.mean()) / (values.std() or 1.0)
            block = [values] + ([missing.astype(float)] if missing.any() else [])
        else:
            codes, _ = pd.factorize(series, use_na_sentinel=False)
            kept = np.argsort(-np.bincount(codes), kind="stable")[:DOMAIN_MAX_LEVELS]
            block = [(codes == k).astype(float) for k in kept]
            block.append((~np.isin(codes, kept)).astype(float))
        parts.extend(block)
        blocks.append(np.arange(width, width + len(block)))
        width += len(block)
    return np.column_stack(parts), blocks


def domain_classifier(reference: pd.DataFrame, current: pd.DataFrame,
                      columns: Sequence[str] | None = None, *, cv: int = 5,
                      max_rows: int = 20_000, confidence: float = 0.95,
                      seed: int = 0) -> DomainClassifierResult:
    """Can a model tell current rows from reference rows? A test of all columns at once.

    A logistic regression (numbers scaled, labels one-hot) learns to predict "is this row from
    the current batch?". Its cross-validated ROC AUC is near 0.5 when nothing changed and grows
    with the drift, including changes no single column shows (a new combination of values).
    Shuffling one column at a time and measuring the drop in AUC shows *what* changed.
    Columns that name rows (identifiers) are left out. A linear model keeps it fast everywhere,
    including inside a busy Jupyter kernel.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        The two samples, with the same columns.
    columns : list of str, optional
        Columns to use (default: all).
    cv : int, default=5
        Cross-validation folds.
    max_rows : int, default=20000
        At most this many rows are drawn from each frame (the AUC needs no more).
    confidence : float, default=0.95
        Level of the AUC's interval.
    seed : int, default=0
        Seed of the row sample, the folds and the shuffles.

    Returns
    -------
    DomainClassifierResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=1000), "y": rng.normal(size=1000)})
    >>> result = domain_classifier(ref, shift_numeric(ref, "x", shift=1.0))
    >>> round(result.auc, 1), result.columns["column"].iloc[0]
    (0.8, 'x')
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    columns = check_pair(reference, current, columns)
    cv = check_positive_int(cv, "cv", minimum=2)
    max_rows = check_positive_int(max_rows, "max_rows", minimum=10)
    confidence = check_probability(confidence, "confidence")
    ref = PreparedReference(reference, columns)
    kept = [c for c in columns if _fire(_ColumnFacts(ref.kinds[c], ref.sides[c].n, 1, 0, 0,
                                                      *ref.facts[c]))[0].name != "identifier"
            and ref.sides[c].n > 0]
    rng = np.random.default_rng(seed)
    parts = [frame.iloc[np.sort(rng.choice(len(frame), min(len(frame), max_rows), replace=False))]
             for frame in (reference, current)]
    if min(len(parts[0]), len(parts[1])) < cv:
        raise ValueError(f"current and reference need at least cv={cv} rows each; got "
                         f"{len(parts[1])} and {len(parts[0])}.")
    X, blocks = _design(pd.concat(parts, ignore_index=True), kept, ref.kinds)
    y = np.r_[np.zeros(len(parts[0]), dtype=int), np.ones(len(parts[1]), dtype=int)]
    model = LogisticRegression(max_iter=500)
    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    with threadpool_limits(1):  # BLAS threads fight other work on a busy machine
        proba = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
        auc = float(roc_auc_score(y, proba))
        # What separates: shuffle one column's block in a held-out fold, measure the AUC drop.
        train, test = next(folds.split(X, y))
        fitted = model.fit(X[train], y[train])
        base = roc_auc_score(y[test], fitted.predict_proba(X[test])[:, 1])
        drops = []
        for block in blocks:
            shuffled = X[test].copy()
            shuffled[:, block] = shuffled[rng.permutation(len(test))][:, block]
            drops.append(base - roc_auc_score(y[test], fitted.predict_proba(shuffled)[:, 1]))
    n1, n2 = int(y.sum()), int(len(y) - y.sum())
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2), 0)
                   / (n1 * n2))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    table = pd.DataFrame({"column": kept, "importance": np.round(drops, 6)})
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    return DomainClassifierResult(auc, max(auc - z * se, 0.0), min(auc + z * se, 1.0), table,
                                  len(parts[0]), confidence)


# --- plots --------------------------------------------------------------------------------------
def plot_drift_report(report: DriftReport, *, ax=None):
    """A ranked bar chart of each column's effect size, with the threshold each was judged by.

    Bars are the normalised Wasserstein distance (numbers) or the Jensen-Shannon distance
    (labels); vermillion bars drifted, blue ones did not; black ticks mark each column's
    threshold (the fixed one, or the calibrated band). Columns judged by a p-value have no tick.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"x": range(100), "c": ["a", "b"] * 50})
    >>> ax = plot_drift_report(drift_report(ref, ref))
    >>> ax.get_xlabel()
    'effect size (Wasserstein / Jensen-Shannon distance)'
    """
    if not isinstance(report, DriftReport):
        raise TypeError(f"report must be a DriftReport from drift_report(); got "
                        f"{type(report).__name__}.")
    table = report.table.copy()
    table["effect"] = table["wasserstein"].fillna(table["jensen_shannon"])
    table = table.sort_values("effect", ascending=True, na_position="first", kind="stable")
    ax = new_axes(ax, figsize=(7, max(2.5, 0.35 * len(table) + 1)))
    y = np.arange(len(table))
    colors = [COLORS["bad"] if d is True else COLORS["primary"] for d in table["drifted"].astype(object)]
    # Distances of labels stop at 1; a unit bug can send Wasserstein to the hundreds, so long
    # bars are cut at the axis end and their value written on them.
    limit = max(1.0, float(np.nanmax(table["threshold"].to_numpy(dtype=float), initial=0)) * 1.5)
    effect = table["effect"].fillna(0).to_numpy()
    ax.barh(y, np.minimum(effect, limit), color=colors)
    for yi, value in zip(y, effect, strict=True):
        if value > limit:
            ax.text(limit * 0.98, yi, f"{value:.3g} >", ha="right", va="center", color="white",
                    fontsize=9, fontweight="bold")
    ax.set_xlim(0, limit * 1.02)
    labels = [f"{c} (not tested)" if pd.isna(d) else c
              for c, d in zip(table["column"], table["drifted"], strict=True)]
    ax.set_yticks(y, labels)
    judged = table["decided_by"].isin(["effect", "calibrated"]).to_numpy()
    ax.scatter(table["threshold"].to_numpy()[judged], y[judged], marker="|", s=300,
               color="black", label="threshold")
    ax.set_xlabel("effect size (Wasserstein / Jensen-Shannon distance)")
    ax.set_ylabel("column")
    ax.set_title(f"{report.n_drifted} of {report.n_tested} columns drifted")
    from matplotlib.patches import Patch

    handles = [Patch(color=COLORS["bad"], label="drifted"),
               Patch(color=COLORS["primary"], label="no drift")]
    if judged.any():
        handles.append(ax.collections[-1])
    ax.legend(handles=handles, loc="lower right")
    return ax


def plot_distribution_shift(reference: pd.DataFrame, current: pd.DataFrame, column: str, *,
                            bins: int = 40, ax=None):
    """Reference (blue) against current (orange) for one column: histograms or level shares.

    Numbers get overlaid density histograms on shared bins; labels get side-by-side bars of
    each level's share (levels the reference never had show as orange bars alone).

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"plan": ["a", "b"] * 10})
    >>> ax = plot_distribution_shift(ref, add_new_category(ref, "plan", "c"), "plan")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b', 'c']
    """
    check_pair(reference, current, [column])
    ax = new_axes(ax)
    r, c = reference[column], current[column]
    if column_group(r) == "numeric":
        a, b = _numbers(r), _numbers(c)
        both = np.concatenate([a, b])
        edges = np.histogram_bin_edges(both, bins=bins)
        ax.hist(a, bins=edges, density=True, histtype="stepfilled", alpha=0.45,
                color=COLORS["primary"], label=f"reference (n={len(a):,})")
        ax.hist(b, bins=edges, density=True, histtype="step", linewidth=2,
                color=COLORS["highlight"], label=f"current (n={len(b):,})")
        ax.set_xlabel(column)
        ax.set_ylabel("density")
    else:
        table = pd.concat([_counts(r), _counts(c)], axis=1).fillna(0)
        table = table / table.sum()
        x = np.arange(len(table))
        ax.bar(x - 0.2, table.iloc[:, 0], width=0.4, color=COLORS["primary"], label="reference")
        ax.bar(x + 0.2, table.iloc[:, 1], width=0.4, color=COLORS["highlight"], label="current")
        ax.set_xticks(x, [str(v) for v in table.index])
        ax.set_xlabel(column)
        ax.set_ylabel("share of rows")
    ax.set_title(f"{column}: reference vs current")
    ax.legend()
    return ax
