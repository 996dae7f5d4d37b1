import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from toolkit import drift


def _frame(n, seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "usage": rng.gamma(2.0, 3.0, n) + shift,
        "calls": rng.poisson(2, n),  # whole numbers: many ties
        "plan": pd.Categorical(rng.choice(["basic", "standard", "premium"], n, p=[0.5, 0.3, 0.2])),
        "autopay": rng.random(n) < 0.6,
        "target": (rng.random(n) < 0.2).astype(int),
    })


# --- statistics equal the oracles ---------------------------------------------------------------
@pytest.mark.parametrize("n_ref, n_cur", [(300, 200), (800, 1000), (20_000, 15_000),
                                          (40_000, 600), (40_000, 1)],
                         ids=["exact-small", "exact-mixed", "asymptotic", "small-batch",
                              "one-row-batch"])
@pytest.mark.parametrize("column", ["usage", "calls"])
def test_ks_equals_scipy(n_ref, n_cur, column):
    ref, cur = _frame(n_ref, 0), _frame(n_cur, 1, shift=0.05)
    row = drift.drift_report(ref, cur, [column], p_values=True).table.iloc[0]
    expected = stats.ks_2samp(ref[column], cur[column])
    assert row["test"] == "ks"
    assert row["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("column", ["plan", "autopay"])
@pytest.mark.parametrize("n", [500, 5_000])
def test_chi_square_equals_scipy(column, n):
    ref, cur = _frame(n, 0), drift.add_new_category(_frame(n, 1), "plan", "5G", share=0.1)
    row = drift.drift_report(ref, cur, [column]).table.iloc[0]
    table = pd.crosstab(np.r_[np.zeros(n), np.ones(n)],
                        np.r_[ref[column].astype(str), cur[column].astype(str)]).to_numpy()
    expected = stats.chi2_contingency(table)
    assert row["test"] == "chi2"
    assert row["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("scale", [1.0, 100.0, 0.01], ids=["same", "beyond", "inside"])
@pytest.mark.parametrize("column", ["usage", "calls"])
def test_a_small_batch_against_a_large_reference_equals_scipy(column, scale):
    """Batches far smaller than the reference are compared through the reference's CDF table
    (segment by segment, not by merging): the same KS statistic and Wasserstein distance."""
    ref, cur = _frame(40_000, 0), _frame(700, 1)
    cur[column] = cur[column] * scale
    prepared = drift.PreparedReference(ref, [column])
    for _ in range(2):  # the second batch reuses the table the first one built
        row = drift.compare_prepared(prepared, cur[[column]]).table.iloc[0]
        assert row["statistic"] == pytest.approx(stats.ks_2samp(ref[column], cur[column]).statistic,
                                                 rel=1e-12)
        expected = stats.wasserstein_distance(ref[column], cur[column]) / ref[column].std(ddof=0)
        assert row["wasserstein"] == pytest.approx(expected, rel=1e-9)


def test_wasserstein_and_jensen_shannon_equal_scipy():
    ref, cur = _frame(3_000, 0), _frame(2_000, 1, shift=0.5)
    table = drift.drift_report(ref, cur, ["usage", "plan"]).table.set_index("column")
    expected_w = stats.wasserstein_distance(ref["usage"], cur["usage"]) / ref["usage"].std(ddof=0)
    assert table.loc["usage", "wasserstein"] == pytest.approx(expected_w, rel=1e-9)
    p = ref["plan"].value_counts(normalize=True).sort_index()
    q = cur["plan"].value_counts(normalize=True).sort_index()
    assert table.loc["plan", "jensen_shannon"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)


def test_psi_matches_a_hand_worked_example():
    # Reference 1..10: its deciles put exactly one value in each of the ten bins (p = 0.1).
    # Current 6..15: nothing in the five lowest bins, one value in bins 6-9, six in the last
    # (open) bin. Empty bins count as PSI_EPSILON:
    #   5 * (1e-4 - 0.1) * ln(1e-4 / 0.1) + 4 * 0 + (0.6 - 0.1) * ln(0.6 / 0.1)
    eps = drift.PSI_EPSILON
    expected = 5 * (eps - 0.1) * np.log(eps / 0.1) + 0.5 * np.log(6)
    assert drift.psi(range(1, 11), range(6, 16)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(4.3463, abs=1e-4)


def test_psi_of_labels_matches_a_hand_worked_example():
    # shares 0.5/0.5 become 0.25/0.75: (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5) = 0.27465
    ref = pd.DataFrame({"c": list("aabb")})
    cur = pd.DataFrame({"c": list("abbb")})
    value = drift.drift_report(ref, cur).table.loc[0, "psi"]
    assert value == pytest.approx(-0.25 * np.log(0.5) + 0.25 * np.log(1.5), rel=1e-12)
    assert value == pytest.approx(0.27465, abs=1e-5)


def test_psi_is_zero_for_identical_samples_and_grows_with_the_shift():
    ref = _frame(5_000)["usage"]
    small = drift.psi(ref, ref + 0.3)
    large = drift.psi(ref, ref + 3.0)
    assert drift.psi(ref, ref) == 0.0
    assert 0 < small < large


# --- the rule table -------------------------------------------------------------------------------
def test_rules_pick_p_values_when_chance_alone_moves_the_effect_size():
    """Small batches decide by p-value even against a large reference (the old rule looked
    at the reference only: 5,000 reference rows and batches of 100 judged by effect size)."""
    large = drift.drift_report(_frame(5_000), _frame(5_000, 1)).table.set_index("column")
    small_batch = drift.drift_report(_frame(5_000), _frame(100, 1)).table.set_index("column")
    assert large.loc["usage", "rule"] == "numeric_large"
    assert large.loc["usage", "decided_by"] == "effect"
    assert large.loc["plan", "rule"] == "labels_large"
    assert small_batch.loc["usage", "rule"] == "numeric_small"
    assert small_batch.loc["usage", "decided_by"] == "p_value"
    assert small_batch.loc["plan", "rule"] == "labels_small"
    assert "Wasserstein" in large.loc["usage", "reason"]
    assert "Kolmogorov-Smirnov p-value decides" in small_batch.loc["usage", "reason"]
    assert [r.name for r in drift.DRIFT_RULES][-1] == "numeric_large"
    # the boundary: chance at most CHANCE_SHARE of the threshold
    for table in (large, small_batch):
        noisy = table["chance"] > drift.CHANCE_SHARE * drift.EFFECT_THRESHOLD
        assert (table.loc[noisy, "decided_by"] == "p_value").all()
        assert (table.loc[~noisy, "decided_by"] == "effect").all()


def test_many_levels_are_judged_by_chi_square_not_by_a_distance_chance_inflates():
    """118 levels in 1,000 rows: two healthy samples are a Jensen-Shannon distance of about
    0.17 apart, above the fixed 0.1, so the old rule flagged every healthy batch."""
    levels = [f"model {i}" for i in range(118)]
    share = np.arange(1, 119) ** -0.8
    share /= share.sum()
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"device": rng.choice(levels, 5_000, p=share)})
    row = drift.drift_report(ref, pd.DataFrame({"device": rng.choice(levels, 1_000, p=share)}))
    row = row.table.iloc[0]
    assert row["jensen_shannon"] > drift.EFFECT_THRESHOLD  # chance alone, no drift at all
    assert row["chance"] == pytest.approx(row["jensen_shannon"], rel=0.2)
    assert row["rule"] == "labels_small" and row["decided_by"] == "p_value"
    assert not row["drifted"]


def test_chance_level_is_what_healthy_batches_show():
    """The chance column against a simulation: the mean distance of healthy batches."""
    rng = np.random.default_rng(6)
    ref = _frame(4_000, 0)
    prepared = drift.PreparedReference(ref, ["usage", "plan"])
    tables = [drift.compare_prepared(prepared, _frame(500, seed)).table.set_index("column")
              for seed in rng.integers(10**6, size=200)]
    w = np.mean([t.loc["usage", "wasserstein"] for t in tables])
    js2 = np.mean([t.loc["plan", "jensen_shannon"] ** 2 for t in tables])
    assert tables[0].loc["usage", "chance"] == pytest.approx(w, rel=0.1)
    assert tables[0].loc["plan", "chance"] == pytest.approx(np.sqrt(js2), rel=0.1)


def test_columns_that_cannot_be_tested_say_why_and_all_missing_batches_alarm():
    ref = _frame(2_000).assign(id=[f"C{i}" for i in range(2_000)], empty=np.nan, const=1.0)
    cur = _frame(500, 1).assign(id=[f"D{i}" for i in range(500)], empty=np.nan, const=1.0)
    cur["usage"] = np.nan
    cur.loc[:9, "const"] = 7.0
    table = drift.drift_report(ref, cur).table.set_index("column")
    assert table.loc["id", "rule"] == "identifier"
    assert pd.isna(table.loc["id", "drifted"]) and "names rows" in table.loc["id", "reason"]
    assert table.loc["empty", "rule"] == "reference_all_missing"
    assert pd.isna(table.loc["empty", "drifted"]) and "not tested" in table.loc["empty", "reason"]
    assert table.loc["usage", "rule"] == "current_all_missing"
    assert table.loc["usage", "drifted"] is True or bool(table.loc["usage", "drifted"])
    assert table.loc["const", "rule"] == "constant"
    assert bool(table.loc["const", "drifted"])
    report = drift.drift_report(ref, cur)
    assert report.n_tested == len(ref.columns) - 2


def test_slow_ks_p_values_are_skipped_on_large_samples_and_the_reason_says_so():
    ref, cur = _frame(30_000, 0), _frame(20_000, 1)
    row = drift.drift_report(ref, cur, ["usage"]).table.iloc[0]
    assert np.isnan(row["p_value"]) and "p_values=True computes it" in row["reason"]
    assert row["statistic"] == pytest.approx(stats.ks_2samp(ref["usage"], cur["usage"]).statistic)
    with pytest.raises(ValueError, match="p_values must be one of 'auto', True, False; got 'yes'"):
        drift.drift_report(ref, cur, p_values="yes")


def test_a_jump_in_missing_values_is_drift():
    ref = _frame(3_000)
    cur = drift.inject_missing(_frame(1_000, 1), "usage", share=0.3)
    row = drift.drift_report(ref, cur, ["usage"]).table.iloc[0]
    assert bool(row["drifted"]) and "missing values up" in row["reason"]


# --- bad input ---------------------------------------------------------------------------------------
def test_bad_input_gets_clear_errors():
    ref = _frame(200)
    with pytest.raises(ValueError, match=r"current must have the reference's columns; missing \['plan'\]"):
        drift.drift_report(ref, ref.drop(columns="plan"))
    with pytest.raises(TypeError, match=r"current column 'usage' holds labels .* reference holds numeric"):
        drift.drift_report(ref, ref.assign(usage=ref["usage"].astype(str)))
    with pytest.raises(ValueError, match="current is empty"):
        drift.drift_report(ref, ref.iloc[:0])
    with pytest.raises(TypeError, match="reference must be a pandas DataFrame; got list"):
        drift.drift_report([1, 2], ref)
    with pytest.raises(TypeError, match="reference must hold numbers for PSI"):
        drift.psi(["a", "b"], ["a", "a"])
    with pytest.raises(ValueError, match="current has no values"):
        drift.psi([1.0, 2.0], [np.nan])
    with pytest.raises(TypeError, match="calibration must be a Calibration"):
        drift.drift_report(ref, ref, calibration={"usage": 0.1})
    with pytest.raises(ValueError, match=r"chunk=150 is more than half the reference \(200 rows\)"):
        drift.calibrate(ref, chunk=150)
    with pytest.raises(ValueError, match="alpha=0.01 needs at least 99 chunks"):
        drift.calibrate(ref, chunk=50, n_chunks=30)
    with pytest.raises(ValueError, match=r"events\[0\]\['kind'\] must be one of .*; got 'meteor'"):
        drift.simulate_stream(ref, 2, [{"kind": "meteor", "column": "usage", "start": 0}])
    with pytest.raises(ValueError, match=r"events\[0\] lacks key\(s\) \['start'\]"):
        drift.simulate_stream(ref, 2, [{"kind": "unit_change", "column": "usage"}])
    with pytest.raises(TypeError, match="column 'plan' must hold numbers"):
        drift.shift_numeric(ref, "plan", shift=1)
    with pytest.raises(ValueError, match=r"weights names level\(s\) \['gold'\]"):
        drift.change_category_mix(ref, "plan", {"gold": 0.5})
    with pytest.raises(ValueError, match="target 'usage' must hold only 0 and 1"):
        drift.shift_prior(ref, "usage", 0.5)
    with pytest.raises(ValueError, match="share must be between 0 and 1; got 1.5"):
        drift.inject_missing(ref, "usage", share=1.5)


# --- simulators ------------------------------------------------------------------------------------
SIMULATED = [
    ("shift_numeric", lambda df: drift.shift_numeric(df, "usage", scale=1.3), "usage"),
    ("change_units", lambda df: drift.change_units(df, "usage", 100), "usage"),
    ("inject_missing", lambda df: drift.inject_missing(df, "usage", 0.2), "usage"),
    ("add_new_category", lambda df: drift.add_new_category(df, "plan", "5G", 0.1), "plan"),
    ("change_category_mix", lambda df: drift.change_category_mix(df, "plan", {"premium": 0.4}),
     "plan"),
    ("shift_prior", lambda df: drift.shift_prior(df, "target", 0.4), "target"),
]


@pytest.mark.parametrize("name, simulate, column", SIMULATED, ids=[s[0] for s in SIMULATED])
def test_each_simulator_leaves_its_input_alone_and_is_detected(name, simulate, column):
    ref, batch = _frame(5_000, 0), _frame(1_000, 1)
    before = batch.copy()
    drifted = simulate(batch)
    pd.testing.assert_frame_equal(batch, before)
    cal = drift.calibrate(ref, chunk=1_000)
    flags = drift.drift_report(ref, drifted, calibration=cal).table.set_index("column")["drifted"]
    assert bool(flags[column]), name
    control = drift.drift_report(ref, batch, calibration=cal).table["drifted"]
    assert not control.any()


def test_a_concept_change_is_invisible_to_input_tests():
    ref, batch = _frame(5_000, 0), _frame(1_000, 1)
    changed = drift.change_concept(batch, "target", "plan == 'premium'", rate=0.9)
    assert changed.loc[changed["plan"] == "premium", "target"].mean() > 0.8
    features = ["usage", "calls", "plan", "autopay"]
    report = drift.drift_report(ref, changed, features, calibration=drift.calibrate(
        ref[features], chunk=1_000))
    assert report.n_drifted == 0
    assert drift.drift_report(ref, changed, ["target"]).table.loc[0, "drifted"]


def test_simulate_stream_detects_each_event_in_its_batches_only():
    ref = _frame(20_000, 0)
    events = [
        {"event": "growth", "kind": "covariate_shift", "column": "usage", "shape": "gradual",
         "start": 2, "end": 4, "params": {"scale": 1.5}},
        {"event": "bug", "kind": "unit_change", "column": "calls", "shape": "recurring",
         "start": 5, "end": 8, "period": 1, "params": {"factor": 100}},
        {"event": "launch", "kind": "new_category", "column": "plan", "start": 6,
         "params": {"level": "5G", "share": 0.15}},
    ]
    batches, log = drift.simulate_stream(ref, 10, events, batch_size=1_000, seed=3)
    assert log["start_month"].tolist() == ["2025-03", "2025-06", "2025-07"]
    assert log["end_month"].tolist() == ["2025-05", "2025-09", "2025-10"]
    assert list(log.columns) == drift.EVENT_LOG_COLUMNS
    cal = drift.calibrate(ref, chunk=1_000, alpha=0.05)
    flagged = {}
    for t, batch in batches.groupby("batch"):
        table = drift.drift_report(ref, batch[ref.columns], calibration=cal).table
        flagged[t] = set(table.loc[table["drifted"].fillna(False).astype(bool), "column"])
    assert [t for t in flagged if "usage" in flagged[t]] == [2, 3, 4]  # the ramp, from its first third
    assert [t for t in flagged if "calls" in flagged[t]] == [5, 7]  # recurring: on, off, on, off
    assert [t for t in flagged if "plan" in flagged[t]] == [6, 7, 8, 9]
    assert flagged[0] == flagged[1] == set()


# --- calibration: false alarms near the nominal level, small and large batches ---------------------
def _wobbly_period(n, rng):
    """One stable world, but each period wobbles a little, as real months do."""
    return pd.DataFrame({
        "usage": rng.gamma(2.0, 3.0 * (1 + rng.normal(0, 0.01)), n),
        "age": rng.normal(45 + rng.normal(0, 0.15), 12, n),
        "plan": rng.choice(["a", "b", "c", "d"], n, p=rng.dirichlet([400, 300, 200, 100])),
        "region": rng.choice(["n", "s", "e"], n, p=rng.dirichlet([500, 300, 200])),
    })


@pytest.mark.parametrize("n, periods, alpha, n_batches", [(1_000, 40, 0.05, 100),
                                                        (100_000, 9, 0.1, 6)],
                         ids=["1k-rows", "100k-rows"])
def test_bands_set_by_period_absorb_harmless_wobble_between_periods(n, periods, alpha, n_batches):
    rng = np.random.default_rng(1)
    ref = pd.concat([_wobbly_period(n, rng).assign(period=k) for k in range(periods)],
                    ignore_index=True)
    cal = drift.calibrate(ref, chunk="period", alpha=alpha)
    assert (cal.n_chunks, cal.chunk_rows) == (periods, n)
    features = ["usage", "age", "plan", "region"]
    prepared = drift.PreparedReference(ref, features)
    raw = calibrated = total = 0
    for _ in range(n_batches):
        batch = _wobbly_period(n, rng)
        raw += int((drift.compare_prepared(prepared, batch, p_values=True).table["p_value"]
                    < 0.01).sum())
        calibrated += int(drift.compare_prepared(prepared, batch, cal).table["drifted"].sum())
        total += len(features)
    # each band keeps alpha per check; binomial tolerance of three standard deviations
    assert calibrated / total <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / total)
    if n == 100_000:
        assert raw / total >= 0.5  # raw p-values alarm on harmless wobble at this size
    # ...while a real change is still caught:
    moved = drift.shift_numeric(_wobbly_period(n, rng), "usage", scale=1.2)
    assert bool(drift.compare_prepared(prepared, moved, cal).table.set_index("column")
                .loc["usage", "drifted"])


