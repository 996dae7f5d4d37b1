"""Exercises ask learners to decide or do, not only to read back a value on the screen.

Every notebook after 00 has at least half of its exercises tagged ``activity="decide"`` or
``"do"``, and its learning objectives name every one of its exercises (issue 9).
"""

import json
import re
from pathlib import Path

import pytest

from toolkit import exercises

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REWORKED = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("00"))


def _ids(number):
    return [e for e in exercises.list_exercises() if e.split(".")[0] == str(number)]


@pytest.mark.parametrize("name", REWORKED)
def test_at_least_half_the_exercises_are_decisions_or_hands_on(name):
    ids = _ids(int(name[:2]))
    active = [e for e in ids if exercises._get(e).activity in ("decide", "do")]
    assert len(ids) >= 2
    assert 2 * len(active) >= len(ids), f"{name}: only {active} of {ids} are decide/do"


@pytest.mark.parametrize("name", REWORKED)
def test_objectives_name_every_exercise(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    objectives = text[text.index("## Learning objectives"):]
    objectives = re.sub(r"\s+", " ", objectives[:objectives.index("\n## ", 1)])
    named = set()
    for match in re.finditer(r"Exercises? ([\d.]+)(?: and ([\d.]+))?", objectives):
        named |= {g.rstrip(".") for g in match.groups() if g}
    assert named == set(_ids(int(name[:2])))


@pytest.mark.parametrize("name", REWORKED)
def test_the_bank_holds_exactly_the_exercises_the_notebook_checks(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    checked = set(re.findall(r'exercises\.check\("([\d.]+)", answer\)', code))
    assert checked == set(_ids(int(name[:2])))


@pytest.mark.parametrize("name", REWORKED)
def test_every_notebook_has_a_quiz_and_shows_each_of_its_quizzes(name):
    from toolkit.quizzes import list_quizzes

    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    shown = set(re.findall(r'exercises\.quiz\("(\d+\.q\d+)"\)', code))
    banked = {q for q in list_quizzes() if q.split(".")[0] == str(int(name[:2]))}
    assert banked, f"{name} has no quiz in its bank"
    assert shown == banked, f"{name}: shows {sorted(shown)}, the bank holds {sorted(banked)}"
