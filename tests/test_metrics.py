import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from toolkit import baselines, error_analysis, modeling
from toolkit._metrics import ZERO_DIVISION, precision_recall_f1, ratio

CASES = {
    "ordinary": ([0, 1, 1, 0, 1, 1], [0, 1, 0, 1, 1, 1]),
    "nothing predicted positive": ([0, 1, 1, 0], [0, 0, 0, 0]),
    "no positive row": ([0, 0, 0, 0], [0, 1, 0, 0]),
    "no positive at all": ([0, 0, 0], [0, 0, 0]),
    "all wrong": ([1, 1, 0], [0, 0, 1]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_counts_agree_with_sklearn(case):
    y, pred = CASES[case]
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    ours = precision_recall_f1(tp, fp, fn)
    theirs = tuple(f(y, pred, zero_division=0.0) for f in (precision_score, recall_score,
                                                             f1_score))
    assert ours == pytest.approx(theirs)


def test_vectorised_counts_agree_with_sklearn_row_by_row():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (200, 15))
    pred = (rng.random((200, 15)) < 0.15).astype(int)  # some rows predict nothing positive
    tp = (y & pred).sum(axis=1)
    fp = ((1 - y) & pred).sum(axis=1)
    fn = (y & (1 - pred)).sum(axis=1)
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    assert (tp + fp == 0).any()
    for i in range(len(y)):
        assert precision[i] == pytest.approx(precision_score(y[i], pred[i], zero_division=0.0))
        assert recall[i] == pytest.approx(recall_score(y[i], pred[i], zero_division=0.0))
        assert f1[i] == pytest.approx(f1_score(y[i], pred[i], zero_division=0.0))


def test_ratio_numbers_and_arrays():
    assert ratio(3, 4) == 0.75 and ratio(0, 0) == ZERO_DIVISION
    assert ratio(np.array([2.0, 5.0]), np.array([4.0, 0.0])).tolist() == [0.5, ZERO_DIVISION]


# --- the same predictions give the same precision in every module ---------------------------
def test_never_positive_has_the_same_precision_everywhere():
    y = np.array([0] * 80 + [1] * 20)
    # baseline_table: "most frequent" never predicts 1.
    table = baselines.baseline_table(y, y)
    from_baselines = table.loc["most frequent", "precision"]
    # threshold_curve: a threshold above every probability predicts nothing positive.
    proba = np.linspace(0.05, 0.6, len(y))
    from_curve = error_analysis.threshold_curve(y, proba, thresholds=[0.9])["precision"].iloc[0]
    # compare_models: the "most frequent" baseline row.
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)})
    from sklearn.dummy import DummyClassifier

    compared = modeling.compare_models({"never": DummyClassifier(strategy="constant", constant=0)},
                                       X, y, cv=2, scoring=["precision"], baselines=False)
    from_models = compared["precision_mean"].iloc[0]
    # compare_to_baseline: the same rule inside the bootstrap.
    result = baselines.compare_to_baseline(y, y, np.zeros_like(y), metric="precision", n_boot=50)
    assert from_baselines == from_curve == from_models == result.baseline_score == ZERO_DIVISION
    assert precision_score(y, np.zeros_like(y), zero_division=0.0) == ZERO_DIVISION
    assert not np.isnan(result.differences).any()
