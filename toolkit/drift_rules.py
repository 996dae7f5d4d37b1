"""Which columns drifted: the ordered rule table, and the report it decides.

:data:`DRIFT_RULES` picks, for each column, a test and what decides it: a p-value when chance
alone would move the effect size near its threshold (few rows, or many levels), an effect size
otherwise (with many rows every p-value is tiny, even for a harmless change). The first rule
that matches wins, and each row of the report says which rule fired and why.
:func:`drift_report` applies it; with a :class:`toolkit.drift_calibration.Calibration`, each
column is judged by the band its own healthy variation sets instead.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"weight": rng.gamma(2, 3, 2_000),
...                           "colour": rng.choice(["red", "blue"], 2_000)})
>>> current = reference.assign(weight=reference["weight"] * 1.5)
>>> drift_report(reference, current).table[["column", "rule", "drifted"]]
   column          rule  drifted
0  weight  numeric_large     True
1  colour  labels_large    False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from toolkit._validation import check_one_of
from toolkit.drift_calibration import Calibration
from toolkit.drift_columns import (
    ID_MIN_LEVELS,
    ID_UNIQUE_SHARE,
    PreparedReference,
    ReferenceColumn,
    check_pair,
    map_columns,
    summarise_batch,
)
from toolkit.drift_plots import plot_drift_report
from toolkit.drift_statistics import (
    EFFECT_STATISTIC,
    chance_level,
    label_statistics,
    numeric_statistics,
)

__all__ = [
    "CHANCE_SHARE",
    "DRIFT_RULES",
    "EFFECT_THRESHOLD",
    "ID_MIN_LEVELS",
    "ID_UNIQUE_SHARE",
    "KS_P_VALUE_MAX_N",
    "MISSING_JUMP",
    "PSI_BANDS",
    "P_VALUE_THRESHOLD",
    "ColumnFacts",
    "DriftReport",
    "DriftRule",
    "compare_prepared",
    "drift_report",
    "facts_of",
    "fire",
]

# --- named defaults ---------------------------------------------------------------------------
#: A column tested by p-value drifts when p is below this.
P_VALUE_THRESHOLD = 0.05
#: A column judged by effect size (normalised Wasserstein distance for numbers, Jensen-Shannon
#: distance for labels) drifts when the effect is above this (evidently's default).
EFFECT_THRESHOLD = 0.1
#: The effect size decides only when chance alone gives at most this share of
#: EFFECT_THRESHOLD (see drift_statistics.chance_level); above, the p-value decides.
CHANCE_SHARE = 0.5
#: A column also drifts when its share of missing values grows by more than this, and by more
#: than chance explains (one-sided Fisher test, p below P_VALUE_THRESHOLD).
MISSING_JUMP = 0.05
#: PSI severity bands: below 0.1 minor, 0.1 to 0.25 moderate, above 0.25 major (the usual rule).
PSI_BANDS = (0.1, 0.25)
#: Above this many values in a sample, scipy's KS p-value takes about a second per column
#: (its exact large-sample distribution); drift_report skips it there unless asked.
KS_P_VALUE_MAX_N = 10_000


# --- the rule table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnFacts:
    """What the rules look at in one column of the reference and the current batch.

    ``chance`` is the effect size two samples of these sizes from one distribution show by
    chance alone (:func:`toolkit.drift_statistics.chance_level`).
    """

    group: str  # "numeric" or "labels"
    n_ref: int
    n_cur: int
    missing_ref: float
    missing_cur: float
    n_levels: int
    distinct_share: float
    chance: float


@dataclass(frozen=True)
class DriftRule:
    """One row of the drift rule table: if ``applies(facts)``, test the column this way.

    ``test`` is ``"ks"`` (two-sample Kolmogorov-Smirnov), ``"chi2"`` (chi-square on the table
    of level counts) or ``"none"``; ``decide_by`` is ``"p_value"``, ``"effect"``, ``"missing"``
    or ``"none"``.
    """

    name: str
    test: str
    decide_by: str
    applies: Callable[[ColumnFacts], bool]
    why: str


def _noisy(facts: ColumnFacts) -> bool:
    return facts.chance > CHANCE_SHARE * EFFECT_THRESHOLD


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
    DriftRule("labels_small", "chi2", "p_value", lambda f: f.group == "labels" and _noisy(f),
              "labels, {n_ref} reference and {n_cur} current values over {n_levels} levels: "
              "chance alone gives a Jensen-Shannon distance near {chance:.2f}, too close to "
              "{EFFECT_THRESHOLD}, so the chi-square p-value decides"),
    DriftRule("labels_large", "chi2", "effect", lambda f: f.group == "labels",
              "labels, {n_ref} reference and {n_cur} current values: Jensen-Shannon distance "
              "(chance alone gives {chance:.2f}), since at this size any p-value is tiny"),
    DriftRule("numeric_small", "ks", "p_value", _noisy,
              "numbers, {n_ref} reference and {n_cur} current values: chance alone gives a "
              "normalised Wasserstein distance near {chance:.2f}, too close to "
              "{EFFECT_THRESHOLD}, so the Kolmogorov-Smirnov p-value decides"),
    DriftRule("numeric_large", "ks", "effect", lambda f: True,
              "numbers, {n_ref} reference and {n_cur} current values: normalised Wasserstein "
              "distance (chance alone gives {chance:.2f}), since at this size any p-value is "
              "tiny"),
)


def fire(facts: ColumnFacts) -> tuple[DriftRule, str]:
    """The first rule of :data:`DRIFT_RULES` that applies, and why, in words.

    >>> facts = ColumnFacts("labels", 5_000, 0, 0.0, 1.0, 3, 0.001, float("nan"))
    >>> fire(facts)[0].name
    'current_all_missing'
    """
    context = {**vars(facts), **globals()}
    for rule in DRIFT_RULES:
        if rule.applies(facts):
            return rule, rule.why.format(**context)
    raise AssertionError("the last rule always matches")  # pragma: no cover


def facts_of(ref: ReferenceColumn, n_cur: int, missing_cur: float) -> ColumnFacts:
    """The facts the rules read, for a reference column and a batch of ``n_cur`` values."""
    return ColumnFacts(ref.kind, ref.n, n_cur, ref.missing_share, missing_cur, ref.n_levels,
                       ref.distinct_share, chance_level(ref, n_cur))


# --- the report ----------------------------------------------------------------------------------
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
        """Draw :func:`toolkit.drift_plots.plot_drift_report`."""
        return plot_drift_report(self, ax=ax)

    def _repr_html_(self) -> str:
        return (f"<p>{self.n_drifted} of {self.n_tested} tested columns drifted "
                f"({self.share_drifted:.0%}).</p>" + self.table.to_html(index=False))


_TABLE_COLUMNS = ["column", "kind", "rule", "test", "statistic", "p_value", "psi",
                  "jensen_shannon", "wasserstein", "chance", "missing_ref", "missing_cur",
                  "decided_by", "threshold", "drifted", "missing_up", "severity", "reason"]


def compare_prepared(ref: PreparedReference, current: pd.DataFrame,
                     calibration: Calibration | None = None, *,
                     p_values: bool | str = "auto") -> DriftReport:
    """:func:`drift_report` against a reference prepared once (what ``monitor`` calls per batch).

    >>> prepared = PreparedReference(pd.DataFrame({"x": np.arange(50.0)}))
    >>> compare_prepared(prepared, pd.DataFrame({"x": np.arange(50.0) + 40})).n_drifted
    1
    """
    rows = map_columns(lambda name: _compare_column(name, ref.summaries[name], current[name],
                                                     calibration, p_values),
                       ref.columns, rows=len(current),
                       threaded=lambda name: ref.summaries[name].group == "numeric")
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    table["drifted"] = table["drifted"].astype("boolean")
    table["missing_up"] = table["missing_up"].astype("boolean")
    tested = int(table["drifted"].notna().sum())
    drifted = int(table["drifted"].sum())
    return DriftReport(table, tested, drifted, drifted / tested if tested else float("nan"))


def _compare_column(name, ref: ReferenceColumn, series: pd.Series, calibration, p_values) -> dict:
    cur = summarise_batch(series, ref)
    facts = facts_of(ref, cur.n, cur.missing_share)
    rule, why = fire(facts)
    row = {"column": name, "kind": ref.kind, "rule": rule.name, "test": rule.test,
           "statistic": np.nan, "p_value": np.nan, "psi": np.nan, "jensen_shannon": np.nan,
           "wasserstein": np.nan, "chance": facts.chance, "missing_ref": facts.missing_ref,
           "missing_cur": facts.missing_cur, "decided_by": rule.decide_by,
           "threshold": np.nan, "drifted": pd.NA, "missing_up": pd.NA, "severity": "not tested",
           "reason": why}
    if rule.decide_by == "missing":
        row.update(drifted=True, missing_up=True, severity="major")
    elif rule.test != "none":
        if ref.group == "labels":
            row.update(label_statistics(ref, cur, p_value=True))
        else:
            wanted = (p_values is True or rule.decide_by == "p_value"
                      or (p_values == "auto" and max(ref.n, cur.n) <= KS_P_VALUE_MAX_N))
            row.update(numeric_statistics(ref, cur, p_value=wanted))
            if not wanted:
                row["reason"] += (f" (KS p-value skipped above {KS_P_VALUE_MAX_N:,} values, "
                                  "where it is slow and tiny anyway; p_values=True computes it)")
        _decide(row, rule, ref, cur, calibration)
    return row


def _decide(row: dict, rule: DriftRule, ref: ReferenceColumn, cur, calibration) -> None:
    effect = EFFECT_STATISTIC[ref.group]
    band = calibration.band(row["column"], effect) if calibration is not None else None
    if band is not None:
        value, threshold = row[effect], band
        # "not <=" rather than ">": a statistic that could not be computed (NaN) alarms
        shifted = not value <= band
        verdict = (f"{effect} {value:.3g} {'>' if shifted else '<='} {band:.3g}, the band "
                   "calibrated on the reference")
        row["decided_by"] = "calibrated"
    elif rule.decide_by == "p_value":
        value, threshold = row["p_value"], P_VALUE_THRESHOLD
        shifted = not value >= threshold
        verdict = f"p = {value:.2g} {'<' if shifted else '>='} {threshold}"
    else:
        value, threshold = row[effect], EFFECT_THRESHOLD
        shifted = not value <= threshold
        verdict = f"{effect} {value:.3g} {'>' if shifted else '<='} {threshold}"
    missing_up, why_missing = _missing_up(row, ref, cur, calibration)
    drifted = shifted or missing_up
    row["threshold"], row["drifted"], row["missing_up"] = threshold, drifted, missing_up
    row["reason"] = f"{row['reason']}: {verdict}{why_missing}"
    if not drifted:
        row["severity"] = "none"
    else:
        row["severity"] = ("minor" if row["psi"] < PSI_BANDS[0]
                           else "moderate" if row["psi"] < PSI_BANDS[1] else "major")


def _missing_up(row: dict, ref: ReferenceColumn, cur, calibration) -> tuple[bool, str]:
    """Did the share of missing values grow beyond its band (or beyond the fixed rule)?"""
    jump = row["missing_cur"] - row["missing_ref"]
    words = f"; missing values up from {row['missing_ref']:.1%} to {row['missing_cur']:.1%}"
    band = calibration.band(row["column"], "missing_share") if calibration is not None else None
    if band is not None:
        up = jump > band
        return up, (f"{words} (by more than the band {band:.3g})" if up else "")
    if jump <= MISSING_JUMP:
        return False, ""
    table = [[cur.n_missing, cur.n], [ref.n_missing, ref.n]]
    p = float(stats.fisher_exact(table, alternative="greater").pvalue)
    up = p < P_VALUE_THRESHOLD
    return up, (f"{words} (one-sided Fisher p = {p:.2g})" if up else "")


def drift_report(reference: pd.DataFrame, current: pd.DataFrame,
                 columns: Sequence[str] | None = None, *,
                 calibration: Calibration | None = None,
                 p_values: bool | str = "auto") -> DriftReport:
    """Compare every column of ``current`` with the ``reference``, each with a suited test.

    :data:`DRIFT_RULES` picks the test by the column's kind and by how much chance alone would
    move its effect size at these sizes (the first matching rule wins): numbers get the
    two-sample Kolmogorov-Smirnov test, labels (categories, text, booleans) chi-square on
    their level counts. When chance alone would give an effect size above
    ``CHANCE_SHARE * EFFECT_THRESHOLD`` (few rows on either side, or many levels) the p-value
    decides, at :data:`P_VALUE_THRESHOLD`; otherwise an effect size does (normalised
    Wasserstein distance for numbers, Jensen-Shannon distance for labels, above
    :data:`EFFECT_THRESHOLD`), because with many rows every p-value is tiny. With a
    ``calibration`` from :func:`toolkit.drift_calibration.calibrate`, the effect size and the
    share of missing values are compared with the bands the reference's own variation sets.
    Missing values, and infinite numbers, are left out of the statistics and counted apart: a
    column also drifts when its share of missing values grows by more than
    :data:`MISSING_JUMP` and by more than chance explains (or beyond its calibrated band).

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
        Alert bands from ``calibrate``; without it the fixed thresholds are used.
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
        ``scipy.stats.ks_2samp`` / ``chi2_contingency``), ``psi`` (over levels for labels),
        ``jensen_shannon`` (base 2, from 0 to 1), ``wasserstein`` (divided by the reference's
        standard deviation), ``chance`` (the effect size chance alone gives at these sizes),
        ``missing_ref`` and ``missing_cur``, ``decided_by``, ``threshold``, ``drifted``
        (missing when the column could not be tested), ``missing_up`` (the missing share grew
        too much), ``severity`` (from PSI: minor, moderate, major) and ``reason`` in words.
        ``n_tested``, ``n_drifted`` and ``share_drifted`` summarise the dataset.

    Raises
    ------
    ValueError
        If a frame is empty, or ``current`` lacks columns of the reference.
    TypeError
        If a column holds numbers in one frame and labels in the other.

    Examples
    --------
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
    return compare_prepared(PreparedReference(reference, columns), current, calibration,
                            p_values=p_values)
