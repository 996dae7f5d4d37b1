import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import f1_score, precision_score, recall_score

from toolkit import diagnostics, features, slices, weak_slices
from toolkit import error_analysis as ea
from toolkit._planted import planted_data


@pytest.fixture
def small():
    df = pd.DataFrame({
        "region": ["N", "N", "N", "S", "S", "S", "S", "E"],
        "plan": ["a", "b", "a", "a", "b", "b", "a", "a"],
        "charges": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0],
    })
    y_true = np.array([0, 1, 0, 1, 1, 0, 1, 0])
    y_pred = np.array([0, 0, 0, 0, 1, 1, 0, 0])
    return df, y_true, y_pred


# --------------------------------------------------------------------------- error_slices
def test_error_slices_matches_a_hand_groupby(small):
    df, y_true, y_pred = small
    table = ea.error_slices(df, y_true, y_pred, by="region", min_size=1)
    wrong = pd.Series(y_true != y_pred)
    hand = wrong.groupby(df["region"]).agg(["size", "sum", "mean"])
    assert table["region"].tolist() == ["E", "N", "S"]  # sorted, natural order
    assert table["size"].tolist() == hand["size"].tolist() == [1, 3, 4]
    assert table["errors"].tolist() == hand["sum"].tolist() == [0, 1, 3]
    np.testing.assert_allclose(table["error_rate"], hand["mean"])
    np.testing.assert_allclose(table["share"], [1 / 8, 3 / 8, 4 / 8])
    np.testing.assert_allclose(table["error_share"], [0, 1 / 4, 3 / 4])
    np.testing.assert_allclose(table["lift"], hand["mean"] / wrong.mean())
    assert table["slice"].tolist() == ["region = E", "region = N", "region = S"]


def test_error_slices_bins_numbers_at_quartiles_like_qcut(small):
    df, y_true, y_pred = small
    table = ea.error_slices(df, y_true, y_pred, by="charges", min_size=1)
    wrong = pd.Series(y_true != y_pred)
    hand = wrong.groupby(pd.qcut(df["charges"], 4), observed=True).agg(["size", "sum"])
    assert table["size"].tolist() == hand["size"].tolist()
    assert table["errors"].tolist() == hand["sum"].tolist()
    assert table["charges"].iloc[0] == "[10, 27.5)"
    assert table["charges"].iloc[-1] == "[62.5, 80]"


def test_error_slices_crosses_two_columns(small):
    df, y_true, y_pred = small
    table = ea.error_slices(df, y_true, y_pred, by=["region", "plan"], min_size=1)
    wrong = pd.Series(y_true != y_pred)
    hand = wrong.groupby([df["region"], df["plan"]]).agg(["size", "sum"]).reset_index()
    assert table[["region", "plan"]].values.tolist() == hand[["region", "plan"]].values.tolist()
    assert table["size"].tolist() == hand["size"].tolist()
    assert table["errors"].tolist() == hand["sum"].tolist()
    assert "region = S & plan = b" in table["slice"].tolist()


def test_error_slices_min_size_leaves_small_slices_out(small):
    df, y_true, y_pred = small
    table = ea.error_slices(df, y_true, y_pred, by="region", min_size=3)
    assert table["region"].tolist() == ["N", "S"]


def test_error_slices_interval_is_wilson_like_scipy(small):
    df, y_true, y_pred = small
    table = ea.error_slices(df, y_true, y_pred, by="region", min_size=1, confidence=0.9)
    for row in table.itertuples():
        ci = binomtest(int(row.errors), int(row.size)).proportion_ci(0.9, method="wilson")
        assert row.ci_low == pytest.approx(ci.low, abs=1e-9)
        assert row.ci_high == pytest.approx(ci.high, abs=1e-9)


