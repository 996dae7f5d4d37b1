"""Every toolkit plot labels both axes; class names, not 0/1; the leakage axis starts at chance."""

import numpy as np
import pandas as pd
import pytest

from toolkit import baselines, error_analysis, features, modeling, retraining

Y = np.array([0, 0, 1, 1, 0, 1, 0, 0])
P = np.array([0.1, 0.4, 0.8, 0.6, 0.3, 0.35, 0.2, 0.7])


def _leakage():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    df = pd.DataFrame({"noise": rng.normal(size=300), "copy": np.where(y == 1, "yes", "no"),
                       "y": y})
    return features.plot_leakage(features.check_leakage(df, "y", show_all=True))


PLOTS = {
    "plot_leakage": _leakage,
    "plot_confusion": lambda: error_analysis.plot_confusion(Y, (P > 0.5).astype(int)),
    "plot_threshold": lambda: error_analysis.plot_threshold(Y, P),
    "plot_calibration": lambda: error_analysis.plot_calibration(Y, P, n_bins=2),
    "plot_slices": lambda: error_analysis.plot_slices(error_analysis.error_slices(
        pd.DataFrame({"plan": list("aabbaabb")}), Y, (P > 0.5).astype(int), by="plan",
        min_size=1)),
    "plot_residuals": lambda: error_analysis.plot_residuals([1.0, 2.0, 3.0], [1.5, 2.0, 2.5]),
    "plot_baseline_ladder": lambda: baselines.plot_baseline_ladder({"coin": 0.5, "model": 0.8}),
    "CoinFlipResult.plot": lambda: baselines.simulate_coin_flips(Y, n_trials=50).plot(),
    "CoinFlipScenario.plot": lambda: baselines.coin_flip_scenario(n_trials=50).plot(),
    "BaselineComparison.plot": lambda: baselines.compare_to_baseline(
        Y, (P > 0.5).astype(int), np.zeros(8, dtype=int), n_boot=50).plot(),
    "plot_model_comparison": lambda: modeling.plot_model_comparison(pd.DataFrame({
        "model": ["prior", "tree"], "kind": ["baseline", "candidate"], "f1_mean": [0.0, 0.6],
        "f1_std": [0.0, 0.05]})),
    "plot_backtest": lambda: retraining.plot_backtest(retraining.BacktestResult(pd.DataFrame({
        "policy": ["static", "static"], "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "retrained": [False, False], "value": [1.0, 2.0]}), {}, {}, pd.DataFrame())),
}


@pytest.mark.parametrize("plot", list(PLOTS), ids=list(PLOTS))
def test_every_plot_labels_both_axes(plot):
    ax = PLOTS[plot]()
    assert ax.get_xlabel().strip(), f"{plot} has no x-axis label"
    assert ax.get_ylabel().strip(), f"{plot} has no y-axis label"


def test_confusion_shows_class_names_and_accepts_display_labels():
    ax = error_analysis.plot_confusion(Y, (P > 0.5).astype(int))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stays", "churns"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["stays", "churns"]
    ax = error_analysis.plot_confusion(["a", "b", "b"], ["a", "a", "b"],
                                       display_labels=["Adelie", "Gentoo"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Adelie", "Gentoo"]
    ax = error_analysis.plot_confusion(["a", "b", "b"], ["a", "a", "b"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match=r"display_labels must give one name per class \[0, 1\]; "
                                         r"got \['stays'\]"):
        error_analysis.plot_confusion(Y, Y, display_labels=["stays"])


def test_leakage_axis_starts_at_chance_and_bars_grow_from_it():
    table = pd.DataFrame({"column": ["noise", "useful", "copy"], "metric": "ROC AUC",
                          "score": [0.43, 0.7, 1.0], "flagged": [False, False, True],
                          "check": ["", "", "predicts the target alone"]})
    ax = features.plot_leakage(table)
    assert ax.get_xlim()[0] == 0.5  # not 0.43
    bars = {t.get_text(): p for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)}
    assert bars["copy"].get_x() == 0.5 and bars["copy"].get_width() == pytest.approx(0.5)
    assert bars["useful"].get_width() == pytest.approx(0.2)
    assert bars["noise"].get_width() == 0
    assert [t.get_text() for t in ax.texts] == ["no better than chance (0.43)",
                                                "predicts the target alone"]
