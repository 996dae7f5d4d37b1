"""Pictures of drift: a ranked chart of a report, a column against its reference, a band's origin.

>>> import pandas as pd
>>> ref = pd.DataFrame({"plan": ["a", "b"] * 10})
>>> ax = plot_distribution_shift(ref, ref.assign(plan=["a"] * 20), "plan")
>>> ax.get_ylabel()
'share of rows'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit.drift_columns import check_pair, column_group, numbers, row_codes
from toolkit.plotting import COLORS, new_axes

__all__ = ["plot_calibration_band", "plot_distribution_shift", "plot_drift_report"]


def plot_drift_report(report: Any, *, ax=None):
    """A ranked bar chart of each column's effect size, with the threshold each was judged by.

    Bars are the normalised Wasserstein distance (numbers) or the Jensen-Shannon distance
    (labels); vermillion bars drifted, blue ones did not; black ticks mark each column's
    threshold (the fixed one, or the calibrated band). Columns judged by a p-value have no tick.

    Examples
    --------
    >>> from toolkit.drift_rules import drift_report
    >>> ref = pd.DataFrame({"x": range(100), "c": ["a", "b"] * 50})
    >>> ax = plot_drift_report(drift_report(ref, ref))
    >>> ax.get_xlabel()
    'effect size (Wasserstein / Jensen-Shannon distance)'
    """
    table = getattr(report, "table", None)
    if not isinstance(table, pd.DataFrame) or "decided_by" not in table.columns:
        raise TypeError(f"report must be a DriftReport from drift_report(); got "
                        f"{type(report).__name__}.")
    table = table.copy()
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


def plot_calibration_band(calibration: Any, column: str, statistic: str | None = None, *,
                          value: float | None = None, bins: int = 40, ax=None):
    """Where a band comes from: the statistic on every healthy chunk, and the band above them.

    A histogram of one column's statistic over the reference's chunks (blue), the band
    (black line) and, if given, a batch's ``value`` (orange line).

    Parameters
    ----------
    calibration : Calibration
        From ``calibrate``.
    column : str
        A calibrated column.
    statistic : str, optional
        Default: the column's effect size (``wasserstein`` or ``jensen_shannon``).
    value : float, optional
        A batch's statistic, to place among the chunks.
    bins : int, default=40
        Histogram bins.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Examples
    --------
    >>> from toolkit.drift_calibration import calibrate
    >>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=2_000)})
    >>> ax = plot_calibration_band(calibrate(ref, chunk=200, alpha=0.05), "x")
    >>> ax.get_xlabel(), ax.get_legend_handles_labels()[1][1]
    ('wasserstein of x', 'band (alpha = 0.05)')
    """
    values = getattr(calibration, "values", None)
    if not isinstance(values, pd.DataFrame) or not hasattr(calibration, "band"):
        raise TypeError(f"calibration must be a Calibration from calibrate(); got "
                        f"{type(calibration).__name__}.")
    names = {s for c, s in values.columns if c == column and s != "missing_share"}
    if statistic is None and len(names) == 1:
        statistic = names.pop()
    if (column, statistic) not in values.columns:
        raise ValueError(f"column {column!r} with statistic {statistic!r} was not calibrated; "
                         f"calibrated are {sorted(set(values.columns))[:8]!r}.")
    ax = new_axes(ax)
    chunks = values[(column, statistic)].dropna()
    ax.hist(chunks, bins=bins, color=COLORS["primary"], alpha=0.7,
            label=f"{len(chunks)} healthy chunks")
    band = calibration.band(column, statistic)
    ax.axvline(band, color="black", linewidth=2, label=f"band (alpha = {calibration.alpha:g})")
    if value is not None:
        ax.axvline(value, color=COLORS["highlight"], linewidth=2, linestyle="--", label="batch")
    ax.set_xlabel(f"{statistic} of {column}")
    ax.set_ylabel("chunks")
    ax.set_title(f"{column}: {(chunks > band).sum()} of {len(chunks)} chunks above the band")
    ax.legend(loc="upper left")  # the band sits in the right tail
    return ax


def _shares(reference: pd.Series, current: pd.Series) -> pd.DataFrame:
    """Share of rows of each level, reference levels first, then the batch's new ones."""
    ref_codes, levels = row_codes(reference, pd.Index([], dtype=object))
    cur_codes, new = row_codes(current, levels)
    width = len(levels) + len(new)
    counts = np.array([np.bincount(c[c >= 0], minlength=width) for c in (ref_codes, cur_codes)])
    order = np.arange(width)
    if not isinstance(reference.dtype, pd.CategoricalDtype):  # categories keep their own order
        # the reference's levels by frequency, then the new ones by frequency in the batch
        order = np.r_[np.argsort(-counts[0, :len(levels)], kind="stable"),
                      len(levels) + np.argsort(-counts[1, len(levels):], kind="stable")]
    keep = order[counts[:, order].sum(axis=0) > 0]
    table = pd.DataFrame(counts[:, keep].T, index=levels.append(new)[keep])
    return table / table.sum()


def plot_distribution_shift(reference: pd.DataFrame, current: pd.DataFrame, column: str, *,
                            bins: int = 40, ax=None):
    """Reference (blue) against current (orange) for one column: histograms or level shares.

    Numbers get overlaid density histograms on shared bins; labels get side-by-side bars of
    each level's share (levels the reference never had show as orange bars alone).

    Examples
    --------
    >>> ref = pd.DataFrame({"plan": ["a", "b"] * 10})
    >>> ax = plot_distribution_shift(ref, ref.assign(plan=["a", "b", "c", "a"] * 5), "plan")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b', 'c']
    """
    check_pair(reference, current, [column])
    ax = new_axes(ax)
    r, c = reference[column], current[column]
    if column_group(r) == "numeric":
        a, b = (np.sort(x[~np.isnan(x)]) for x in (numbers(r), numbers(c)))
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=bins)
        ax.hist(a, bins=edges, density=True, histtype="stepfilled", alpha=0.45,
                color=COLORS["primary"], label=f"reference (n={len(a):,})")
        ax.hist(b, bins=edges, density=True, histtype="step", linewidth=2,
                color=COLORS["highlight"], label=f"current (n={len(b):,})")
        ax.set_xlabel(column)
        ax.set_ylabel("density")
    else:
        table = _shares(r, c)
        x = np.arange(len(table))
        ax.bar(x - 0.2, table.iloc[:, 0], width=0.4, color=COLORS["primary"], label="reference")
        ax.bar(x + 0.2, table.iloc[:, 1], width=0.4, color=COLORS["highlight"], label="current")
        ax.set_xticks(x, [str(v) for v in table.index])
        ax.set_xlabel(column)
        ax.set_ylabel("share of rows")
    ax.set_title(f"{column}: reference vs current")
    ax.legend()
    return ax
