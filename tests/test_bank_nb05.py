"""Notebook 05's exercises: stored answers recomputed from the data, and every coded mistake."""

import json
import re
from pathlib import Path

import pytest

from toolkit.exercise_bank import nb05
from toolkit.exercises import _REGISTRY, check, list_exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_modeling.ipynb"


def _best(name, cost=30.0):
    curve = nb05.value_curve(name, cost)
    return curve.loc[curve["value"].idxmax()]


def test_stored_answers_match_the_data():
    assert _best("random forest")["value"] == pytest.approx(nb05.FOREST_BEST_VALUE)
    forest_at_half = nb05.value_curve("random forest").set_index("threshold").loc[0.5, "value"]
    assert forest_at_half == pytest.approx(nb05.FOREST_VALUE_AT_HALF)
    assert _best("logistic regression")["value"] == pytest.approx(nb05.LOGISTIC_BEST_VALUE)
    assert _best("logistic regression")["threshold"] == pytest.approx(nb05.LOGISTIC_BEST_THRESHOLD)
    assert _best("logistic regression", 60.0)["threshold"] == pytest.approx(
        nb05.DEARER_BEST_THRESHOLD)


def test_stored_answers_match_the_notebook_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    solutions = {}
    for cell, nxt in zip(cells, cells[1:], strict=False):
        found = re.search(r'check\("(5\.\d)"', "".join(nxt["source"]))
        if "solution" in cell["metadata"].get("tags", []) and found and cell["outputs"]:
            solutions[found.group(1)] = float("".join(cell["outputs"][0]["data"]["text/plain"]))
    assert solutions == {"5.2": nb05.FOREST_BEST_VALUE, "5.3": nb05.DEARER_BEST_THRESHOLD}


@pytest.mark.parametrize("exercise_id", ["5.1", "5.2", "5.3", "5.4"])
def test_not_attempted_and_activity(exercise_id):
    assert check(exercise_id, ...).status == "not attempted"
    assert _REGISTRY[exercise_id].activity in {"decide", "do"}


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("5.1", "logistic regression"), ("5.2", nb05.FOREST_BEST_VALUE),
    ("5.3", nb05.DEARER_BEST_THRESHOLD), ("5.4", "better features")])
def test_right_answers(exercise_id, answer):
    assert check(exercise_id, answer).correct


@pytest.mark.parametrize(("exercise_id", "answer", "words"), [
    ("5.1", "gradient boosting", "within|spread|slower"),
    ("5.1", "random forest", "flags few"),
    ("5.1", "decision tree", "lowest average precision"),
    ("5.2", nb05.LOGISTIC_BEST_VALUE, "logistic regression's best value"),
    ("5.2", nb05.FOREST_VALUE_AT_HALF, "value at 0.5"),
    ("5.3", nb05.LOGISTIC_BEST_THRESHOLD, "30 EUR offer"),
    ("5.3", 0.5, "default threshold"),
    ("5.4", "more data", "nearly met"),
])
def test_each_coded_mistake_gets_its_feedback(exercise_id, answer, words):
    feedback = check(exercise_id, answer)
    assert feedback.status == "incorrect"
    assert re.search(words, feedback.message)


def test_every_exercise_of_05_is_tested():
    assert {e for e in list_exercises() if e.startswith("5.")} == {"5.1", "5.2", "5.3", "5.4"}
