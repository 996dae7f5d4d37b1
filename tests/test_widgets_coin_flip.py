import pytest

pytest.importorskip("ipywidgets")

from toolkit.baselines import coin_flip_scenario
from toolkit.widgets import coin_flip_explorer


def _shown(box):
    (rate, size), numbers, figure = box.children[0].children, box.children[1], box.children[2]
    return rate, size, numbers, figure


def _expected_numbers(rate, size):
    return [f"{a:.1%}" for a in coin_flip_scenario(rate, size).summary()["accuracy"]]


def test_initial_numbers_come_from_baselines():
    box = coin_flip_explorer(positive_rate=0.2, n_test=500)
    rate, size, numbers, figure = _shown(box)
    assert (rate.value, size.value) == (0.2, 500)
    for text in _expected_numbers(0.2, 500):
        assert text in numbers.value
    assert "80.0%" in numbers.value  # always-majority on 80/20 labels
    assert bytes(figure.value).startswith(b"\x89PNG")


@pytest.mark.parametrize(("slider", "new_value"), [(0, 0.5), (1, 100)],
                         ids=["class-balance", "test-size"])
def test_moving_a_slider_updates_the_numbers(slider, new_value):
    box = coin_flip_explorer(positive_rate=0.2, n_test=500)
    rate, size, numbers, figure = _shown(box)
    before, first_png = numbers.value, figure.value
    (rate, size)[slider].value = new_value
    assert numbers.value != before
    for text in _expected_numbers(rate.value, size.value):
        assert text in numbers.value
    assert bytes(figure.value) != bytes(first_png)  # the figure was redrawn


def test_balance_slider_moves_majority_not_coin():
    box = coin_flip_explorer(positive_rate=0.2, n_test=2000)
    rate, _, numbers, _ = _shown(box)
    rate.value = 0.1
    assert "90.0%" in numbers.value  # always-majority follows the balance ...
    coin = coin_flip_scenario(0.1, 2000).summary()["accuracy"].iloc[0]
    assert abs(coin - 0.5) < 0.01  # ... the coin stays at one half
    assert f"{coin:.1%}" in numbers.value
