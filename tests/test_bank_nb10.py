"""Notebook 10's exercises: right answers, every coded mistake, and the bank's answers computed
the way the notebook computes them (its own cells, run here, give the same values)."""

import json
from pathlib import Path

import pytest

from toolkit.exercise_bank import nb10
from toolkit.exercises import _REGISTRY, check

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "10_capstone.ipynb"


@pytest.fixture(scope="module")
def notebook():
    """Every code cell of the notebook, run in order (solutions included), minus the figure."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            exec(source.replace("plt.show()", "plt.close('all')"), namespace)  # noqa: S102
    return namespace


RIGHT = {"10.1": "accuracy", "10.3": ["year", "island"], "10.5": "no", "10.8": "data"}


@pytest.mark.parametrize(("exercise_id", "answer"), RIGHT.items())
def test_the_right_decisions(exercise_id, answer):
    assert check(exercise_id, answer).correct


@pytest.mark.parametrize("exercise_id", sorted(_REGISTRY.keys() & {f"10.{k}" for k in range(1, 9)}))
def test_every_coded_mistake_gets_its_own_feedback(exercise_id):
    exercise = _REGISTRY[exercise_id]
    mistakes = exercise.mistakes() if callable(exercise.mistakes) else exercise.mistakes
    expected = exercise.expected() if callable(exercise.expected) else exercise.expected
    for wrong, message in mistakes.items():
        if exercise.kind == "set" and set(wrong) == set(expected):
            continue
        if exercise.kind == "choice" and wrong == expected:
            continue  # the feedback for the other verdict, used when the data say otherwise
        feedback = check(exercise_id, list(wrong) if exercise.kind == "set" else wrong)
        assert feedback.status == "incorrect" and feedback.message == message


def test_the_rule_of_thumb_as_the_notebook_computes_it(notebook):
    assert check("10.2", notebook["rule_accuracy"]).correct
    assert notebook["rule_accuracy"] == pytest.approx(nb10._rule_accuracy())
    assert check("10.2", 100 * nb10._rule_accuracy()).message.startswith("That looks like a percentage")


def test_the_drift_report_answer_as_the_notebook_computes_it(notebook):
    assert check("10.4", notebook["report"].table.query("drifted")["column"].tolist()).correct
    assert "species" in nb10._drifted()  # the unseen species is what changed at the new site


def test_the_service_and_the_bank_decide_the_same_birds(notebook):
    season, decisions = nb10._season_answers()
    assert (notebook["answers"]["decision"].to_numpy() == decisions).all()
    assert check("10.6", notebook["slices"].sort_values("error_rate").iloc[-1]["species"]).correct


def test_the_gate_as_the_notebook_computes_it(notebook):
    gate, mine = notebook["gate"], nb10._gate()
    assert (gate.model_score, gate.baseline_score, gate.ci_low, gate.p_value) == pytest.approx(
        (mine.model_score, mine.baseline_score, mine.ci_low, mine.p_value))
    verdict = "promote" if gate.ci_low > 0 else "shadow"
    assert check("10.7", verdict).correct
    other = "shadow" if verdict == "promote" else "promote"
    assert check("10.7", other).status == "incorrect"


def test_the_new_site_really_is_harder(notebook):
    # the markdown says the service was right less often at the new site than cross-validated
    assert notebook["season_accuracy"] < notebook["cv_accuracy"] - 0.05
    assert notebook["cv_accuracy"] > notebook["rule_accuracy"]


def test_the_notebook_cleans_up_its_registry(notebook):
    assert not Path(notebook["folder"].name).exists()
