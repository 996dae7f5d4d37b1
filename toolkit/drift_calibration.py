"""Alarm bands that keep their promise, measured on random chunks of the healthy reference.

A fixed threshold ignores how much a statistic moves by chance at the batch size you monitor.
:func:`calibrate` measures it instead: it draws many random chunks of the reference, the size
of a batch, compares each with the rest of the reference, and keeps the statistic's values.
The band is an order statistic of them: with ``K`` chunks, the ``r``-th smallest value, where
``r = ceil((1 - alpha) (K + 1))``. A healthy batch is one more draw like the chunks, so it lands
above the band with probability at most ``alpha``, whatever the statistic's distribution (the
argument of conformal prediction). Bands are set for each column's effect size (normalised
Wasserstein distance, or Jensen-Shannon distance for labels) and for the jump of its share of
missing values.

Each chunk is compared with the reference *without* it: ``m`` rows fewer than a real batch is
compared with. Distances between two samples shrink as ``1 / sqrt(n_eff)``, with
``n_eff = n1 n2 / (n1 + n2)``, so each chunk's value is multiplied by
``sqrt(1 - (m / n)^2)`` (its ``n_eff`` over the batch's) to stand for a batch of its size.

With ``k`` checks (columns and missing shares), a healthy batch raises *some* alarm more often
than ``alpha``: up to ``1 - (1 - alpha)^k`` if the columns are independent.
:attr:`Calibration.family_wise` measures that share on the chunks themselves, each judged by
the bands the other chunks set.

>>> import numpy as np, pandas as pd
>>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=5_000)})
>>> cal = calibrate(ref, chunk=500, alpha=0.05)
>>> cal.n_chunks, cal.bands["statistic"].tolist()
(199, ['wasserstein', 'missing_share'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import rel_entr

from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_positive_int,
    check_probability,
)
from toolkit.drift_columns import (
    ReferenceColumn,
    names_rows,
    numbers,
    row_codes,
    summarise_reference,
)
from toolkit.drift_statistics import EFFECT_STATISTIC

__all__ = ["CHUNKS_PER_ALARM", "Calibration", "band_rank", "calibrate"]

#: By default calibrate draws enough chunks that this many lie above each band.
CHUNKS_PER_ALARM = 10
#: Cells of one block of chunk-by-row matrices: about ten float arrays this size live at once.
_BLOCK_CELLS = 20_000


@dataclass
class Calibration:
    """Alarm bands measured on chunks of the reference, from :func:`calibrate`.

    Attributes
    ----------
    bands : pandas.DataFrame
        One row per column and statistic (``wasserstein`` or ``jensen_shannon``, and
        ``missing_share``, the rise of the share of missing values): ``chunks`` (how many
        had a value), ``mean`` and ``band`` (the alarm band; see :func:`calibrate`).
    alpha : float
        The false-alarm rate each band keeps, per check and healthy batch (at most).
    n_chunks, chunk_rows : int
        How many chunks were compared, and their median size.
    family_wise : float
        Share of the chunks that raise at least one alarm over all checks, each chunk judged
        by the bands the *other* chunks set (leave one out): the share of healthy batches
        expected to raise some alarm.
    values : pandas.DataFrame
        The statistic of every chunk (rows) and check (columns ``(column, statistic)``),
        already scaled to a batch of the chunk's size (NaN where a chunk had no value).
    """

    bands: pd.DataFrame
    alpha: float
    n_chunks: int
    chunk_rows: int
    family_wise: float = float("nan")
    values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _lookup: dict = field(default_factory=dict, init=False, repr=False)
    _lookup_key: tuple = field(default=(), init=False, repr=False)

    @property
    def n_checks(self) -> int:
        """Bands set: one per column and statistic."""
        return len(self.bands)

    def band(self, column: str, statistic: str) -> float | None:
        """The band of ``statistic`` for ``column``, or None if it was not calibrated."""
        # A dict built once: filtering the frame cost milliseconds per column and batch.
        # The key notices a replaced or edited table (the sum moves when a band is changed).
        key = (id(self.bands), len(self.bands), float(self.bands["band"].to_numpy().sum()))
        if self._lookup_key != key:
            self._lookup = {(c, s): float(b) for c, s, b in
                            zip(self.bands["column"], self.bands["statistic"], self.bands["band"],
                                strict=True)}
            self._lookup_key = key
        return self._lookup.get((column, statistic))


def band_rank(n_values: int, alpha: float) -> int | None:
    """Which order statistic of ``n_values`` chunk values is the band (1 = the smallest).

    ``r = ceil((1 - alpha)(K + 1))``, written ``K + 1 - floor(alpha (K + 1))`` so that float
    rounding cannot move it; None when ``K`` is too small for ``alpha`` (``r > K``).

    >>> band_rank(999, 0.01), band_rank(30, 0.01)
    (990, None)
    """
    above = math.floor(round(alpha * (n_values + 1), 9))
    return n_values + 1 - above if above >= 1 else None


def _random_chunks(n_rows: int, size: int, n_chunks: int, seed: int) -> np.ndarray:
    """``n_chunks`` random sets of ``size`` rows, one per row of the array."""
    rng = np.random.default_rng(seed)
    chunks = np.empty((n_chunks, size), dtype=np.int32)
    for k in range(n_chunks):
        chunks[k] = rng.choice(n_rows, size, replace=False)
    return chunks


def _period_chunks(reference: pd.DataFrame, column: str) -> list[np.ndarray]:
    codes = pd.factorize(reference[column], sort=True)[0]
    return [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]


def _layout(chunks) -> list[tuple[np.ndarray, np.ndarray]]:
    """The chunks as 2-D blocks of row indices (one size per block) and their positions.

    Built once and shared by every column, in blocks of about ``_BLOCK_CELLS`` cells so that
    memory stays small whatever the number of chunks. ``chunks`` is a list of index arrays,
    or a 2-D array whose rows are chunks of one size (then the blocks are views of it).
    """
    sizes = np.array([len(c) for c in chunks])
    blocks = []
    for size in np.unique(sizes):
        same = np.flatnonzero(sizes == size)
        per_block = max(1, _BLOCK_CELLS // max(int(size), 1))
        for start in range(0, len(same), per_block):
            positions = same[start:start + per_block]
            if isinstance(chunks, np.ndarray):
                blocks.append((positions, chunks[positions[0]:positions[-1] + 1]))
            else:
                blocks.append((positions, np.array([chunks[k] for k in positions])))
    return blocks


def _leave_out(m: np.ndarray, n: int) -> np.ndarray:
    """sqrt(n_eff of chunk vs the rest / n_eff of a batch of m rows vs the whole reference)."""
    return np.sqrt(np.clip(1 - (m / n) ** 2, 0, None))


def _missing_jumps(missing: np.ndarray, layout, n_chunks: int) -> np.ndarray:
    """Each chunk's share of missing values minus that of the rest of the reference."""
    n, total = len(missing), int(missing.sum())
    out = np.empty(n_chunks)
    for positions, rows in layout:
        size = rows.shape[1]
        inside = missing[rows].sum(axis=1)
        out[positions] = (inside / size - (total - inside) / (n - size)) * _leave_out(size, n)
    return out