def test_error_slices_gives_missing_values_a_slice_of_their_own():
    df = pd.DataFrame({"age": [20.0, np.nan, 30.0, np.nan], "city": ["a", None, "a", "b"]})
    table = ea.error_slices(df, [0, 1, 0, 1], [0, 0, 0, 1], by="age", min_size=1)
    assert table["age"].tolist() == ["20", "30", "missing"]
    assert table.loc[table["age"] == "missing", "errors"].item() == 1
    table = ea.error_slices(df, [0, 1, 0, 1], [0, 0, 0, 1], by="city", min_size=1)
    assert table["city"].tolist() == ["a", "b", "missing"]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"by": "nope"}, ValueError, r"by names column\(s\) \['nope'\]"),
    ({"by": ["region", "plan", "charges"]}, ValueError, "one or two columns"),
    ({"by": "region", "y_pred": [0, 1]}, ValueError, "same length"),
    ({"by": "region", "min_size": 0}, ValueError, "min_size must be at least 1"),
    ({"by": "region", "y_true": [0, 1, None, 0, 1, 0, 1, 0]}, ValueError, "missing value"),
], ids=["unknown-column", "three-columns", "length-mismatch", "min-size", "nan-labels"])
def test_error_slices_bad_input(small, kwargs, error, match):
    df, y_true, y_pred = small
    args = {"y_true": y_true, "y_pred": y_pred, **kwargs}
    with pytest.raises(error, match=match):
        ea.error_slices(df, args.pop("y_true"), args.pop("y_pred"), **args)


def test_error_slices_rejects_predictions_not_matching_the_frame(small):
    df, _, _ = small
    with pytest.raises(ValueError, match="df and y_true must have the same length"):
        ea.error_slices(df, [0, 1], [0, 0], by="region")


# --------------------------------------------------------------------------- find_weak_slices
def test_find_weak_slices_recovers_a_planted_slice_on_100k_by_20():
    X, y_true, y_pred, planted = planted_data()
    error = y_true != y_pred
    assert 0.015 <= planted.mean() and error[planted].mean() >= 3 * error[~planted].mean()
    top = ea.find_weak_slices(X, y_true, y_pred, top_k=3)
    assert "c3 = b & x4 = [1.28, 4.21]" in top["slice"].tolist()
    hit = top.set_index("slice").loc["c3 = b & x4 = [1.28, 4.21]"]
    assert hit["size"] == planted.sum()
    assert hit["errors"] == error[planted].sum()


def test_find_weak_slices_counts_agree_with_a_hand_groupby(small):
    df, y_true, y_pred = small
    top = ea.find_weak_slices(df, y_true, y_pred, min_support=1, top_k=100, bins=4)
    wrong = pd.Series(y_true != y_pred)
    hand = wrong.groupby([df["region"], df["plan"]]).agg(["size", "sum"]).reset_index()
    hand["slice"] = "region = " + hand["region"] + " & plan = " + hand["plan"]
    merged = hand.merge(top, on="slice", suffixes=("_hand", ""))
    assert len(merged) == len(hand) == 5  # every observed pair was searched
    assert (merged["size"] == merged["size_hand"]).all()
    assert (merged["errors"] == merged["sum"]).all()
    assert top["score"].is_monotonic_decreasing


def test_find_weak_slices_score_is_sliceline(small):
    df, y_true, y_pred = small
    top = ea.find_weak_slices(df, y_true, y_pred, min_support=1, max_features=1, alpha=0.8)
    n, overall = len(df), np.mean(y_true != y_pred)
    expected = 0.8 * (top["error_rate"] / overall - 1) - 0.2 * (n / top["size"] - 1)
    np.testing.assert_allclose(top["score"], expected)


def test_find_weak_slices_respects_min_support():
    X, y_true, y_pred, _ = planted_data(n_rows=5000, n_cols=6)
    top = ea.find_weak_slices(X, y_true, y_pred, min_support=0.05, top_k=50)
    assert top["size"].min() >= 250
    top = ea.find_weak_slices(X, y_true, y_pred, min_support=600, top_k=50)
    assert top["size"].min() >= 600


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"min_support": 100}, ValueError, "only 8 rows"),
    ({"min_support": 0}, ValueError, "min_support must be positive"),
    ({"min_support": "1%"}, TypeError, "min_support must be a fraction"),
    ({"y_pred": [0, 1, 0]}, ValueError, "same length"),
    ({"y_pred": [0, 1, 0, 1, 1, 0, 1, 0]}, ValueError, "no errors"),
    ({"max_features": 0}, ValueError, "max_features must be at least 1"),
    ({"alpha": 2.0}, ValueError, "alpha must be between 0 and 1"),
], ids=["support-above-rows", "support-zero", "support-type", "length", "no-errors",
        "max-features", "alpha"])
