"""Bad input for the functions that take labels and scores: baselines, coin flips, significance,
diagnostics (every plot with ``ax=None``), economics, slices, weak slices, error analysis.

Examples per test under the ``ci`` profile (``strategies.examples``): 150 for each label pair,
label-and-score pair and table function; 60 for ``compare_to_baseline`` and
``simulate_coin_flips`` (they bootstrap); 40 for the plots.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bad_input.strategies import (
    anything,
    check,
    columns,
    draw_options,
    examples,
    first_column,
    frames,
    labels,
    maybe,
    maybe_count,
    same_length,
    scores,
)
from toolkit import (
    baselines,
    coin_flips,
    diagnostics,
    economics,
    error_analysis,
    significance,
    slices,
    suspect_labels,
    weak_slices,
)

VALUES = {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}
PAIR_NAMES = ["y_true", "y_pred", "y_train", "y_test"]

# name -> (function of two label arrays, the argument names a message may use)
LABEL_PAIRS = {
    "baseline_table": (baselines.baseline_table, ["y_train", "y_test"]),
    "decision_scores": (baselines.decision_scores, ["y_true", "y_pred"]),
    "metric_score": (lambda t, p: significance.metric_score("f1", t, p), ["y_true", "pred", "metric"]),
    "business_value": (lambda t, p: economics.business_value(t, p, VALUES), ["y_true", "y_pred"]),
    "prediction_errors": (slices.prediction_errors, ["y_true", "y_pred"]),
    "plot_confusion": (diagnostics.plot_confusion, ["y_true", "y_pred"]),
    "plot_residuals": (diagnostics.plot_residuals, ["y_true", "y_pred"]),
}
# name -> (function of labels and scores, names)
SCORED = {
    "threshold_curve": (diagnostics.threshold_curve, ["y_true", "proba"]),
    "plot_threshold": (diagnostics.plot_threshold, ["y_true", "proba"]),
    "plot_calibration": (diagnostics.plot_calibration, ["y_true", "proba"]),
    "value_by_threshold": (lambda t, p: economics.value_by_threshold(t, p, VALUES), ["y_true", "proba"]),
}


@pytest.mark.parametrize("name", LABEL_PAIRS)
@examples(150)
@given(pair=same_length(labels, labels))
def test_label_pairs(name, pair):
    function, names = LABEL_PAIRS[name]
    check(name, function, pair, names)


@pytest.mark.parametrize("name", SCORED)
@examples(150)
@given(pair=same_length(labels, scores))
def test_labels_and_scores(name, pair):
    function, names = SCORED[name]
    check(name, function, pair, names)


@examples(150)
@given(same_length(labels, scores), maybe(st.lists(st.floats(0, 1), min_size=1, max_size=4)))
def test_threshold_curve_thresholds(pair, thresholds):
    check("threshold_curve(thresholds)", diagnostics.threshold_curve, (*pair, thresholds),
          ["y_true", "proba", "thresholds"])


@examples(60)
@given(same_length(labels, labels, labels), maybe(st.sampled_from(list(baselines.METRICS))),
       maybe_count(st.integers(1, 50)))
def test_compare_to_baseline(ys, metric, n_boot):
    check("compare_to_baseline", significance.compare_to_baseline, ys,
          ["y_true", "model_pred", "baseline_pred", "metric", "n_boot"], {"metric": metric, "n_boot": n_boot})


@examples(150)
@given(maybe(st.sampled_from(list(baselines.METRICS))), same_length(labels, labels))
def test_metric_score_metric(metric, pair):
    check("metric_score(metric)", significance.metric_score, (metric, *pair), ["metric", "y_true", "pred"])


@examples(150)
@given(maybe(st.sampled_from(list(baselines.TASKS))), maybe(st.integers(0, 9)), same_length(labels, labels))
def test_baseline_table_options(task, seed, pair):
    check("baseline_table(task)", baselines.baseline_table, pair, ["task", "seed", "y_train", "y_test"],
          {"task": task, "seed": seed})
    check("dummy_models", baselines.dummy_models, (task, seed), ["task", "seed"])


@examples(60)
@given(st.integers(0, 30).flatmap(labels), maybe_count(st.integers(1, 50)), maybe(st.floats(0, 1)))
def test_simulate_coin_flips(y, n_trials, p_heads):
    result = check("simulate_coin_flips", coin_flips.simulate_coin_flips, (y, n_trials, p_heads),
                   ["y_true", "n_trials", "p_heads"])
    if result is not None:
        check("CoinFlipResult.plot", result.plot, (), ["references"], {"references": {"model": 0.8}})


@examples(60)
@given(maybe(st.floats(0, 1)), maybe_count(st.integers(2, 200)), maybe(st.floats(0, 1)),
       maybe(st.floats(0, 1)))
def test_coin_flip_scenario(rate, n_test, tpr, tnr):
    check("coin_flip_scenario", coin_flips.coin_flip_scenario, (rate, n_test),
          ["positive_rate", "n_test", "model_tpr", "model_tnr"],
          {"model_tpr": tpr, "model_tnr": tnr, "n_trials": 20})


@examples(150)
@given(maybe(st.lists(st.floats(0, 1), max_size=5)), maybe_count(st.integers(1, 50)),
       maybe_count(st.integers(1, 50)))
def test_lattice_bins(values, n, max_bins):
    check("lattice_bins", coin_flips.lattice_bins, (values, n, max_bins), ["values", "n", "max_bins"])


@examples(40)
@given(maybe(st.dictionaries(st.text(max_size=6), st.floats(allow_nan=True), max_size=4)), maybe(st.text()))
def test_plot_baseline_ladder(scores_, metric):
    check("plot_baseline_ladder", baselines.plot_baseline_ladder, (scores_, metric), ["scores", "metric"])


@examples(150)
@given(maybe(st.fixed_dictionaries({k: st.floats(-100, 100) for k in VALUES})),
       maybe(st.floats(0, 500)), maybe(st.floats(0, 50)), maybe(st.floats(0, 1)))
def test_economics_values(values, customer_value, offer_cost, save_rate):
    check("outcome_values", economics.outcome_values, (values,), ["values"])
    check("CampaignEconomics", economics.CampaignEconomics, (customer_value, offer_cost, save_rate),
          ["customer_value", "offer_cost", "save_rate"])


# --------------------------------------------------------------------------- slices
@examples(150)
@given(frames(min_cols=1), maybe_count(st.integers(2, 10)), maybe(st.one_of(st.none(), st.integers(1, 10))))
def test_bin_column(frame, n_bins, max_levels):
    column = frame.iloc[:, 0]
    check("bin_column", slices.bin_column, (column, n_bins, max_levels), ["column", "n_bins", "max_levels"])


@examples(150)
@given(frames(min_rows=1, min_cols=1), st.data())
def test_error_slices(frame, data):
    y_true, y_pred = data.draw(labels(len(frame))), data.draw(labels(len(frame)))
    by = data.draw(maybe(st.sampled_from(list(frame.columns) + [list(frame.columns[:2])])))
    options = draw_options(data, min_size=st.integers(1, 5), bins=st.integers(2, 6),
                           confidence=st.floats(0, 1))
    table = check("error_slices", slices.error_slices, (frame, y_true, y_pred, by),
                  ["df", "by", "y_true", "y_pred", "column", "min_size", "bins", "confidence"], options)
    if table is not None:
        check("plot_slices", slices.plot_slices, (table,), ["table"])


@examples(150)
@given(frames(min_rows=1, min_cols=1), st.data())
def test_find_weak_slices(frame, data):
    y_true, y_pred = data.draw(labels(len(frame))), data.draw(labels(len(frame)))
    options = draw_options(data, min_support=st.floats(0.01, 1), max_features=st.integers(1, 3),
                           top_k=st.integers(1, 5), bins=st.integers(2, 6), alpha=st.floats(0, 1))
    check("find_weak_slices", weak_slices.find_weak_slices, (frame, y_true, y_pred),
          ["X", "y_true", "y_pred", "column", "columns", *options], options)


@examples(150)
@given(frames(min_rows=1, min_cols=1), st.data())
def test_tag_errors(frame, data):
    column = first_column(frame)
    rule = data.draw(st.one_of(st.just(f"`{column}` > 0"), st.just(lambda df: df.iloc[:, 0].isna()),
                               st.sampled_from(["a ==", "`nope` > 1", "1", "True"]), anything()))
    rules = data.draw(st.one_of(st.just({"rule": rule}), anything()))
    y_true, y_pred = data.draw(labels(len(frame))), data.draw(labels(len(frame)))
    check("tag_errors", error_analysis.tag_errors, (frame, rules, y_true, y_pred),
          ["df", "rules", "y_true", "y_pred", "column"])


HLP = st.one_of(st.sampled_from(["hlp", "hlp", "accuracy"]), st.floats(0, 1),
                st.dictionaries(st.text(max_size=3), st.floats(0, 1)))


@st.composite
def priority_tables(draw):
    """A tag_errors-like table (tag, accuracy, hlp, share), one column of it possibly replaced by
    a drawn column of any kind, or any drawn frame."""
    n = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    table = pd.DataFrame({"tag": [f"t{i}" for i in range(n)], "accuracy": rng.random(n),
                          "hlp": rng.random(n), "share": rng.random(n) / n})
    spoilt = draw(st.sampled_from([None, None, "tag", "accuracy", "hlp", "share"]))
    if spoilt:
        table[spoilt] = draw(columns(n)).to_numpy()
    return table


@examples(150)
@given(st.one_of(priority_tables(), priority_tables(), frames(min_cols=2)), maybe(HLP),
       maybe(st.sampled_from([None, None, "tag", "x"])))
def test_prioritize(table, hlp, name):
    check("prioritize", error_analysis.prioritize, (table, hlp),
          ["table", "hlp", "name", "accuracy", "share"], {"name": name})


@examples(150)
@given(same_length(labels, labels, max_rows=30),
       maybe_count(st.lists(st.integers(1, 40), min_size=1, max_size=3)))
def test_precision_at_k(pair, k):
    ranking, wrong = pair
    ranking = ranking if isinstance(ranking, pd.Series) else pd.Series(np.ravel(ranking))
    table = check("precision_at_k", suspect_labels.precision_at_k, (ranking.index, wrong, k),
                  ["ranking", "is_wrong", "k"])
    if table is not None:
        check("plot_precision_at_k", suspect_labels.plot_precision_at_k, (table,), ["table"])