def _numeric_effects(x: np.ndarray, ref: ReferenceColumn, layout, n_chunks: int) -> np.ndarray:
    """Normalised Wasserstein distance of each chunk's finite values to the rest's.

    With ``u_t`` the reference's distinct values, ``F_t`` its CDF there, and ``c_t`` the
    chunk's values at or below ``u_t`` (``m`` in all, ``n`` in the reference), the two CDFs
    differ by ``n (c_t - m F_t) / (m (n - m))``, and the distance is the sum of its absolute
    value times ``u_(t+1) - u_t``. ``c_t`` only steps up at the chunk's own values, so the sum
    is taken segment by segment between them, splitting each where ``m F_t`` crosses ``c``,
    with prefix sums: the work grows with the chunk's size, not the reference's.
    """
    finite = np.sort(x[~np.isnan(x)])
    n = len(finite)
    distinct, first = np.unique(finite, return_index=True)
    cdf = np.r_[first[1:], n][:-1] / n  # F_t at each distinct value but the last
    widths = np.diff(distinct)
    width_sum = np.r_[0.0, np.cumsum(widths)]
    cdf_width_sum = np.r_[0.0, np.cumsum(cdf * widths)]
    end = len(widths)  # segments stop at the last distinct value
    # each row's distinct value (rows without a value go past the end, where they add nothing)
    where = np.searchsorted(distinct, np.where(np.isnan(x), np.inf, x))
    out = np.full(n_chunks, np.nan)
    for positions, rows in layout:
        at = np.sort(where[rows], axis=1)
        m = (at < len(distinct)).sum(axis=1).astype(float)
        starts = np.minimum(np.c_[np.zeros(len(at), dtype=np.int64), at], end)
        stops = np.minimum(np.c_[at, np.full(len(at), end)], end)
        c = np.arange(starts.shape[1], dtype=float)  # the chunk's count on each segment
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.searchsorted(cdf, c / m[:, None]).clip(starts, stops)
        s_w, s_fw = width_sum[cross], cdf_width_sum[cross]
        below = c * (s_w - width_sum[starts]) - m[:, None] * (s_fw - cdf_width_sum[starts])
        above = (m[:, None] * (cdf_width_sum[stops] - s_fw) - c * (width_sum[stops] - s_w))
        with np.errstate(divide="ignore", invalid="ignore"):
            effect = (below + above).sum(axis=1) * n / (m * (n - m)) / ref.scale
        effect[(m == 0) | (m == n)] = np.nan
        out[positions] = effect * _leave_out(m, n)
    return out