def test_find_weak_slices_bad_input(small, kwargs, error, match):
    df, y_true, y_pred = small
    args = {"y_pred": y_pred, **kwargs}
    with pytest.raises(error, match=match):
        ea.find_weak_slices(df, y_true, args.pop("y_pred"), **args)


# --------------------------------------------------------------------------- binning
def test_bin_column_pools_rare_text_and_keeps_dates_readable():
    text = pd.Series(list("aaaabbbcdefgh") + [None])
    codes, labels = slices.bin_column(text, n_bins=3)
    assert labels == ["a", "b", "other", "missing"]
    assert codes.tolist() == [0] * 4 + [1] * 3 + [2] * 6 + [3]
    dates = pd.Series(pd.date_range("2024-01-01", periods=12, freq="MS"))
    codes, labels = slices.bin_column(dates, n_bins=2)
    assert labels == ["[2024-01-01, 2024-06-16)", "[2024-06-16, 2024-12-01]"]
    assert np.bincount(codes).tolist() == [6, 6]
    codes, labels = slices.bin_column(pd.Series([True, False, True]), n_bins=10)
    assert labels == ["False", "True"] and codes.tolist() == [1, 0, 1]


# --------------------------------------------------------------------------- tags, priorities
def test_prioritize_reproduces_the_speech_recognition_example():
    speech = pd.DataFrame({
        "tag": ["clean speech", "car noise", "people noise", "low bandwidth"],
        "accuracy": [94, 89, 87, 70], "hlp": [95, 93, 89, 70],
        "share": [0.60, 0.04, 0.30, 0.06]})
    table = ea.prioritize(speech)
    assert table["tag"].tolist() == ["clean speech", "people noise", "car noise", "low bandwidth"]
    np.testing.assert_allclose(table["gap"], [1, 2, 4, 0])
    np.testing.assert_allclose(table["gain"], [0.6, 0.6, 0.16, 0.0])


def test_prioritize_takes_hlp_as_number_or_dict_and_error_slices_as_input(small):
    df, y_true, y_pred = small
    slices = ea.error_slices(df, y_true, y_pred, by="region", min_size=1)
    table = ea.prioritize(slices, hlp=0.9)
    assert table["slice"].tolist() == ["region = S", "region = N", "region = E"]
    np.testing.assert_allclose(table["gain"], [(0.9 - 0.25) * 0.5, (0.9 - 2 / 3) * 3 / 8,
                                               (0.9 - 1) / 8])
    by_dict = ea.prioritize(slices, hlp={"region = E": 1, "region = N": 1, "region = S": 1})
    np.testing.assert_allclose(by_dict["gap"].sum(), 0 + 1 / 3 + 0.75)


def test_prioritize_keeps_tags_given_as_the_index(small):
    df, y_true, y_pred = small
    tags = ea.tag_errors(df, {"south": "region == 'S'", "cheap": "charges < 35"}, y_true, y_pred)
    by_column = ea.prioritize(tags, hlp=0.9)
    by_index = ea.prioritize(tags.set_index("tag"), hlp=0.9)
    assert by_index.index.tolist() == by_column["tag"].tolist() == ["south", "cheap"]
    assert by_index.index.name == "tag" and "tag" not in by_index.columns
    # hand-computed: south 4 rows, 1 right (0.25); cheap 3 rows, 2 right
    np.testing.assert_allclose(by_index["gain"], [(0.9 - 0.25) * 4 / 8, (0.9 - 2 / 3) * 3 / 8])
    by_dict = ea.prioritize(tags.set_index("tag"), hlp={"south": 1.0, "cheap": 0.7})
    np.testing.assert_allclose(by_dict.loc[["south", "cheap"], "hlp"], [1.0, 0.7])
    named = ea.prioritize(tags.set_index("tag"), hlp=0.9, name="tag")
    pd.testing.assert_frame_equal(named, by_index)