# --- multivariate ----------------------------------------------------------------------------------
def test_domain_classifier_finds_what_changed_and_stays_near_half_without_drift():
    ref = _frame(3_000, 0).drop(columns="target")
    same = drift.domain_classifier(ref, _frame(3_000, 1).drop(columns="target"))
    assert same.auc_low < 0.5 + 0.05 and same.auc < 0.56
    moved = drift.domain_classifier(ref, drift.shift_numeric(_frame(3_000, 1), "usage", shift=3)
                                    .drop(columns="target"))
    assert moved.auc_low > 0.7
    assert moved.columns["column"].iloc[0] == "usage"
    assert moved.auc_low < moved.auc < moved.auc_high


def test_domain_classifier_bad_input():
    ref = _frame(100)
    with pytest.raises(ValueError, match="cv must be at least 2; got 1"):
        drift.domain_classifier(ref, ref, cv=1)


# --- plots ------------------------------------------------------------------------------------------
def test_plots_label_their_axes_and_name_the_classes(tmp_path):
    ref = _frame(2_000, 0)
    cur = drift.change_units(drift.add_new_category(_frame(800, 1), "plan", "5G"), "usage", 100)
    report = drift.drift_report(ref, cur)
    ax = report.plot()
    assert ax.get_xlabel().startswith("effect size") and ax.get_ylabel() == "column"
    assert "of 5 columns drifted" in ax.get_title()
    assert ax.get_xlim()[1] < 2  # the unit bug's huge distance is cut, its value written
    assert any(">" in t.get_text() for t in ax.texts)
    ax.figure.savefig(tmp_path / "report.png")
    ax = drift.plot_distribution_shift(ref, cur, "plan")
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "5G"
    assert ax.get_ylabel() == "share of rows"
    ax = drift.plot_distribution_shift(ref, cur, "calls")
    assert ax.get_ylabel() == "density" and ax.get_xlabel() == "calls"
    with pytest.raises(TypeError, match="report must be a DriftReport"):
        drift.plot_drift_report(report.table)