def _label_effects(codes: np.ndarray, layout, n_chunks: int, n_levels: int) -> np.ndarray:
    """Jensen-Shannon distance (base 2) of each chunk's level shares to the rest's."""
    total = np.bincount(codes[codes >= 0], minlength=n_levels)
    n = int(total.sum())
    out = np.full(n_chunks, np.nan)
    for positions, rows in layout:
        per_block = max(1, _BLOCK_CELLS // n_levels)  # the count table is chunks x levels
        for start in range(0, len(positions), per_block):
            c = codes[rows[start:start + per_block]]
            keep = c >= 0
            cell = np.arange(len(c))[:, None] * n_levels + c
            counts = np.bincount(cell[keep], minlength=len(c) * n_levels)
            counts = counts.reshape(len(c), n_levels).astype(float)
            m = counts.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                p = counts / m[:, None]
                q = (total - counts) / (n - m)[:, None]
                mid = (p + q) / 2
                divergence = (rel_entr(p, mid).sum(axis=1) + rel_entr(q, mid).sum(axis=1)) / 2
            effect = np.sqrt(np.maximum(divergence, 0) / math.log(2))
            effect[(m == 0) | (m == n)] = np.nan
            out[positions[start:start + per_block]] = effect * _leave_out(m, n)
    return out


def _column_values(series: pd.Series, ref: ReferenceColumn, layout,
                   n_chunks: int) -> dict[str, np.ndarray]:
    """Each chunk's effect size and missing-share jump for one column."""
    if ref.group == "numeric":
        x = numbers(series)
        effect = _numeric_effects(x, ref, layout, n_chunks)
        missing = np.isnan(x)
    else:
        codes = row_codes(series, ref.levels)[0]
        effect = _label_effects(codes, layout, n_chunks, len(ref.levels))
        missing = codes < 0
    return {EFFECT_STATISTIC[ref.group]: effect,
            "missing_share": _missing_jumps(missing, layout, n_chunks)}


def _leave_one_out(values: np.ndarray, alpha: float) -> np.ndarray:
    """Whether each chunk lies above the band the other chunks set (False without a value)."""
    above = np.zeros(len(values), dtype=bool)
    valid = np.flatnonzero(~np.isnan(values))
    rank = band_rank(len(valid) - 1, alpha)
    if rank is None:
        return above
    order = valid[np.argsort(values[valid], kind="stable")]
    ordered = values[order]
    # Without the chunk at sorted position j, the rank-th smallest of the others is
    # ordered[rank] if j < rank (it moved one step down), else ordered[rank - 1].
    position = np.arange(len(order))
    band = np.where(position < rank, ordered[min(rank, len(ordered) - 1)], ordered[rank - 1])
    above[order] = ordered > band
    return above


def calibrate(reference: pd.DataFrame, chunk: int | str = 1_000, *,
              columns: Sequence[str] | None = None, alpha: float = 0.01,
              n_chunks: int | None = None, seed: int = 0) -> Calibration:
    """Measure how much each statistic moves between healthy chunks of the reference; set bands.

    ``n_chunks`` random chunks of ``chunk`` rows are drawn from the reference (or the
    reference is cut by a column such as ``"month"``, one chunk per value), and each chunk is
    compared with the rest of the reference: a statistic that moves this much *inside* a
    healthy period is no reason to alarm. For each column, its effect size and the rise of its
    share of missing values get a band: the ``r``-th smallest of the ``K`` chunk values, with
    ``r = ceil((1 - alpha) (K + 1))``, which a healthy batch of ``chunk`` rows exceeds with
    probability at most ``alpha`` (see the module's documentation). Choose chunks the size of
    the batches you will monitor: small batches vary more.

    Parameters
    ----------
    reference : pandas.DataFrame
        The healthy period.
    chunk : int or str, default=1000
        Rows per chunk, or the name of a column whose values define the chunks (then each
        period is one chunk, so ``alpha`` must be at least ``1 / (periods + 1)``, and the
        bands also absorb how periods differ).
    columns : list of str, optional
        Columns to calibrate (default: all, except the period column).
    alpha : float, default=0.01
        False-alarm rate per check (column and statistic) and healthy batch.
    n_chunks : int, optional
        Random chunks to draw; default ``ceil(CHUNKS_PER_ALARM / alpha) - 1`` (999 for
        ``alpha=0.01``), so that about :data:`CHUNKS_PER_ALARM` chunks lie above each band.
    seed : int, default=0
        Seed of the random chunks.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        If a chunk holds more than half the reference, or there are too few chunks for
        ``alpha`` (fewer than ``1 / alpha - 1``).

    Examples
    --------
    >>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=5_000),
    ...                     "c": np.random.default_rng(1).choice(["a", "b"], 5_000)})
    >>> cal = calibrate(ref, chunk=500)
    >>> cal.n_chunks, cal.n_checks, round(cal.band("x", "wasserstein"), 2)
    (999, 4, 0.13)
    """
    check_dataframe(reference, "reference")
    alpha = check_probability(alpha, "alpha")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be between 0 and 0.5; got {alpha!r}.")
    if isinstance(chunk, str):
        check_columns(reference, [chunk], "chunk")
        if n_chunks is not None:
            raise ValueError(f"n_chunks draws random chunks of a number of rows; with "
                             f"chunk={chunk!r} each of its values is one chunk. Leave it out.")
        chunks = _period_chunks(reference, chunk)
        default_columns = [c for c in reference.columns if c != chunk]
    else:
        size = check_positive_int(chunk, "chunk", minimum=2)
        if size > len(reference) / 2:
            raise ValueError(f"chunk={chunk!r} is more than half the reference ({len(reference)} "
                             "rows); each chunk is compared with the rest, so take smaller chunks "
                             "or a larger reference.")
        n_chunks = (math.ceil(CHUNKS_PER_ALARM / alpha) - 1 if n_chunks is None
                    else check_positive_int(n_chunks, "n_chunks", minimum=3))
        chunks = _random_chunks(len(reference), size, n_chunks, seed)
        default_columns = list(reference.columns)
    columns = default_columns if columns is None else check_columns(reference, columns, "columns")
    biggest = max(len(c) for c in chunks)
    if biggest > len(reference) / 2 or band_rank(len(chunks), alpha) is None:
        raise ValueError(
            f"chunk={chunk!r} gives {len(chunks)} chunk(s) of the reference ({len(reference)} "
            f"rows), the largest of {biggest} rows; alpha={alpha:g} needs at least "
            f"{math.ceil(1 / alpha) - 1} chunks, each at most half the reference. Use more "
            "(n_chunks) or smaller chunks, or a larger alpha.")
    chunk_rows = int(np.median([len(c) for c in chunks]))
    return _bands(reference, columns, _layout(chunks), len(chunks), chunk_rows, alpha)


def _bands(reference: pd.DataFrame, columns: list, layout, n_chunks: int, chunk_rows: int,
           alpha: float) -> Calibration:
    rows, exceed, kept = [], [], {}
    for name in columns:
        ref = summarise_reference(reference[name])
        if ref.n == 0 or names_rows(ref):  # never tested: nothing to calibrate
            continue
        for statistic, values in _column_values(reference[name], ref, layout, n_chunks).items():
            valid = values[~np.isnan(values)]
            rank = band_rank(len(valid), alpha)
            if rank is None:
                continue  # too few chunks with a value: the fixed rules judge this one
            rows.append({"column": name, "statistic": statistic, "chunks": len(valid),
                         "mean": float(valid.mean()), "band": float(np.sort(valid)[rank - 1])})
            exceed.append(_leave_one_out(values, alpha))
            kept[(name, statistic)] = values
    bands = pd.DataFrame(rows, columns=["column", "statistic", "chunks", "mean", "band"])
    above = np.array(exceed).reshape(len(exceed), n_chunks)
    family_wise = float(above.any(axis=0).mean()) if len(exceed) else 0.0
    values = pd.DataFrame(kept, index=pd.RangeIndex(n_chunks, name="chunk"))
    return Calibration(bands, alpha, n_chunks, chunk_rows, family_wise, values)