def test_error_slices_slices_integer_codes_by_value():
    rng = np.random.default_rng(0)
    occupation = rng.integers(1, 7, 600)  # codes 1..6: more values than the 4 bins
    df = pd.DataFrame({"occupation": occupation})
    y_true = np.zeros(600, dtype=int)
    y_pred = (rng.random(600) < occupation / 10).astype(int)
    table = ea.error_slices(df, y_true, y_pred, by="occupation", min_size=1)
    hand = pd.Series(y_pred != y_true).groupby(occupation).agg(["size", "sum"])
    assert table["occupation"].tolist() == ["1", "2", "3", "4", "5", "6"]
    assert table["size"].tolist() == hand["size"].tolist()
    assert table["errors"].tolist() == hand["sum"].tolist()
    # One value more than MAX_CODE_LEVELS, or halves, and it is a number again: quartiles.
    assert slices.MAX_CODE_LEVELS == features.MAX_CODE_LEVELS == 6
    seven = rng.integers(1, 8, 600)
    for values in (seven, occupation / 2):
        table = ea.error_slices(pd.DataFrame({"x": values}), y_true, y_pred, by="x", min_size=1)
        assert len(table) == 4 and table["x"].str.startswith("[").all()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"hlp": "human"}, ValueError, r"hlp names column\(s\) \['human'\]"),
    ({"hlp": {"a": 0.9}}, ValueError, r"hlp has no value for \['b'\]"),
    ({"hlp": [0.9]}, TypeError, "hlp must be a column name"),
    ({"share": "percent"}, ValueError, r"\[.percent.\] that are not in the data"),
], ids=["unknown-hlp-column", "dict-missing-name", "hlp-type", "unknown-share"])
def test_prioritize_bad_input(kwargs, error, match):
    table = pd.DataFrame({"tag": ["a", "b"], "accuracy": [0.9, 0.8], "share": [0.5, 0.5],
                          "pct": [50, 50]})
    with pytest.raises(error, match=match):
        ea.prioritize(table, **kwargs)


def test_prioritize_rejects_percent_shares():
    table = pd.DataFrame({"tag": ["a"], "accuracy": [0.9], "hlp": [0.95], "share": [60]})
    with pytest.raises(ValueError, match="fractions between 0 and 1"):
        ea.prioritize(table)


def test_tag_errors_counts_by_hand(small):
    df, y_true, y_pred = small
    rules = {"south": "region == 'S'", "cheap": lambda d: d["charges"] < 35}
    masks = {"south": df["region"] == "S", "cheap": (df["charges"] < 35).to_numpy()}
    pd.testing.assert_frame_equal(ea.tag_errors(df, rules, y_true, y_pred),
                                  ea.tag_errors(df, masks, y_true, y_pred))
    table = ea.tag_errors(df, rules, y_true, y_pred)
    assert table["tag"].tolist() == ["south", "cheap"]
    assert table["size"].tolist() == [4, 3]
    assert table["errors"].tolist() == [3, 1]
    np.testing.assert_allclose(table["accuracy"], [0.25, 2 / 3])
    np.testing.assert_allclose(table["error_share"], [0.75, 0.25])
    np.testing.assert_allclose(table["share"], [0.5, 3 / 8])


@pytest.mark.parametrize(("rules", "error", "match"), [
    ({}, ValueError, r"rules is empty; give at least one name -> rule\."),
    (["south"], TypeError, r"rules must be a dict of name -> rule; got \['south'\]"),
    ({"bad": "no_such_column > 1"}, ValueError, r"rules\['bad'\] could not be evaluated"),
    ({"bad": 3}, TypeError, r"rules\['bad'\] must be a function"),
    ({"bad": lambda d: d["charges"]}, ValueError, r"rules\['bad'\] must give one True/False per row"),
    ({"bad": [True, False]}, ValueError, "one True/False per row"),
], ids=["empty", "not-a-dict", "unknown-column", "not-a-rule", "not-boolean", "short-mask"])
def test_tag_errors_bad_rules(small, rules, error, match):
    df, y_true, y_pred = small
    with pytest.raises(error, match=match):
        ea.tag_errors(df, rules, y_true, y_pred)


