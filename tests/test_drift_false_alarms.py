"""False alarms, measured: over 1,000+ healthy batches, how often does a column cry wolf?

Each test draws healthy batches from the same world as the reference and counts the alarms,
then checks the rate against what the method promises, within a binomial tolerance of three
standard deviations (so a broken promise fails, and a kept one passes but for a 1-in-370
fluke). The promise holds over the chance of the reference as well as of the batch, so each
test draws many references. These tests failed on the code before: bands set on 30 chunks
with a Student quantile on log-distances alarmed far less than alpha on label columns and
never calibrated the missing share; and the rule table, which looked at the reference's size
only, judged batches of 100 rows by an effect size that chance alone pushes past its
threshold.
"""

import numpy as np
import pandas as pd

from toolkit import drift

#: pandas 3 reads text as "str" (NaN for missing); pandas 2 keeps objects
TEXT = "str" if int(pd.__version__.split(".")[0]) >= 3 else object

NUMBERS = ["normal", "skewed", "counts", "gappy"]
LABELS = ["two", "four", "twelve", "gappy_labels"]
TWELVE = [f"L{i}" for i in range(12)]
ZIPF = np.arange(1, 13) ** -1.0 / np.sum(np.arange(1, 13) ** -1.0)


def _world(n, rng):
    """Four number and four label columns; one of each kind has missing values."""
    gappy = rng.normal(0, 1, n)
    gappy[rng.random(n) < 0.2] = np.nan
    labels = rng.choice(["a", "b", "c"], n).astype(object)
    labels[rng.random(n) < 0.1] = None
    return pd.DataFrame({
        "normal": rng.normal(50, 10, n), "skewed": rng.gamma(2, 3, n),
        "counts": rng.poisson(2, n), "gappy": gappy,
        "two": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
        "four": rng.choice(list("wxyz"), n, p=[0.4, 0.3, 0.2, 0.1]),
        "twelve": rng.choice(TWELVE, n, p=ZIPF),
        "gappy_labels": pd.Series(labels, dtype=TEXT),
    })


def _within(alarms, n, rate):
    """Whether ``alarms`` of ``n`` is within three binomial standard deviations of ``rate``."""
    return abs(alarms / n - rate) <= 3 * np.sqrt(rate * (1 - rate) / n)


def _healthy(n_references, n_batches, batch_rows, calibrated, alpha=0.01, seed=0):
    """Verdicts of healthy batches: (distribution alarm, missing alarm) per column, and the
    calibrations' own leave-one-out estimates of the family-wise rate."""
    rng = np.random.default_rng(seed)
    shifted, missing, estimates = [], [], []
    for r in range(n_references):
        reference = _world(5_000, rng)
        cal = drift.calibrate(reference, batch_rows, alpha=alpha, seed=r) if calibrated else None
        if cal is not None:
            estimates.append(cal.family_wise)
        prepared = drift.PreparedReference(reference)
        for _ in range(n_batches):
            table = drift.compare_prepared(prepared, _world(batch_rows, rng), cal).table
            up = table["missing_up"].fillna(False).to_numpy(dtype=bool)
            shifted.append(table["drifted"].to_numpy(dtype=bool) & ~up)
            missing.append(up)
    columns = list(reference.columns)
    return (pd.DataFrame(shifted, columns=columns), pd.DataFrame(missing, columns=columns),
            estimates)


def test_calibrated_bands_keep_alpha_per_check_and_state_the_family_wise_rate():
    alpha = 0.01
    shifted, missing, estimates = _healthy(25, 48, 200, calibrated=True, alpha=alpha)
    n_batches = len(shifted)
    assert n_batches >= 1_000
    numbers = shifted[NUMBERS].to_numpy()
    labels = shifted[LABELS].to_numpy()
    gaps = missing[["gappy", "gappy_labels"]].to_numpy()
    for name, flags in (("numbers", numbers), ("labels", labels), ("missing share", gaps)):
        assert _within(flags.sum(), flags.size, alpha), (name, flags.mean())
    # Ten checks (eight effect sizes, two missing shares) at 1 % each, on independent columns:
    # about 1 - 0.99^10 of healthy batches raise some alarm, and the calibration says so.
    any_alarm = int((shifted.any(axis=1) | missing.any(axis=1)).sum())
    assert _within(any_alarm, n_batches, 1 - (1 - alpha) ** 10), any_alarm / n_batches
    assert _within(any_alarm, n_batches, float(np.mean(estimates))), (any_alarm, estimates)


def test_fixed_rules_keep_the_p_value_threshold_on_small_batches():
    """Reference 5,000 rows, healthy batches of 100: each column alarms on about 5 % of them."""
    shifted, missing, _ = _healthy(20, 50, 100, calibrated=False, seed=1)
    flags = (shifted | missing).to_numpy()
    assert flags.size >= 8_000
    per_column = flags.mean(axis=0)
    assert flags.mean() <= drift.P_VALUE_THRESHOLD + 3 * np.sqrt(0.05 * 0.95 / flags.size), \
        dict(zip(shifted.columns, per_column, strict=True))
    assert per_column.max() < 0.1, dict(zip(shifted.columns, per_column, strict=True))


def test_a_column_of_118_levels_does_not_alarm_on_healthy_batches_of_1000():
    """Chance alone puts two healthy samples of 118 levels 0.17 apart in Jensen-Shannon
    distance, above the fixed 0.1: every healthy batch alarmed before the rules knew it."""
    levels = [f"model {i}" for i in range(118)]
    share = np.arange(1, 119) ** -0.8
    share /= share.sum()
    rng = np.random.default_rng(2)
    alarms = total = 0
    for _ in range(20):
        prepared = drift.PreparedReference(pd.DataFrame({"device": rng.choice(levels, 5_000,
                                                                              p=share)}))
        for _ in range(60):
            batch = pd.DataFrame({"device": rng.choice(levels, 1_000, p=share)})
            alarms += bool(drift.compare_prepared(prepared, batch).table.loc[0, "drifted"])
            total += 1
    assert total >= 1_000
    assert alarms / total <= drift.P_VALUE_THRESHOLD + 3 * np.sqrt(0.05 * 0.95 / total), alarms


def test_bands_at_another_alpha_and_batch_size():
    alpha = 0.05
    shifted, missing, _ = _healthy(40, 25, 500, calibrated=True, alpha=alpha, seed=3)
    flags = np.c_[shifted.to_numpy(), missing[["gappy", "gappy_labels"]].to_numpy()]
    assert flags.size >= 10_000
    assert _within(flags.sum(), flags.size, alpha), flags.mean()
