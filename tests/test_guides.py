"""The instructor guide's agendas and the runbook's sizing agree with what they are built from.

The agendas' minutes must add up to the notebooks' headers (a header that changes without the
guide being regenerated fails here), and the guides quote only times and memory measured in
docs/footprint.md: the sizing is generated from it, and any other "s" or "MB" figure must be
found there.
"""

import re
import shutil
from pathlib import Path

import pytest

from toolkit.notebooks import read_header
from tools import agenda, figures
from tools.hub import sizing

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructor-guide.md"
RUNBOOK = ROOT / "docs" / "workshop-runbook.md"
FOOTPRINT = ROOT / "docs" / "footprint.md"
FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:[–-]\d+(?:\.\d+)?)? ?(s|MB|GB|GiB|MiB)\b")


def _block(path, begin, end):
    text = path.read_text(encoding="utf-8")
    assert begin in text and end in text, f"{path.name} lost its generated block; run make guides"
    return text[text.index(begin):text.index(end) + len(end)]


def _headers():
    return {p.name[:2]: read_header(p) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def test_the_instructor_guide_is_generated_from_the_current_headers_and_footprint():
    assert _block(GUIDE, agenda.BEGIN, agenda.END) == agenda.render(), "run make guides"


def test_the_runbook_sizing_is_generated_from_the_current_footprint():
    assert _block(RUNBOOK, sizing.BEGIN, sizing.END) == sizing.render(), "run make guides"


def _agenda_rows(name):
    """The guide's rows of one agenda, read from the Markdown alone (not from tools/agenda.py)."""
    block = _block(GUIDE, agenda.BEGIN, agenda.END)
    section = block.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = [row for table in figures.tables(section) for row in table]
    return [row for row in rows if re.match(r"\d\d · ", row["slot"])], section


@pytest.mark.parametrize("name", [a.name for a in agenda.AGENDAS])
def test_each_agenda_keeps_or_cuts_every_planned_minute(name):
    rows, section = _agenda_rows(name)
    heads = _headers()
    assert sorted(row["slot"][:2] for row in rows) == sorted(heads), "every notebook exactly once"
    for row in rows:
        head = heads[row["slot"][:2]]
        kept_teaching, kept_exercises = int(row["teaching min"]), int(row["exercise min"])
        assert kept_teaching <= head["teaching_min"] and kept_exercises <= head["exercise_min"]
        assert int(row["planned min"]) == head["teaching_min"] + head["exercise_min"], row["slot"]
        assert kept_teaching + kept_exercises + int(row["cut min"]) == int(row["planned min"])
        assert (int(row["cut min"]) > 0) == (row["what is cut"] != "—"), f"{row['slot']}: say what is cut"
    kept = sum(int(r["teaching min"]) + int(r["exercise min"]) for r in rows)
    cut = sum(int(r["cut min"]) for r in rows)
    planned = sum(h["teaching_min"] + h["exercise_min"] for h in heads.values())
    assert kept + cut == planned
    said = f"**{kept} min** ({kept / 60:.1f} h) of the {planned} min the headers plan; **{cut} min cut**"
    assert said in section


def test_the_one_day_agenda_is_about_six_teaching_hours_and_cuts_the_rest():
    rows, _ = _agenda_rows(agenda.ONE_DAY.name)
    kept = sum(int(r["teaching min"]) + int(r["exercise min"]) for r in rows)
    assert 5.5 * 60 <= kept <= 6.5 * 60
    assert sum(int(r["cut min"]) for r in rows) > 0


def test_a_changed_header_no_longer_matches_the_guide(tmp_path):
    """What happens when someone edits a header and forgets make guides: the check above fails."""
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(path, tmp_path / path.name)
    target = next(tmp_path.glob("03_*.ipynb"))
    text = target.read_text(encoding="utf-8")
    target.write_text(re.sub(r"(\d+) min exercises", lambda m: f"{int(m.group(1)) + 5} min exercises", text,
                             count=1), encoding="utf-8")
    changed = agenda.render(folder=tmp_path)
    assert changed != _block(GUIDE, agenda.BEGIN, agenda.END)
    with pytest.raises(ValueError, match="notebooks"):
        agenda.render(folder=tmp_path / "nowhere")


def test_an_agenda_that_drops_minutes_silently_is_refused():
    sneaky = agenda.Agenda("sneaky", (("Day", 540, (agenda.Slot("00", 1, 1),)),))
    with pytest.raises(ValueError, match="say what is cut"):
        agenda._agenda_table(sneaky, _headers())


def _outside(path, begin, end):
    text = path.read_text(encoding="utf-8")
    if begin in text:
        text = text[:text.index(begin)] + text[text.index(end) + len(end):]
    return text


@pytest.mark.parametrize(("path", "begin", "end"), [(GUIDE, agenda.BEGIN, agenda.END),
                                                    (RUNBOOK, sizing.BEGIN, sizing.END)],
                         ids=["instructor-guide", "runbook"])
def test_every_time_and_memory_figure_written_by_hand_is_in_the_footprint(path, begin, end):
    cells = {cell for table in figures.tables(FOOTPRINT.read_text(encoding="utf-8"))
             for row in table for cell in row.values()}
    quoted = [m.group(0) for m in FIGURE.finditer(_outside(path, begin, end))]
    assert [q for q in quoted if FIGURE.match(q).group(1) not in cells] == []


def test_the_guides_carry_no_internal_references():
    for path in (GUIDE, RUNBOOK):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bissue #?\d+|#\d{2,}\b", text, flags=re.IGNORECASE), path.name
