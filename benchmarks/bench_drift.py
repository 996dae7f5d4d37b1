"""How long does a drift report take on a million rows, next to the scipy loop people would write?

Two frames of N rows x 20 columns (10 normal numbers, 10 four-level text columns), the current
frame mildly drifted, in three forms:

* ``csv``: the text columns as ``pandas.read_csv`` gives them (pandas 3: the ``str`` dtype, each
  cell its own Python string), read from a CSV written for the purpose;
* ``category``: the ``category`` dtype that ``datasets.load`` gives;
* ``object``: plain Python objects.

For each form, in alternation so that all see the same machine load, ``--runs`` times each:

1. ``toolkit.drift.drift_report`` (KS, Wasserstein, PSI and Jensen-Shannon for numbers, chi-square,
   PSI and Jensen-Shannon for labels, with the rule table);
2. a plain per-column loop: ``scipy.stats.ks_2samp`` for numbers, ``chi2_contingency`` on
   ``pandas.crosstab`` for text (fewer statistics than 1.).

It prints the median of each and their ratio, checks that the report is the same in every form
(the statistics do not depend on how text is stored), and reports ``drift_report``'s peak
memory (tracemalloc) against the two frames'. Then ``domain_classifier`` on 100,000 x 20 and
``monitor``-style use: many batches against one prepared reference.

Run: ``python benchmarks/bench_drift.py [--rows N] [--runs R] [--forms csv category object]``.
evidently and NannyML need pandas < 3, so they are timed in their own environment by
``benchmarks/anchors/bench_anchors.py`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd
from scipy import stats

from toolkit import drift

LEVELS = np.array(["north", "south", "east", "west"], dtype=object)


def make_frames(n: int, form: str, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and a mildly drifted current frame, n rows x 20 columns each."""
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        cols = {f"num_{i}": rng.normal(shift * (i % 3), 1.0, n) for i in range(10)}
        codes = {f"cat_{i}": rng.choice(4, n, p=rng.dirichlet(np.full(4, 20.0 / (1 + shift))))
                 for i in range(10)}
        if form == "category":
            cols |= {k: pd.Categorical.from_codes(c, LEVELS) for k, c in codes.items()}
        elif form == "object":
            cols |= {k: pd.Series(LEVELS[c], dtype=object) for k, c in codes.items()}
        else:  # as read from a CSV file: every cell its own string object
            text = pd.DataFrame({k: LEVELS[c] for k, c in codes.items()}).to_csv(index=False)
            cols |= dict(pd.read_csv(io.StringIO(text)).items())
        return pd.DataFrame(cols)

    return frame(0.0), frame(0.05)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> dict:
    """What people write: one scipy call per column."""
    out = {}
    for name in ref.columns:
        if name.startswith("num"):
            out[name] = stats.ks_2samp(ref[name].dropna(), cur[name].dropna()).pvalue
        else:
            table = pd.crosstab(np.r_[np.zeros(len(ref)), np.ones(len(cur))],
                                np.r_[ref[name].astype(str), cur[name].astype(str)])
            out[name] = stats.chi2_contingency(table).pvalue
    return out


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def compare_forms(rows: int, runs: int, forms: list[str]) -> None:
    reports = {}
    for form in forms:
        ref, cur = make_frames(rows, form)
        frames_mb = (ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum()) / 1e6
        ours, loop = [], []
        for _ in range(runs):  # alternating, so both see the same load
            seconds, reports[form] = timed(drift.drift_report, ref, cur)
            ours.append(seconds)
            loop.append(timed(scipy_loop, ref, cur)[0])
        tracemalloc.start()
        drift.drift_report(ref, cur)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        mine, theirs = statistics.median(ours), statistics.median(loop)
        print(f"{form:9s} {rows:,} x 20: drift_report {mine:5.2f} s (runs {fmt(ours)}), scipy loop "
              f"{theirs:5.2f} s (runs {fmt(loop)}): {theirs / mine:.1f}x faster; peak memory "
              f"{peak_mb:.0f} MB = {peak_mb / frames_mb:.2f} x the two frames ({frames_mb:.0f} MB)")
    tables = [r.table for r in reports.values()]
    same = all(_same(t, tables[0]) for t in tables[1:])
    print(f"the report is the same in every form (to float rounding): {same}")


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    except AssertionError:
        return False
    return True


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def many_batches(rows: int, batch_rows: int, n_batches: int) -> None:
    """monitor's pattern: one reference reduced once, then many batches."""
    ref, cur = make_frames(rows, "category", seed=2)
    start = time.perf_counter()
    prepared = drift.PreparedReference(ref)
    prepare_s = time.perf_counter() - start
    batches = [cur.iloc[k * batch_rows:(k + 1) * batch_rows] for k in range(n_batches)]
    seconds, _ = timed(lambda: [drift.compare_prepared(prepared, b) for b in batches])
    print(f"monitor pattern: reference of {rows:,} rows reduced once in {prepare_s:.2f} s, then "
          f"{n_batches} batches of {batch_rows:,} rows in {seconds:.2f} s "
          f"({seconds / n_batches * 1000:.0f} ms a batch)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--forms", nargs="+", default=["csv", "category", "object"])
    parser.add_argument("--domain-rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; medians of {args.runs}")
    compare_forms(args.rows, args.runs, args.forms)
    many_batches(args.rows, 10_000, 20)
    ref, cur = make_frames(args.domain_rows, "category", seed=1)
    domain_s, result = timed(drift.domain_classifier, ref, cur)
    print(f"domain_classifier on {args.domain_rows:,} x 20: {domain_s:.2f} s  "
          f"(AUC {result.auc:.3f} [{result.auc_low:.3f}, {result.auc_high:.3f}], "
          f"top column {result.columns['column'].iloc[0]})")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
