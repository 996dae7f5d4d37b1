"""How long does a drift report take on a million rows, and what memory does it need?

On two frames of N rows x 20 columns (10 numeric, 10 categorical with 4-8 levels, the
``category`` dtype that ``datasets.load`` gives), the current frame mildly drifted, we time:

1. ``toolkit.drift.drift_report``: KS, Wasserstein, PSI and Jensen-Shannon for every numeric
   column, chi-square, PSI and Jensen-Shannon for every categorical one, with the rule table;
   its peak memory (tracemalloc) is compared with the memory of the two frames (goal <= 2x);
2. a plain per-column loop people would write: ``scipy.stats.ks_2samp`` and
   ``chi2_contingency`` on ``pd.crosstab`` (fewer statistics than 1.);
3. the same loop computing the same statistics as 1. (adds ``wasserstein_distance`` and
   ``jensenshannon``), for a like-for-like ratio;
4. ``toolkit.drift.domain_classifier`` on 100,000 x 20 (goal <= 5 s).

Goal: 1. in <= 2 s at 1,000,000 rows. evidently and NannyML need pandas < 3, so they are timed
in their own environment by ``benchmarks/anchors/bench_anchors.py`` (see benchmarks/README.md).

Run: ``python benchmarks/bench_drift.py [--rows N] [--loop-rows M]`` (the loops are slow, so by
default they get 1,000,000 rows too; pass --loop-rows to cut them, toolkit is then re-timed on
those rows for a fair ratio).

Measured on the reference machine (2 cores, shared with other jobs: times vary x2), see
benchmarks/README.md for the figures.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

from toolkit import drift


def make_frames(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and a mildly drifted current frame, n rows x 20 columns each."""
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        cols = {}
        for i in range(10):
            values = rng.normal(shift * (i % 3), 1.0, n) if i % 2 else rng.gamma(2.0, 3.0 + shift, n)
            cols[f"num_{i}"] = values
        for i in range(10):
            levels = [f"level_{k}" for k in range(4 + i % 5)]
            p = rng.dirichlet(np.full(len(levels), 20.0 / (1 + shift)))
            cols[f"cat_{i}"] = pd.Categorical.from_codes(rng.choice(len(levels), n, p=p), levels)
        return pd.DataFrame(cols)

    return frame(0.0), frame(0.05)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame, same_statistics: bool) -> dict:
    """What people write: one scipy call per column."""
    out = {}
    for name in ref.columns:
        if name.startswith("num"):
            a, b = ref[name].dropna(), cur[name].dropna()
            out[name] = [stats.ks_2samp(a, b).pvalue]
            if same_statistics:
                out[name] += [stats.wasserstein_distance(a, b) / a.std(ddof=0)]
        else:
            table = pd.crosstab(np.r_[np.zeros(len(ref)), np.ones(len(cur))],
                                np.r_[ref[name].astype(str), cur[name].astype(str)])
            out[name] = [stats.chi2_contingency(table).pvalue]
            if same_statistics:
                shares = table.to_numpy() / table.to_numpy().sum(axis=1, keepdims=True)
                out[name] += [jensenshannon(shares[0], shares[1], base=2)]
    return out


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=None)
    parser.add_argument("--domain-rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    ref, cur = make_frames(args.rows)
    frames_mb = (ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum()) / 1e6
    drift_report_s, report = timed(drift.drift_report, ref, cur)
    tracemalloc.start()
    drift.drift_report(ref, cur)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"rows: {args.rows:,} x 20 (two frames: {frames_mb:.0f} MB)")
    print(f"toolkit drift_report:        {drift_report_s:6.2f} s  "
          f"({report.n_drifted} of {report.n_tested} columns drifted)")
    print(f"  peak memory (tracemalloc): {peak_mb:6.0f} MB = {peak_mb / frames_mb:.2f} x the frames")

    loop_rows = args.loop_rows or args.rows
    if loop_rows != args.rows:
        ref, cur = ref.iloc[:loop_rows], cur.iloc[:loop_rows]
        drift_report_s, _ = timed(drift.drift_report, ref, cur)
        print(f"toolkit drift_report on {loop_rows:,} rows: {drift_report_s:.2f} s")
    loop_s, _ = timed(scipy_loop, ref, cur, False)
    same_s, _ = timed(scipy_loop, ref, cur, True)
    print(f"scipy loop, KS + chi2:       {loop_s:6.2f} s  (toolkit {loop_s / drift_report_s:.1f}x faster)")
    print(f"scipy loop, same statistics: {same_s:6.2f} s  (toolkit {same_s / drift_report_s:.1f}x faster)")

    ref, cur = make_frames(args.domain_rows, seed=1)
    domain_s, result = timed(drift.domain_classifier, ref, cur)
    print(f"domain_classifier on {args.domain_rows:,} x 20: {domain_s:.2f} s  "
          f"(AUC {result.auc:.3f} [{result.auc_low:.3f}, {result.auc_high:.3f}], "
          f"top column {result.columns['column'].iloc[0]})")


if __name__ == "__main__":
    main()
