"""The course's LogisticRegression: scikit-learn's results, converged, identical rows scored alike."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import skops.io as sio
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from toolkit import features, modeling
from toolkit.estimators import LogisticRegression


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=400, n_features=60, n_informative=10, random_state=0)
    return X, y


def test_it_is_scikit_learns_model_solved_to_1e_8(data):
    X, y = data
    ours = LogisticRegression(C=10).fit(X, y)
    oracle = SklearnLogisticRegression(C=10, solver="newton-cholesky", tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.coef_, oracle.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), oracle.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), oracle.predict(X))


def test_identical_rows_get_identical_scores_wherever_they_sit(data):
    # scikit-learn's one matrix product gives copies of one row up to three different scores
    # (measured under every OpenBLAS kernel: Prescott, Haswell, SkylakeX)
    X, y = data
    model = LogisticRegression().fit(X, y)
    copies = np.repeat(X[:3], 33, axis=0)  # row 0 33 times, then row 1, then row 2
    for layout in (copies, np.asfortranarray(copies), pd.DataFrame(copies)):
        scores = model.decision_function(layout).reshape(3, 33)
        assert [len(set(row)) for row in scores] == [1, 1, 1]
        proba = model.predict_proba(layout)[:, 1].reshape(3, 33)
        assert [len(set(row)) for row in proba] == [1, 1, 1]
    # so a ranking metric sees each group of copies as one tie, whatever their labels
    labels = np.tile([0, 1, 1], 33)
    scores = model.decision_function(copies)
    assert average_precision_score(labels, scores) == average_precision_score(
        labels, np.repeat(scores[::33], 33))


def test_sparse_and_multiclass_inputs_work_as_in_scikit_learn():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3,
                               random_state=1)
    model = LogisticRegression().fit(X, y)
    oracle = SklearnLogisticRegression(solver="newton-cholesky", tol=1e-8).fit(X, y)
    assert model.decision_function(X).shape == (300, 3)
    np.testing.assert_allclose(model.predict_proba(X), oracle.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(model.decision_function(scipy.sparse.csr_matrix(X)),
                               model.decision_function(X), atol=1e-12)


def test_params_clone_pipeline_name_and_sample_weight(data):
    X, y = data
    model = LogisticRegression(C=3.0)
    assert clone(model).get_params() == {"C": 3.0, "class_weight": None, "max_iter": 100,
                                         "solver": "newton-cholesky", "tol": 1e-8}
    assert repr(model) == "LogisticRegression(C=3.0)"
    pipe = make_pipeline(StandardScaler(), model)
    assert pipe.steps[-1][0] == "logisticregression"
    weights = np.where(y == 1, 2.0, 1.0)
    weighted = pipe.fit(X, y, logisticregression__sample_weight=weights)[-1]
    oracle = SklearnLogisticRegression(C=3.0, solver="newton-cholesky", tol=1e-8).fit(
        StandardScaler().fit_transform(X), y, sample_weight=weights)
    np.testing.assert_allclose(weighted.coef_, oracle.coef_, atol=1e-10)


def test_bad_input_fails_with_scikit_learns_messages(data):
    X, y = data
    with pytest.raises(NotFittedError):
        LogisticRegression().decision_function(X)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.decision_function(X[:, :5])
    with pytest.raises(ValueError, match="solver"):
        LogisticRegression(solver="nope").fit(X, y)


def test_a_saved_case_study_model_loads_with_the_trusted_types(tmp_path):
    from toolkit.datasets import load

    history = load("history").head(600)
    X, y = history.drop(columns="churned"), history["churned"]
    pipeline = modeling.case_study_pipeline(X, C=10).fit(X, y)
    assert isinstance(pipeline[-1], LogisticRegression)
    path = tmp_path / "model.skops"
    sio.dump(pipeline, path)
    untrusted = sio.get_untrusted_types(file=path)
    ours = {t for t in untrusted if t.startswith("toolkit.")}
    assert "toolkit.estimators.LogisticRegression" in ours
    assert ours <= set(features.TRUSTED_TYPES)
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_fit_runs_the_linear_algebra_on_one_thread(data, monkeypatch):
    # small fits gain nothing from BLAS threads, and on a busy machine they slow them down
    from threadpoolctl import threadpool_info

    seen = []

    def spy(self, X, y, sample_weight=None):
        seen.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        return self

    monkeypatch.setattr(SklearnLogisticRegression, "fit", spy)
    X, y = data
    LogisticRegression().fit(X, y)
    assert seen == [{1}]
