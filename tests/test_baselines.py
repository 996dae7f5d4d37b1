import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics
from sklearn.dummy import DummyClassifier, DummyRegressor

from toolkit import baselines, coin_flips, significance
from toolkit.baselines import (
    baseline_table,
    coin_flip_scenario,
    compare_to_baseline,
    dummy_models,
    human_level_performance,
    plot_baseline_ladder,
    simulate_coin_flips,
)


def _labels(n, rate, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random(n) < rate).astype(int)


# --- dummy_models --------------------------------------------------------------------------


def test_dummy_models_classification_ladder():
    models = dummy_models()
    assert list(models) == ["coin flip (uniform)", "stratified", "most frequent", "prior"]
    assert all(isinstance(m, DummyClassifier) for m in models.values())
    assert [m.strategy for m in models.values()] == ["uniform", "stratified", "most_frequent",
                                                     "prior"]
    assert models["coin flip (uniform)"].random_state == 0
    assert not hasattr(models["prior"], "classes_")  # unfitted


def test_dummy_models_regression_and_seed():
    models = dummy_models("regression")
    assert all(isinstance(m, DummyRegressor) for m in models.values())
    assert dummy_models(seed=7)["stratified"].random_state == 7


# --- simulate_coin_flips -------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.5, 0.2], ids=["balanced", "80/20"])
def test_coin_mean_is_one_half_whatever_the_balance(rate):
    result = simulate_coin_flips(_labels(2000, rate), n_trials=1000)
    assert abs(result.mean - 0.5) < 0.01
    assert result.expected == 0.5
    low, high = result.interval
    assert low < 0.5 < high
    assert len(result.accuracies) == 1000


def test_coin_spread_matches_binomial_theory():
    n = 400
    result = simulate_coin_flips(_labels(n, 0.2), n_trials=5000)
    assert result.std == pytest.approx(np.sqrt(0.25 / n), rel=0.05)


def test_biased_coin_expected_value():
    y = np.r_[np.zeros(80, int), np.ones(20, int)]
    result = simulate_coin_flips(y, p_heads=0.2, n_trials=4000)
    assert result.expected == pytest.approx(0.2 * 0.2 + 0.8 * 0.8)
    assert result.mean == pytest.approx(0.68, abs=0.01)


