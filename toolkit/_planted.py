"""A table with one planted weak slice: shared by the weak-slice test and its benchmark.

Kept in the package (private) so that both ``tests/test_error_analysis.py`` and
``benchmarks/bench_weak_slices.py`` import it, and neither executes the other's file.

>>> X, y_true, y_pred, planted = planted_data(n_rows=1_000, n_cols=6)
>>> X.shape, round(float(planted.mean()), 3)
((1000, 6), 0.016)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["planted_data"]


def planted_data(n_rows: int = 100_000, n_cols: int = 20, seed: int = 0):
    """Mixed columns; errors at 10 % everywhere but 40 % where c3 == 'b' and x4 is in its top 10 %.

    Returns ``X, y_true, y_pred`` and the planted slice's mask (``n_cols`` must be at least 5,
    so that ``c3`` and ``x4`` exist).
    """
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(n_cols):
        if j % 3 == 0:
            cols[f"c{j}"] = pd.Categorical(rng.choice(list("abcdefgh"[: 3 + j % 5]), n_rows))
        else:
            cols[f"x{j}"] = rng.lognormal(0, 1, n_rows) if j % 2 else rng.normal(0, 1, n_rows)
    X = pd.DataFrame(cols)
    planted = (X["c3"] == "b").to_numpy() & (X["x4"] > np.quantile(X["x4"], 0.9)).to_numpy()
    y_true = rng.integers(0, 2, n_rows)
    wrong = rng.random(n_rows) < np.where(planted, 0.40, 0.10)
    return X, y_true, np.where(wrong, 1 - y_true, y_true), planted
