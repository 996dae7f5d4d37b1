import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from sklearn.linear_model import LogisticRegression

from toolkit import widgets


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"usage": rng.gamma(2, 3, 4_000),
                        "plan": rng.choice(["basic", "premium"], 4_000, p=[0.7, 0.3])})
    ref["churned"] = (rng.random(4_000) < 1 / (1 + np.exp(2 - 0.15 * ref["usage"]))).astype(int)
    model = LogisticRegression().fit(ref[["usage"]], ref["churned"])
    return ref, model


def _numbers(box):
    return box.children[1].value


def test_drift_explorer_moves_statistics_with_the_size(world):
    ref, model = world
    box = widgets.drift_explorer(ref, model, batch_size=800)
    kind, column, size = box.children[0].children
    assert "drift_explorer" in widgets.__all__
    assert (kind.value, column.value) == ("covariate shift", "usage")
    size.value = 0.0
    assert "usage: no drift" in _numbers(box)
    size.value = 1.0
    assert "usage: drifted" in _numbers(box)
    assert bytes(box.children[2].value).startswith(b"\x89PNG")


def test_concept_change_moves_the_true_f1_but_not_the_inputs(world):
    ref, model = world
    box = widgets.drift_explorer(ref, model, batch_size=800)
    kind, column, size = box.children[0].children
    kind.value = "concept change"
    assert column.value == "plan"  # labels only for this kind
    size.value = 0.0
    calm = _numbers(box)
    size.value = 1.0
    moved = _numbers(box)
    assert "plan: no drift" in calm and "plan: no drift" in moved
    estimated = [text.split("F1 estimated ")[1].split(" ")[0] for text in (calm, moved)]
    true = [text.split("true ")[1] for text in (calm, moved)]
    assert estimated[0] == estimated[1] and true[0] != true[1]


def test_drift_explorer_bad_input(world):
    ref, model = world
    with pytest.raises(ValueError, match=r"target names column\(s\) \['label'\]"):
        widgets.drift_explorer(ref, model, target="label")


def test_dates_are_not_offered_and_the_threshold_is_used(world):
    """A date column cannot be shifted by the simulators, so it is not in the column list; the
    F1 figures use the model's decision threshold."""
    ref, model = world
    dated = ref.assign(month=pd.Timestamp("2024-01-01"))
    model_all = LogisticRegression().fit(ref[["usage"]], ref["churned"])
    model_all.feature_names_in_ = np.array(["usage"], dtype=object)
    box = widgets.drift_explorer(dated, model_all, batch_size=400, threshold=0.9)
    kind, column, size = box.children[0].children
    assert "month" not in column.options
    kind.value = "new category"
    assert "month" not in column.options and column.value == "plan"
    low = widgets.drift_explorer(dated, model_all, batch_size=400, threshold=0.1)
    assert _numbers(box).split("F1 estimated")[1] != _numbers(low).split("F1 estimated")[1]
    with pytest.raises(ValueError, match=r"threshold must be between 0 and 1; got 2\.0"):
        widgets.drift_explorer(ref, model, threshold=2.0)


def test_the_estimate_uses_the_calibrator_given_and_says_when_there_is_none(world):
    """CBPE decides on the raw score and expects on the calibrated probability: a model with
    balanced class weights overstates churn, and a calibrator fitted on held-out scores takes
    the estimate back to the truth (the numbers shown change with it)."""
    from toolkit.monitoring import ScoreCalibrator

    ref, _ = world
    balanced = LogisticRegression(class_weight="balanced").fit(ref[["usage"]], ref["churned"])
    held_out = ref.sample(2_000, random_state=1)
    calibrator = ScoreCalibrator().fit(balanced.predict_proba(held_out[["usage"]])[:, 1],
                                       held_out["churned"])
    raw = widgets.drift_explorer(ref, balanced, batch_size=800)
    calibrated = widgets.drift_explorer(ref, balanced, batch_size=800, calibrator=calibrator)
    assert "scores taken as probabilities" in _numbers(raw)
    assert "scores taken as probabilities" not in _numbers(calibrated)

    def gap(box):  # |estimated F1 - true F1|
        text = _numbers(box)
        return abs(float(text.split("F1 estimated ")[1].split(" ")[0]) - float(text.split("true ")[1]))

    assert gap(calibrated) < gap(raw)
    with pytest.raises(TypeError, match="calibrator must be a fitted"):
        widgets.drift_explorer(ref, balanced, calibrator="isotonic")