def test_an_event_of_one_batch_ends_where_it_says():
    ref = _frame(2_000)
    batches, log = drift.simulate_stream(ref, 3, [{"kind": "unit_change", "column": "usage",
                                                   "start": 0, "end": 0}], batch_size=200)
    assert log[["start_month", "end_month"]].values.tolist() == [["2025-01", "2025-01"]]
    medians = batches.groupby("batch")["usage"].median()
    assert medians[0] > 100 > medians[1] and medians[2] < 100
    assert batches["month"].dt.strftime("%Y-%m").unique().tolist() == ["2025-01", "2025-02", "2025-03"]


def test_calibrate_by_a_period_column_equals_scipy_on_each_period_and_its_errors():
    ref = _frame(6_000).assign(month=np.repeat(pd.date_range("2024-01-01", periods=6, freq="MS"),
                                               1_000))
    by_month = drift.calibrate(ref, chunk="month", columns=["usage", "plan"], alpha=0.2)
    assert (by_month.n_chunks, by_month.chunk_rows) == (6, 1_000)
    assert set(by_month.bands["column"]) == {"usage", "plan"}
    # each month against the other five, scaled from their n_eff to a batch's (see the module)
    factor = np.sqrt(1 - (1_000 / 6_000) ** 2)
    for k, (_, month) in enumerate(ref.groupby("month")):
        rest = ref[ref["month"] != month["month"].iloc[0]]
        w = stats.wasserstein_distance(month["usage"], rest["usage"]) / ref["usage"].std(ddof=0)
        shares = pd.crosstab(np.r_[np.zeros(1_000), np.ones(5_000)],
                             np.r_[month["plan"], rest["plan"]], normalize="index").to_numpy()
        values = by_month.values.iloc[k]
        assert values[("usage", "wasserstein")] == pytest.approx(w * factor, rel=1e-9)
        assert values[("plan", "jensen_shannon")] == pytest.approx(
            jensenshannon(shares[0], shares[1], base=2) * factor, rel=1e-9)
    # the band is the r-th smallest chunk value, r = ceil((1 - alpha)(K + 1)) = 6 here
    assert by_month.band("usage", "wasserstein") == by_month.values[("usage", "wasserstein")].max()
    assert by_month.band("usage", "no such statistic") is None
    with pytest.raises(ValueError, match=r"chunk names column\(s\) \['week'\]"):
        drift.calibrate(ref, chunk="week")
    with pytest.raises(ValueError, match="alpha=0.01 needs at least 99 chunks"):
        drift.calibrate(ref, chunk="month")
    with pytest.raises(ValueError, match="with chunk='month' each of its values is one chunk"):
        drift.calibrate(ref, chunk="month", n_chunks=100)
    with pytest.raises(ValueError, match="alpha must be between 0 and 0.5; got 0.7"):
        drift.calibrate(ref, alpha=0.7)
    with pytest.raises(TypeError, match="chunk must be an integer; got 2.5"):
        drift.calibrate(ref, chunk=2.5)


def test_the_report_shows_its_summary_in_a_notebook():
    report = drift.drift_report(_frame(500), drift.change_units(_frame(500, 1), "usage"))
    html = report._repr_html_()
    assert html.startswith(f"<p>{report.n_drifted} of {report.n_tested} tested columns drifted")
    assert report.n_drifted >= 1 and report.share_drifted == report.n_drifted / report.n_tested


def test_calibration_band_follows_an_edited_table():
    reference = pd.DataFrame({"x": np.random.default_rng(0).normal(size=3_000)})
    cal = drift.calibrate(reference, chunk=300)
    first = cal.band("x", "wasserstein")
    assert first == cal.bands.set_index("statistic").loc["wasserstein", "band"]
    cal.bands.loc[cal.bands["statistic"] == "wasserstein", "band"] = 9.0
    assert cal.band("x", "wasserstein") == 9.0
    assert cal.band("x", "no such statistic") is None
