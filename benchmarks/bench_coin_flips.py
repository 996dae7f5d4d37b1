"""How fast is simulate_coin_flips? 1,000,000 labels x 1,000 coins, against the obvious ways.

- toolkit: draws each coin's number of correct guesses from a binomial (exact, no flips stored).
- numpy loop: one coin per iteration, flipping every label (1,000 iterations of 1e6 flips).
- DummyClassifier(strategy="uniform"): fit once, then predict + score with a new random_state
  per coin; timed on a sample of coins and scaled up to 1,000 (it would take minutes).

Run: python benchmarks/bench_coin_flips.py
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score

from toolkit.baselines import simulate_coin_flips

N_LABELS, N_TRIALS = 1_000_000, 1_000


def _timed(function, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def numpy_loop(y: np.ndarray, n_trials: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([np.mean((rng.random(len(y)) < 0.5) == y) for _ in range(n_trials)])


def dummy_loop(y: np.ndarray, n_trials: int) -> np.ndarray:
    x = np.zeros((len(y), 1))
    scores = []
    for seed in range(n_trials):
        model = DummyClassifier(strategy="uniform", random_state=seed).fit(x, y)
        scores.append(accuracy_score(y, model.predict(x)))
    return np.array(scores)


def main() -> None:
    y = (np.random.default_rng(0).random(N_LABELS) < 0.2).astype(int)
    toolkit_s = _timed(lambda: simulate_coin_flips(y, n_trials=N_TRIALS), repeat=3)
    loop_trials = 100
    loop_s = _timed(lambda: numpy_loop(y, loop_trials)) * N_TRIALS / loop_trials
    dummy_trials = 20
    dummy_s = _timed(lambda: dummy_loop(y, dummy_trials)) * N_TRIALS / dummy_trials

    mean = simulate_coin_flips(y, n_trials=N_TRIALS).mean
    print(f"simulate_coin_flips: {N_LABELS:,} labels x {N_TRIALS:,} coins (mean accuracy "
          f"{mean:.4f})")
    print(f"{'method':40s} {'seconds':>10s} {'x toolkit':>10s}")
    for name, seconds in [
        ("toolkit (binomial counts)", toolkit_s),
        ("numpy loop, one coin per iteration*", loop_s),
        ("DummyClassifier(uniform) per coin*", dummy_s),
    ]:
        print(f"{name:40s} {seconds:10.4f} {seconds / toolkit_s:10.0f}")
    print(f"* timed on {loop_trials} (numpy) and {dummy_trials} (Dummy) coins, scaled to "
          f"{N_TRIALS:,}.")


if __name__ == "__main__":
    main()
