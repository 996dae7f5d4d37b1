import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from toolkit import modeling


@pytest.fixture
def data():
    X, y = make_classification(n_samples=300, n_features=6, weights=[0.8], random_state=0)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), y


def test_compare_models_matches_cross_val_score_on_the_same_folds(data):
    X, y = data
    table = modeling.compare_models({"logistic": LogisticRegression()}, X, y, cv=4, seed=3)
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=3)
    expected = cross_val_score(LogisticRegression(), X, y, cv=folds, scoring="f1")
    row = table.set_index("model").loc["logistic"]
    assert row["f1_mean"] == pytest.approx(expected.mean())
    assert row["f1_std"] == pytest.approx(expected.std(ddof=1))
    assert (table["fit_time"] > 0).all() and (table["predict_time"] > 0).all()


def test_compare_models_puts_the_baselines_first(data):
    X, y = data
    table = modeling.compare_models({"logistic": LogisticRegression()}, X, y, cv=3)
    assert table["model"].tolist() == ["coin flip (uniform)", "stratified", "most frequent",
                                       "prior", "logistic"]
    assert table["kind"].tolist() == ["baseline"] * 4 + ["candidate"]
    majority = table.set_index("model").loc["most frequent"]
    assert majority["accuracy_mean"] == pytest.approx(1 - y.mean(), abs=0.01)
    assert majority["precision_mean"] == 0.0  # never predicts 1: counted as 0, no warning
    assert table.set_index("model").loc["logistic", "f1_mean"] > 0.5


def test_compare_models_takes_a_splitter_and_other_metrics(data):
    X, y = data
    table = modeling.compare_models({"logistic": LogisticRegression()}, X, y,
                                    cv=KFold(3), scoring=["roc_auc"], baselines=False)
    assert table.columns.tolist() == ["model", "kind", "roc_auc_mean", "roc_auc_std",
                                      "fit_time", "predict_time"]
    assert len(table) == 1


def test_compare_models_shows_a_progress_bar_when_asked(data, capsys):
    X, y = data
    modeling.compare_models({"logistic": LogisticRegression()}, X, y, cv=2, baselines=False,
                            progress=True)
    assert "cross-validating" in capsys.readouterr().err


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"models": {}}, ValueError, r"models is empty; give at least one name -> estimator\."),
    ({"models": [DummyClassifier()]}, TypeError, r"models must be a dict of name -> estimator; got \["),
    ({"models": {"bad": 3}}, TypeError, r"models\['bad'\] must be a scikit-learn estimator"),
    ({"models": {"prior": DummyClassifier()}}, ValueError, "baseline name"),
    ({"y": np.ones(300)}, ValueError, "at least 2 classes"),
    ({"y": np.array([0, 1] * 5)}, ValueError, "same length"),
    ({"cv": 1}, ValueError, "at least 2 folds"),
    ({"cv": "five"}, TypeError, "cv must be a number of folds"),
    ({"scoring": "f1"}, TypeError, "scoring must be a list of metric names; got 'f1'"),
    ({"scoring": []}, ValueError, r"scoring is empty; give at least one of the metric names\."),
    ({"scoring": ["f2"]}, ValueError, "unknown metric 'f2'"),
    ({"X": np.zeros(300)}, ValueError, "two-dimensional"),
], ids=["no-models", "models-list", "not-estimator", "name-clash", "single-class", "length",
        "one-fold", "cv-type", "scoring-string", "scoring-empty", "unknown-metric",
        "one-dimensional-X"])
def test_compare_models_bad_input(data, kwargs, error, match):
    X, y = data
    args = {"models": {"logistic": LogisticRegression()}, "X": X, "y": y, **kwargs}
    with pytest.raises(error, match=match):
        modeling.compare_models(args.pop("models"), args.pop("X"), args.pop("y"), **args)


def test_plot_model_comparison_highlights_the_best_candidate():
    table = pd.DataFrame({"model": ["prior", "a", "b"], "kind": ["baseline", "candidate",
                                                                 "candidate"],
                          "f1_mean": [0.0, 0.7, 0.5], "f1_std": [0.0, 0.05, 0.02],
                          "recall_mean": [0.0, 0.6, 0.8], "recall_std": [0, 0, 0]})
    ax = modeling.plot_model_comparison(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["prior", "b", "a"]
    colors = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert colors == ["#8c8c8c", "#0072b2", "#e69f00"]
    ax = modeling.plot_model_comparison(table, "recall")
    assert ax.get_xlabel().startswith("recall")


@pytest.mark.parametrize(("table", "metric", "match"), [
    (pd.DataFrame({"model": ["a"]}), None, "no '<metric>_mean' column"),
    (pd.DataFrame({"model": ["a"], "kind": ["candidate"], "f1_mean": [0.5], "f1_std": [0.1]}),
     "auc", "metric must be one of"),
    (pd.DataFrame({"model": ["a"], "f1_mean": [0.5], "f1_std": [0.1]}), None, "not in the data"),
], ids=["no-metric", "unknown-metric", "no-kind"])
def test_plot_model_comparison_bad_input(table, metric, match):
    with pytest.raises(ValueError, match=match):
        modeling.plot_model_comparison(table, metric)
