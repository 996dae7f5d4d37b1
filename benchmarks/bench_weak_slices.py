"""Weak-slice search: toolkit.error_analysis.find_weak_slices beside the sliceline package.

Both search slices of up to two conditions on the same binned data (10 bins per column), with
the same score (SliceLine, alpha=0.99) and the same minimum support (1 % of the rows), and
must find the slice we planted: 1.7 % of the rows with four times the error rate of the rest.
sliceline runs in a child process with a time and memory limit, because on wide data it can
use more memory than a laptop has.

Run: python benchmarks/bench_weak_slices.py  (sliceline comes with the `bench` extra)
"""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np
import pandas as pd

from toolkit._planted import planted_data
from toolkit.error_analysis import find_weak_slices
from toolkit.slices import bin_column

N_ROWS = 100_000
WIDTHS = (8, 20)
#: The size people meet in practice, timed for toolkit alone (sliceline does not finish there).
BIG_ROWS, BIG_WIDTH, BIG_RUNS = 1_000_000, 20, 3
MIN_SUPPORT = 0.01
ALPHA = 0.99
SLICELINE_TIMEOUT_S = 90
SLICELINE_MEMORY_GB = 8


def _sliceline(codes: np.ndarray, errors: np.ndarray, queue) -> None:
    import resource

    limit = SLICELINE_MEMORY_GB * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from sliceline.slicefinder import Slicefinder
    except ImportError:
        queue.put(("not installed", None, None))
        return
    try:
        start = time.perf_counter()
        finder = Slicefinder(alpha=ALPHA, k=3, max_l=2, min_sup=int(MIN_SUPPORT * len(codes)),
                             verbose=False)
        finder.fit(codes, errors)
        seconds = time.perf_counter() - start
        queue.put(("ok", seconds, finder.top_slices_[0].tolist()))
    except MemoryError:
        queue.put((f"out of memory (> {SLICELINE_MEMORY_GB} GB)", None, None))


def run_sliceline(X: pd.DataFrame, errors: np.ndarray) -> tuple[str, float | None, list | None]:
    # sliceline wants integer-coded features starting at 1; give it our bins.
    codes = np.column_stack([bin_column(X[c], 10)[0] + 1 for c in X.columns])
    queue = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(target=_sliceline, args=(codes, errors, queue))
    child.start()
    child.join(SLICELINE_TIMEOUT_S)
    if child.is_alive():
        child.kill()
        child.join()
        return f"stopped after {SLICELINE_TIMEOUT_S} s", None, None
    if queue.empty():
        return f"crashed (exit code {child.exitcode}; out of memory?)", None, None
    return queue.get()


def main() -> None:
    """Print the side-by-side times."""
    print(f"weak-slice search, {N_ROWS:,} rows, slices of up to 2 conditions, "
          f"min support {MIN_SUPPORT:.0%}, alpha {ALPHA}")
    print(f"{'columns':>8} {'toolkit s':>10} {'top-1 found by toolkit':>34} "
          f"{'sliceline s':>12} {'ratio':>7}  sliceline")
    for width in WIDTHS:
        X, y_true, y_pred, _ = planted_data(n_cols=width)
        if width < 20:  # keep the planted columns c3 and x4 among the first `width`
            X = X.iloc[:, :width]
        start = time.perf_counter()
        top = find_weak_slices(X, y_true, y_pred, min_support=MIN_SUPPORT, alpha=ALPHA, top_k=3)
        ours = time.perf_counter() - start
        status, theirs, best = run_sliceline(X, (y_true != y_pred).astype(float))
        if best is not None:  # decode sliceline's 1-based bin codes into our slice names
            labels = [bin_column(X[c], 10)[1] for c in X.columns]
            status += ", top-1 " + " & ".join(f"{X.columns[j]} = {labels[j][int(code) - 1]}"
                                               for j, code in enumerate(best) if code is not None)
        ratio = f"{theirs / ours:6.0f}x" if theirs else "     -"
        theirs_s = f"{theirs:12.1f}" if theirs else f"{'-':>12}"
        print(f"{width:>8} {ours:10.2f} {top['slice'].iloc[0]:>34} {theirs_s} {ratio}  {status}")
    X, y_true, y_pred, _ = planted_data(n_rows=BIG_ROWS, n_cols=BIG_WIDTH)
    times = []
    for _ in range(BIG_RUNS):
        start = time.perf_counter()
        top = find_weak_slices(X, y_true, y_pred, min_support=MIN_SUPPORT, alpha=ALPHA, top_k=3)
        times.append(time.perf_counter() - start)
    print(f"{BIG_ROWS:,} rows x {BIG_WIDTH}: toolkit median {np.median(times):.2f} s of {BIG_RUNS} runs "
          f"({', '.join(f'{t:.2f}' for t in times)}), top-1 {top['slice'].iloc[0]}")


if __name__ == "__main__":
    main()