# --------------------------------------------------------------------------- thresholds
def test_threshold_curve_matches_sklearn_metrics():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    curve = ea.threshold_curve(y, p, thresholds=[0.2, 0.5, 0.8])
    for row in curve.itertuples():
        pred = (p >= row.threshold).astype(int)
        assert row.precision == pytest.approx(precision_score(y, pred))
        assert row.recall == pytest.approx(recall_score(y, pred))
        assert row.f1 == pytest.approx(f1_score(y, pred))
        assert row.error_rate == pytest.approx(np.mean(pred != y))
    assert len(ea.threshold_curve(y, p)) == 99


@pytest.mark.parametrize(("y_true", "proba", "match"), [
    ([0, 1, 1], [0.2, 1.3, 0.5], "between 0 and 1"),
    ([1, 1, 1], [0.2, 0.3, 0.5], "at least 2 classes"),
    ([0, 1, 1], [0.2, 0.3], "same length"),
    ([0, 1, 2], [0.2, 0.3, 0.4], "0/1 labels"),
    ([0, 1, 1], [[0.2, 0.8]] * 3, "one-dimensional"),
], ids=["proba-out-of-range", "single-class", "length", "not-binary", "two-columns"])
def test_threshold_functions_bad_input(y_true, proba, match):
    with pytest.raises(ValueError, match=match):
        ea.threshold_curve(y_true, proba)
    with pytest.raises(ValueError, match=match):
        ea.plot_calibration(y_true, proba)


# --------------------------------------------------------------------------- plots
def test_plots_return_their_axes_and_draw_on_a_given_one(small):
    df, y_true, y_pred = small
    _, ax = plt.subplots()
    assert ea.plot_confusion(y_true, y_pred, ax=ax) is ax
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    assert ea.plot_threshold(y, p, threshold=0.3).get_xlabel().startswith("decision threshold")
    assert len(ea.plot_calibration(y, p).get_lines()) == 2
    slices = ea.error_slices(df, y_true, y_pred, by="region", min_size=1)
    ax = ea.plot_slices(slices)
    assert "overall 50.0%" in ax.get_xlabel()
    assert ax.get_lines()[-1].get_xdata()[0] == pytest.approx(0.5)
    assert ea.plot_residuals([1.0, 2.0], [1.5, 2.5]).get_ylabel().startswith("residual")


def test_plot_confusion_shows_counts_and_row_rates():
    ax = ea.plot_confusion([0, 0, 0, 1], [0, 0, 1, 1])
    assert [t.get_text() for t in ax.texts] == ["2\n67%", "1\n33%", "0\n0%", "1\n100%"]


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: ea.plot_confusion([0, 1], [0, 1, 1]), ValueError, "same length"),
    (lambda: ea.plot_threshold([0, 1], [0.2, 0.6], threshold=1.5), ValueError, "threshold"),
    (lambda: ea.plot_slices(pd.DataFrame({"a": [1]})), ValueError, "not in the data"),
    (lambda: ea.plot_residuals([1.0], [1.0, 2.0]), ValueError, "same length"),
], ids=["confusion", "threshold", "slices", "residuals"])
def test_plots_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------- the split modules
@pytest.mark.parametrize(("module", "own_helpers"), [
    (slices, {"bin_column", "prediction_errors"}),
    (weak_slices, set()),
    (diagnostics, set()),
], ids=["slices", "weak_slices", "diagnostics"])
def test_error_analysis_re_exports_the_modules_it_was_split_into(module, own_helpers):
    assert set(module.__all__) - own_helpers <= set(ea.__all__)
    for name in module.__all__:
        if name in ea.__all__:
            assert getattr(ea, name) is getattr(module, name)


