import pytest

from toolkit.lifecycle import LOOPS, PHASES, draw_lifecycle, phase_of


def test_four_phases_in_order_with_two_loops_back():
    assert [p.name for p in PHASES] == ["scoping", "data", "modeling", "deployment"]
    assert LOOPS[0][:2] == ("modeling", "data")
    assert LOOPS[1][:2] == ("deployment", "modeling")


@pytest.mark.parametrize("highlight, phase", [
    ("scoping", "Scoping"), ("baselines", "Data"), ("labels", "Data"),
    ("error_analysis", "Modeling"), ("monitoring", "Deployment"), ("retraining", "Deployment"),
])
def test_highlight_lights_exactly_one_phase(highlight, phase):
    from toolkit.plotting import COLORS

    ax = draw_lifecycle(highlight=highlight)
    lit = [p for p in ax.patches if hasattr(p, "get_boxstyle")
           and p.get_facecolor()[:3] == pytest.approx(_rgb(COLORS["highlight"]))]
    assert len(lit) == 1
    assert phase_of(highlight).title == phase
    assert "you are here" in ax.get_title()


def test_no_highlight_lights_nothing_and_shows_the_loops():
    ax = draw_lifecycle()
    texts = [t.get_text() for t in ax.texts]
    for _, _, why in LOOPS:
        assert why in texts
    assert ax.get_title() == "The machine-learning project lifecycle"


def test_draws_on_a_given_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert draw_lifecycle("data", ax=ax) is ax


def test_unknown_phase_is_a_clear_error():
    with pytest.raises(ValueError, match=r"highlight must be one of \['scoping'.* or None; got 'modelling'"):
        draw_lifecycle(highlight="modelling")
    with pytest.raises(ValueError, match=r"name must be one of \['scoping'.*'retraining'\]; got 'x'"):
        phase_of("x")


def _rgb(hex_color):
    from matplotlib.colors import to_rgb

    return to_rgb(hex_color)