def _brute_force(y, n_trials, p_heads, seed):
    """Every flip drawn explicitly: the definition the binomial shortcut must match."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    classes = np.unique(y)
    if len(classes) == 2:
        guesses = np.where(rng.random((n_trials, len(y))) < p_heads, classes[1], classes[0])
    else:
        guesses = classes[rng.integers(0, len(classes), (n_trials, len(y)))]
    return (guesses == y).mean(axis=1)


@pytest.mark.parametrize(("y", "p_heads"), [
    (np.r_[np.zeros(40, int), np.ones(10, int)], 0.5),
    (np.r_[np.zeros(40, int), np.ones(10, int)], 0.3),
    (np.repeat(["a", "b", "c"], [30, 15, 5]), 0.5),
], ids=["binary-fair", "binary-biased", "three-classes"])
def test_binomial_shortcut_has_the_brute_force_distribution(y, p_heads):
    fast = simulate_coin_flips(y, n_trials=20_000, p_heads=p_heads, seed=1).accuracies
    slow = _brute_force(y, 20_000, p_heads, seed=2)
    assert fast.mean() == pytest.approx(slow.mean(), abs=0.004)
    assert fast.std() == pytest.approx(slow.std(), rel=0.05)
    # same discrete distribution: compare the frequency of every possible accuracy
    values = np.union1d(fast, slow)
    table = np.array([[np.sum(fast == v), np.sum(slow == v)] for v in values])
    table = table[table.sum(axis=1) >= 10]
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_multiclass_coin_expects_one_over_k():
    y = np.repeat([0, 1, 2, 3], 250)
    result = simulate_coin_flips(y)
    assert result.expected == 0.25
    assert result.n_classes == 4
    assert result.mean == pytest.approx(0.25, abs=0.01)


def test_coin_is_reproducible_and_seeded():
    y = _labels(300, 0.3)
    a = simulate_coin_flips(y, seed=3).accuracies
    assert np.array_equal(a, simulate_coin_flips(y, seed=3).accuracies)
    assert not np.array_equal(a, simulate_coin_flips(y, seed=4).accuracies)


def test_coin_summary_and_plot():
    result = simulate_coin_flips(_labels(500, 0.2), n_trials=200)
    summary = result.summary()
    assert list(summary.index) == ["n_labels", "n_trials", "expected", "mean", "std",
                                   "ci95_low", "ci95_high"]
    ax = result.plot(references={"always stays": 0.8})
    assert ax.get_xlabel() == "accuracy on the test set"
    labels = ax.get_legend_handles_labels()[1]
    assert "always stays 80.0%" in labels and "expected 50.0%" in labels


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"y_true": []}, ValueError, "y_true is empty"),
    ({"y_true": [0, 1, np.nan]}, ValueError, "y_true contains 1 missing"),
    ({"y_true": [1, 1, 1]}, ValueError, "at least 2 classes"),
    ({"y_true": [0, 1], "p_heads": 1.5}, ValueError, "p_heads must be between 0 and 1"),
    ({"y_true": [0, 1], "p_heads": "half"}, TypeError, "p_heads must be a number"),
    ({"y_true": [0, 1, 2], "p_heads": 0.3}, ValueError, "p_heads must be 0.5"),
    ({"y_true": [0, 1], "n_trials": 0}, ValueError, "n_trials must be at least 1"),
    ({"y_true": "0101"}, TypeError, "y_true must be array-like"),
], ids=["empty", "nan", "one-class", "p-above-1", "p-not-number", "p-multiclass",
        "no-trials", "string"])
def test_coin_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_coin_flips(**kwargs)


# --- coin_flip_scenario --------------------------------------------------------------------


def test_scenario_numbers():
    s = coin_flip_scenario(positive_rate=0.2, n_test=500, model_tpr=0.7, model_tnr=0.9)
    assert s.majority_accuracy == 0.8
    assert s.model_accuracy == pytest.approx(0.2 * 0.7 + 0.8 * 0.9)
    assert abs(s.coin.mean - 0.5) < 0.01
    assert s.summary()["contender"].tolist() == ["coin flip", "always majority", "fixed model"]
    assert s.plot().get_xlim() == (0, 1)


def test_scenario_majority_follows_balance():
    assert coin_flip_scenario(positive_rate=0.5, n_test=100).majority_accuracy == 0.5
    assert coin_flip_scenario(positive_rate=0.9, n_test=100).majority_accuracy == 0.9


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"positive_rate": 0.0}, "at least one label of each class"),
    ({"positive_rate": -0.1}, "positive_rate must be between 0 and 1"),
    ({"n_test": 1}, "n_test must be at least 2"),
    ({"model_tpr": 2.0}, "model_tpr must be between 0 and 1"),
], ids=["no-positives", "negative-rate", "tiny-test", "bad-tpr"])
def test_scenario_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        coin_flip_scenario(**kwargs)


# --- baseline_table ------------------------------------------------------------------------


def _oracle_row(model, y_train, y_test, pos_label):
    model.fit(np.zeros((len(y_train), 1)), y_train)
    x = np.zeros((len(y_test), 1))
    pred = model.predict(x)
    return {
        "accuracy": metrics.accuracy_score(y_test, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y_test, pred),
        "precision": metrics.precision_score(y_test, pred, pos_label=pos_label, zero_division=0),
        "recall": metrics.recall_score(y_test, pred, pos_label=pos_label),
        "f1": metrics.f1_score(y_test, pred, pos_label=pos_label, zero_division=0),
        "roc_auc": metrics.roc_auc_score(y_test == pos_label, model.predict_proba(x)[:, 1]),
    }


@pytest.mark.parametrize(("y_train", "y_test", "pos_label"), [
    (_labels(800, 0.2, 1), _labels(300, 0.2, 2), 1),
    (np.where(_labels(500, 0.4, 3), "left", "stayed"),
     np.where(_labels(200, 0.4, 4), "left", "stayed"), "stayed"),
], ids=["0/1 labels", "string labels"])
def test_baseline_table_equals_dummy_classifier(y_train, y_test, pos_label):
    table = baseline_table(y_train, y_test, seed=5)
    oracle = {
        "coin flip (uniform)": DummyClassifier(strategy="uniform", random_state=5),
        "stratified": DummyClassifier(strategy="stratified", random_state=5),
        "most frequent": DummyClassifier(strategy="most_frequent"),
        "prior": DummyClassifier(strategy="prior"),
    }
    assert list(table.index) == list(oracle)
    for name, model in oracle.items():
        for metric, value in _oracle_row(model, y_train, y_test, pos_label).items():
            assert table.loc[name, metric] == pytest.approx(value), (name, metric)


def test_baseline_table_precision_undefined_for_majority_follows_the_one_rule():
    from sklearn.metrics import f1_score, precision_score

    y_test = _labels(200, 0.2, 9)
    table = baseline_table(_labels(500, 0.2), y_test)
    never = np.zeros_like(y_test)
    # scikit-learn as the oracle, with the toolkit's documented zero_division (0.0).
    assert table.loc["most frequent", "precision"] == precision_score(y_test, never,
                                                                      zero_division=0.0) == 0.0
    assert table.loc["most frequent", "f1"] == f1_score(y_test, never, zero_division=0.0)
    assert table.loc["most frequent", "recall"] == 0.0
    assert table.loc["prior", "roc_auc"] == 0.5


def test_baseline_table_multiclass_uses_macro_averages():
    y_train = np.repeat(["a", "b", "c"], [50, 30, 20])
    y_test = np.repeat(["a", "b", "c"], [20, 12, 8])
    table = baseline_table(y_train, y_test)
    model = DummyClassifier(strategy="uniform", random_state=0).fit(np.zeros((100, 1)), y_train)
    pred = model.predict(np.zeros((40, 1)))
    assert table.loc["coin flip (uniform)", "f1"] == pytest.approx(
        metrics.f1_score(y_test, pred, average="macro"))
    assert table.loc["prior", "roc_auc"] == pytest.approx(0.5)


def test_baseline_table_equals_dummy_regressor():
    rng = np.random.default_rng(0)
    y_train, y_test = rng.lognormal(size=300), rng.lognormal(size=100)
    table = baseline_table(y_train, y_test, task="regression")
    assert list(table.columns) == ["mae", "rmse", "r2"]
    for strategy in ("mean", "median"):
        pred = DummyRegressor(strategy=strategy).fit(np.zeros((300, 1)), y_train).predict(
            np.zeros((100, 1)))
        assert table.loc[strategy, "mae"] == pytest.approx(
            metrics.mean_absolute_error(y_test, pred))
        assert table.loc[strategy, "rmse"] == pytest.approx(
            metrics.root_mean_squared_error(y_test, pred))
        assert table.loc[strategy, "r2"] == pytest.approx(metrics.r2_score(y_test, pred))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"y_train": [], "y_test": [0, 1]}, "y_train is empty"),
    ({"y_train": [0, 1], "y_test": [0, None]}, "y_test contains 1 missing"),
    ({"y_train": [1, 1, 1], "y_test": [0, 1]}, "y_train must contain at least 2 classes"),
    ({"y_train": [0, 1], "y_test": [0, 1], "task": "ranking"}, "task must be one of"),
], ids=["empty", "nan", "one-class", "unknown-task"])
def test_baseline_table_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        baseline_table(**kwargs)


def test_dummy_models_unknown_task():
    with pytest.raises(ValueError, match="task must be one of 'classification', 'regression'"):
        dummy_models("clustering")


# --- human_level_performance ---------------------------------------------------------------


@pytest.fixture
def annotations():
    ann = pd.DataFrame({
        "customer_id": ["c1", "c2", "c3", "c4"] * 2,
        "annotator": ["ann"] * 4 + ["bob"] * 4,
        "label": [1, 0, 1, 0, 1, 1, 0, 0],
    })
    truth = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5"],
                          "churned_true": [1, 0, 1, 1, 0],
                          "outcome": ["closed", "stayed", "downgraded", "downgraded", "stayed"]})
    return ann, truth


def test_hlp_per_annotator_and_pooled(annotations):
    ann, truth = annotations
    table = human_level_performance(ann, truth)
    assert table["annotator"].tolist() == ["ann", "bob", "all annotators"]
    assert table["accuracy"].tolist() == [0.75, 0.25, 0.5]
    assert table["n_labels"].tolist() == [4, 4, 8]
    pooled = metrics.accuracy_score([1, 0, 1, 1] * 2, ann["label"])
    assert table["accuracy"].iloc[-1] == pytest.approx(pooled)


def test_hlp_by_group_from_truth(annotations):
    ann, truth = annotations
    table = human_level_performance(ann, truth, by="outcome", metric="recall")
    down = table[(table["outcome"] == "downgraded") & (table["annotator"] == "all annotators")]
    assert down["recall"].item() == pytest.approx(0.25)  # 1 of the 4 downgraded labels is 1
    assert set(table["outcome"]) == {"closed", "downgraded", "stayed"}


def test_hlp_on_the_case_study():
    from toolkit.datasets import load

    ann = load("annotations")
    table = human_level_performance(ann, load("history_truth"), by="round")
    pooled = table[table["annotator"] == "all annotators"].set_index("round")["accuracy"]
    assert pooled["after_guideline"] > 0.95 > pooled["before_guideline"]


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"annotations": pd.DataFrame()}, ValueError, "annotations is empty"),
    ({"truth": [1, 0]}, TypeError, "truth must be a pandas DataFrame"),
    ({"label_col": "vote"}, ValueError, r"annotations names column\(s\) \['vote'\]"),
    ({"by": "region"}, ValueError, r"by names column\(s\) \['region'\]"),
    ({"metric": "auc"}, ValueError, "metric must be one of"),
], ids=["empty", "truth-not-frame", "unknown-column", "unknown-by", "unknown-metric"])
def test_hlp_bad_input(annotations, change, error, match):
    ann, truth = annotations
    kwargs = {"annotations": ann, "truth": truth, **change}
    with pytest.raises(error, match=match):
        human_level_performance(**kwargs)


def test_hlp_no_shared_ids(annotations):
    ann, truth = annotations
    with pytest.raises(ValueError, match="share no customer_id"):
        human_level_performance(ann, truth.assign(customer_id=list("vwxyz")))


# --- compare_to_baseline -------------------------------------------------------------------


def test_compare_scores_and_mcnemar():
    y = np.r_[np.zeros(40, int), np.ones(10, int)]
    model = np.r_[np.zeros(38, int), np.ones(2, int), np.ones(7, int), np.zeros(3, int)]
    base = np.zeros(50, int)
    result = compare_to_baseline(y, model, base)
    assert result.model_score == 0.9 and result.baseline_score == 0.8
    # McNemar exact: 7 rows only the model gets right, 2 only the baseline
    assert result.p_value == pytest.approx(stats.binomtest(7, 9, 0.5).pvalue)
    assert result.ci_low <= result.difference <= result.ci_high
    assert not result.significant


def test_compare_large_test_set_is_significant():
    y = _labels(5000, 0.2)
    rng = np.random.default_rng(1)
    model = np.where(rng.random(5000) < 0.9, y, 1 - y)
    result = compare_to_baseline(y, model, np.zeros(5000, int))
    assert result.significant and result.p_value < 1e-6


@pytest.mark.parametrize("metric", ["balanced_accuracy", "precision", "recall", "f1"])
def test_compare_vectorised_bootstrap_matches_sklearn(metric):
    y = _labels(200, 0.3)
    rng = np.random.default_rng(2)
    model = np.where(rng.random(200) < 0.8, y, 1 - y)
    idx = np.random.default_rng(3).integers(0, 200, size=(20, 200))
    # scikit-learn itself is the oracle (with the toolkit's zero_division rule, 0).
    oracle = {"balanced_accuracy": metrics.balanced_accuracy_score,
              "precision": lambda t, p: metrics.precision_score(t, p, zero_division=0.0),
              "recall": lambda t, p: metrics.recall_score(t, p, zero_division=0.0),
              "f1": lambda t, p: metrics.f1_score(t, p, zero_division=0.0)}[metric]
    fast = significance._bootstrap_scores(y, model, idx, metric, 1)
    np.testing.assert_allclose(fast, [oracle(y[i], model[i]) for i in idx])
    result = compare_to_baseline(y, model, _labels(200, 0.3, 9), metric=metric, n_boot=200)
    assert result.p_value is None
    assert result.model_score == pytest.approx(oracle(y, model))


def test_compare_plot_and_summary():
    result = compare_to_baseline(_labels(100, 0.3), _labels(100, 0.3, 1), np.zeros(100, int),
                                 n_boot=100)
    assert result.summary()["metric"] == "accuracy"
    assert "baseline" in result.plot().get_xlabel()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"baseline_pred": [0, 0]}, "must have the same length"),
    ({"y_true": []}, "y_true is empty"),
    ({"model_pred": [0, np.nan, 1]}, "model_pred contains 1 missing"),
    ({"metric": "roc_auc"}, "metric must be one of"),
    ({"n_boot": 0}, "n_boot must be at least 1"),
    ({"y_true": [0, 1, 2], "metric": "f1"}, "needs two classes"),
], ids=["length", "empty", "nan", "metric", "n_boot", "multiclass-f1"])
def test_compare_bad_input(kwargs, match):
    args = {"y_true": [0, 1, 1], "model_pred": [0, 1, 0], "baseline_pred": [0, 0, 0], **kwargs}
    with pytest.raises(ValueError, match=match):
        compare_to_baseline(**args)


# --- plot_baseline_ladder ------------------------------------------------------------------


def test_ladder_order_and_colours():
    from toolkit.plotting import COLORS

    ax = plot_baseline_ladder(pd.Series({"coin flip": 0.5, "always stays": 0.8, "model": 0.86,
                                         "HLP": 0.97}))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["coin flip", "always stays",
                                                            "model", "HLP"]
    colours = [line.get_color() for line in ax.lines]
    assert colours == [COLORS["muted"], COLORS["highlight"], COLORS["primary"], COLORS["good"]]
    assert "86.0%" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize(("scores", "match"), [
    ({}, "scores is empty"),
    ({"model": np.nan}, "missing values for"),
], ids=["empty", "nan"])
def test_ladder_bad_input(scores, match):
    with pytest.raises(ValueError, match=match):
        plot_baseline_ladder(scores)


# --- the split modules ---------------------------------------------------------------------


@pytest.mark.parametrize(("module", "own_helpers"), [(coin_flips, {"lattice_bins"}),
                                                     (significance, {"metric_score"})],
                         ids=["coin_flips", "significance"])
def test_baselines_re_exports_the_modules_it_was_split_into(module, own_helpers):
    assert set(module.__all__) - own_helpers <= set(baselines.__all__)
    for name in module.__all__:
        if name in baselines.__all__:
            assert getattr(baselines, name) is getattr(module, name)