def test_weak_slices_equal_a_pandas_groupby_over_every_pair():
    """The fast search (small-integer cells, errors counted on the wrong rows only) against the
    plain way: a groupby per pair of binned columns, and SliceLine's score."""
    from itertools import combinations

    from toolkit._planted import planted_data
    from toolkit.slices import bin_column
    from toolkit.weak_slices import find_weak_slices

    X, y_true, y_pred, _ = planted_data(n_rows=20_000, n_cols=8, seed=3)
    errors = (np.asarray(y_true) != np.asarray(y_pred)).astype(float)
    codes = pd.DataFrame({c: bin_column(X[c], 10)[0] for c in X.columns})
    rows = []
    for k in (1, 2):
        for combo in combinations(X.columns, k):
            grouped = pd.Series(errors).groupby([codes[c] for c in combo]).agg(["size", "sum"])
            rows.append(grouped[grouped["size"] >= 200].reset_index(drop=True))
    table = pd.concat(rows, ignore_index=True)
    lift = table["sum"] / table["size"] / errors.mean()
    table["score"] = 0.99 * (lift - 1) - 0.01 * (len(X) / table["size"] - 1)
    expected = table.sort_values("score", ascending=False, kind="stable").head(10)
    found = find_weak_slices(X, y_true, y_pred, min_support=200, top_k=10)
    np.testing.assert_allclose(found["score"].to_numpy(), expected["score"], rtol=1e-12)
    np.testing.assert_array_equal(found["size"], expected["size"])
    np.testing.assert_array_equal(found["errors"], expected["sum"])


def test_bin_column_reads_categories_by_their_codes_as_it_reads_text():
    from toolkit.slices import bin_column

    rng = np.random.default_rng(0)
    text = pd.Series(rng.choice(list("abcdefghijklmno"), 5000)).mask(rng.random(5000) < 0.05)
    for n_bins in (4, 20):  # most frequent levels and "other", then every level
        by_codes = bin_column(text.astype("category"), n_bins)
        by_text = bin_column(text.astype(object), n_bins)
        assert by_codes[1] == by_text[1]
        np.testing.assert_array_equal(by_codes[0], by_text[0])


def test_bin_column_counts_distinct_values_beyond_the_first_rows():
    from toolkit.slices import _SAMPLE, bin_column

    # the first rows hold 3 values, the column 50: it must still be cut at its quantiles
    values = pd.Series(np.r_[np.tile([1.0, 2.0, 3.0], _SAMPLE), np.linspace(10, 60, 50)])
    codes, labels = bin_column(values, 10)
    assert labels[0].startswith("[") and len(labels) <= 10
    few = pd.Series(np.tile([1.0, 2.0, 3.0], 3 * _SAMPLE))
    assert bin_column(few, 10)[1] == ["1", "2", "3"]


def _searchsorted_codes(column, n_bins):
    """bin_column's numeric codes the plain way: quantiles of the column, then a binary search."""
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
        values[column.isna().to_numpy()] = np.nan
    else:
        values = column.to_numpy(dtype=float, na_value=np.nan)
    edges = np.unique(np.nanquantile(values, np.linspace(0, 1, n_bins + 1)))
    codes = np.searchsorted(edges[1:-1], values, side="right")
    return np.where(np.isnan(values), len(edges) - 1, codes)


@pytest.mark.parametrize("kind", ["normal", "ties", "missing", "skewed", "dates"])
@pytest.mark.parametrize("n_bins", [3, 10, 25])
def test_bin_column_numbers_equal_a_binary_search_on_the_quantiles(kind, n_bins):
    from toolkit.slices import bin_column

    rng = np.random.default_rng(n_bins)
    values = {"normal": rng.normal(size=5000), "ties": rng.integers(0, 40, 5000) / 4,
              "missing": np.where(rng.random(5000) < 0.1, np.nan, rng.normal(size=5000)),
              "skewed": rng.exponential(size=5000) ** 3,
              "dates": None}[kind]
    column = (pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, 5000), "D"))
              if kind == "dates" else pd.Series(values))
    codes, labels = bin_column(column, n_bins)
    np.testing.assert_array_equal(codes, _searchsorted_codes(column, n_bins))
    assert codes.dtype == np.int64 and codes.max() == len(labels) - 1
