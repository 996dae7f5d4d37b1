"""Drift on every dtype the course meets, and values no statistic can use (infinities, 1e300).

Nullable ``boolean``/``string``/``Int64`` columns crashed ``drift_report`` and the simulators
("loop of ufunc does not support argument 0 of type float which has no callable log method",
"Need to pass bool-like values"), and a non-finite number turned a drifted column into "not
drifted" (NaN compared as no drift).
"""

import numpy as np
import pandas as pd
import pytest

from toolkit import drift, monitoring

#: pandas 3 reads text as "str" (NaN for missing); pandas 2 keeps objects
TEXT = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def _typed(n, seed=0):
    """One column per dtype the course meets, each with some missing values where it can."""
    rng = np.random.default_rng(seed)
    gaps = rng.random(n) < 0.1
    text = rng.choice(["basic", "premium", "family"], n)
    flags = rng.random(n) < 0.4
    return pd.DataFrame({
        "float": np.where(gaps, np.nan, rng.normal(50, 10, n)),
        "Int64": pd.array(np.where(gaps, None, rng.poisson(3, n)), dtype="Int64"),
        "boolean": pd.array(np.where(gaps, None, flags), dtype="boolean"),
        "bool": flags,
        "string": pd.array(np.where(gaps, None, text), dtype="string"),
        "str": pd.Series(np.where(gaps, None, text), dtype=TEXT),
        "object": pd.Series(np.where(gaps, None, text), dtype=object),
        "category": pd.Categorical(np.where(gaps, None, text)),
        "datetime": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "datetime_tz": (pd.Timestamp("2024-01-01", tz="Europe/Paris")
                        + pd.to_timedelta(rng.integers(0, 365, n), "D")),
    })


def test_every_dtype_works_and_gives_the_statistics_of_its_plain_twin():
    ref, cur = _typed(3_000, 0), _typed(800, 1)
    before = ref.copy(), cur.copy()
    table = drift.drift_report(ref, cur).table.set_index("column")
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])
    assert table["drifted"].notna().all() and not table["drifted"].any()
    # a nullable column is compared exactly like its plain twin: floats, or objects with NaN
    plain = {"Int64": lambda s: s.astype(float), "boolean": lambda s: s.astype(object),
             "string": lambda s: s.astype(object), "str": lambda s: s.astype(object),
             "category": lambda s: s.astype(object)}
    shown = ["statistic", "p_value", "psi", "jensen_shannon", "wasserstein", "missing_cur"]
    for name, to_plain in plain.items():
        twin = drift.drift_report(ref[[name]].apply(to_plain), cur[[name]].apply(to_plain))
        assert twin.table.iloc[0][shown].astype(float).tolist() == pytest.approx(
            table.loc[name, shown].astype(float).tolist(), rel=1e-12, nan_ok=True), name
    assert table.loc["boolean", "missing_cur"] == pytest.approx(cur["boolean"].isna().mean())


def test_every_dtype_calibrates_and_is_monitored():
    ref = _typed(3_000, 0)
    cal = drift.calibrate(ref, chunk=300, alpha=0.05)
    assert set(cal.bands["column"]) == set(ref.columns)
    batches = pd.concat([_typed(300, seed).assign(month=pd.Timestamp(f"2025-0{seed}-01"),
                                                  score=0.5) for seed in (1, 2, 3)])
    result = monitoring.monitor(batches, ref)
    assert result.months["drifted_share"].notna().all()
    assert len(result.reports) == 3


