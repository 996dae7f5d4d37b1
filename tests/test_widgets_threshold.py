import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from sklearn.metrics import precision_score, recall_score

from toolkit.widgets import threshold_explorer


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    return y, np.clip(0.4 * y + 0.6 * rng.random(200), 0, 1)


def test_initial_numbers_come_from_threshold_curve(scores):
    y, p = scores
    slider, numbers, figure = threshold_explorer(y, p, threshold=0.4).children
    flagged = p >= 0.4  # scikit-learn as the oracle, not the function the widget calls
    assert slider.value == 0.4
    assert f"precision {precision_score(y, flagged, zero_division=0):.2f}" in numbers.value
    assert f"recall {recall_score(y, flagged):.2f}" in numbers.value
    assert f"{int(flagged.sum())} flagged" in numbers.value
    assert bytes(figure.value).startswith(b"\x89PNG")


def test_moving_the_slider_updates_numbers_and_figure(scores):
    y, p = scores
    slider, numbers, figure = threshold_explorer(y, p, threshold=0.5).children
    before, first_png = numbers.value, bytes(figure.value)
    slider.value = 0.2
    assert numbers.value != before
    assert f"recall {recall_score(y, p >= 0.2):.2f}" in numbers.value
    assert bytes(figure.value) != first_png


@pytest.mark.parametrize(("y_true", "proba", "threshold", "error", "match"), [
    ([0, 1, 1], [0.2, 1.5, 0.3], 0.5, ValueError, "between 0 and 1"),
    ([1, 1, 1], [0.2, 0.5, 0.3], 0.5, ValueError, "at least 2 classes"),
    ([0, 1], [0.2, 0.5, 0.3], 0.5, ValueError, "same length"),
    ([0, 1], [0.2, 0.5], 2.0, ValueError, "threshold must be between 0 and 1"),
    ([0, 1], [0.2, 0.5], "high", TypeError, "threshold must be a number"),
], ids=["proba-range", "single-class", "length", "threshold-range", "threshold-type"])
def test_bad_input_is_refused_before_any_widget_is_built(y_true, proba, threshold, error, match):
    with pytest.raises(error, match=match):
        threshold_explorer(y_true, proba, threshold=threshold)