@pytest.mark.parametrize("column", ["boolean", "bool", "string", "str", "category", "object"])
def test_simulators_on_labels_of_every_dtype(column):
    df = _typed(400, 2)
    before = df.copy()
    added = drift.add_new_category(df, column, "new", share=0.2)
    assert (added[column] == "new").sum() == 80
    assert not added[column].isin([True]).sum() > df[column].isin([True]).sum()  # "new" is no True
    mixed = drift.change_category_mix(df, column, {df[column].dropna().iloc[0]: 0.6})
    assert len(mixed) == len(df)
    gappy = drift.inject_missing(df, column, share=0.5)
    assert gappy[column].isna().sum() >= 200
    pd.testing.assert_frame_equal(df, before)
    for changed in (added, mixed, gappy):
        assert drift.drift_report(df, changed, [column]).table.loc[0, "drifted"]


def test_simulators_on_numbers_of_every_dtype():
    df = _typed(400, 2)
    shifted = drift.shift_numeric(df, "Int64", shift=100)
    assert shifted["Int64"].isna().sum() == df["Int64"].isna().sum()
    assert shifted["Int64"].min() >= 100
    with pytest.raises(TypeError, match="column 'boolean' must hold numbers"):
        drift.shift_numeric(df, "boolean", shift=1)


@pytest.mark.parametrize("where", ["batch", "reference"])
def test_an_infinity_never_hides_a_shift(where):
    """A 5-sigma shift with one infinity on either side: today's code reported the reference
    case as not drifted (its Wasserstein distance was NaN, and NaN > 0.1 is False)."""
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 5_000)})
    cur = pd.DataFrame({"x": rng.normal(5, 1, 1_000)})
    (ref if where == "reference" else cur).loc[0, "x"] = np.inf
    for calibration in (None, drift.calibrate(ref, chunk=1_000, alpha=0.05)):
        row = drift.drift_report(ref, cur, calibration=calibration).table.iloc[0]
        assert row["drifted"] and row["wasserstein"] == pytest.approx(5, abs=0.2)
    # an infinity is no value: it counts with the missing ones
    row = drift.drift_report(ref, cur).table.iloc[0]
    assert row[f"missing_{'ref' if where == 'reference' else 'cur'}"] > 0


def test_huge_values_do_not_overflow_the_scale():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(0, 1e300, 2_000)})
    row = drift.drift_report(ref, ref.assign(x=ref["x"] * 1.5)).table.iloc[0]
    assert np.isfinite(row["wasserstein"]) and row["drifted"]
    assert not drift.drift_report(ref, ref).table.iloc[0]["drifted"]


def test_a_statistic_that_cannot_be_computed_alarms():
    """Whatever goes wrong, NaN never reads as "no drift"."""
    from toolkit.drift_rules import _decide  # the decision alone, fed a NaN

    row = {"column": "x", "wasserstein": np.nan, "p_value": np.nan, "psi": np.nan,
           "missing_ref": 0.0, "missing_cur": 0.0, "reason": "numbers"}
    ref = drift.PreparedReference(pd.DataFrame({"x": [1.0, 2.0, 3.0]})).summaries["x"]
    for rule in drift.DRIFT_RULES[-2:]:  # decided by p-value, then by effect size
        decided = dict(row)
        _decide(decided, rule, ref, ref, None)
        assert decided["drifted"] is True


@pytest.mark.parametrize("dtype", [object, TEXT, "string", "boolean"])
def test_text_codes_equal_pandas_factorize(dtype):
    """Levels looked up among the first rows' levels, the rest factorized: factorize's codes."""
    from toolkit.drift_columns import summarise_reference

    rng = np.random.default_rng(7)
    if dtype == "boolean":
        values = pd.Series(np.where(rng.random(5_000) < 0.1, None, rng.random(5_000) < 0.3),
                           dtype="boolean")
    else:
        words = rng.choice(["a", "b", "c"], 5_000).astype(object)
        words[rng.random(5_000) < 0.1] = None
        words[3_000] = "late"  # a level that first appears after the first rows
        words[4_000:4_010] = "later"
        values = pd.Series(words, dtype=dtype)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    ref = summarise_reference(values)
    assert ref.levels.tolist() == list(uniques)
    assert ref.counts.tolist() == np.bincount(codes[codes >= 0]).tolist()
