"""docs/footprint.md: the load it was measured at, and the rehearsal section kept across runs."""

import re

from toolkit.footprint import KEEP_FROM, machine_facts, write_footprint
from toolkit.notebooks import NotebookRun

RUNS = [NotebookRun("00_start_here.ipynb", 3.1, 230.0, 1.9)]


def test_the_footprint_records_the_load_it_was_measured_at(tmp_path):
    """A wall time at load 5 on two cores is not a quiet machine's: the file must say which."""
    assert re.fullmatch(r"\d+\.\d, \d+\.\d, \d+\.\d \(1, 5, 15 min\)", machine_facts()["load average"])
    text = write_footprint(RUNS, tmp_path / "footprint.md").read_text()
    assert re.search(r"^\| load average \| \d+\.\d, ", text, flags=re.MULTILINE)


def test_make_footprint_keeps_the_hub_rehearsal_section(tmp_path):
    path = tmp_path / "footprint.md"
    section = f"{KEEP_FROM} (written by make hub-rehearsal) -->\n\n## JupyterHub rehearsal\n\n| a | 1 |\n"
    path.write_text("# Footprint\n\nold table\n\n" + section)
    write_footprint(RUNS, path)
    text = path.read_text()
    assert "old table" not in text and "| 00_start_here.ipynb | 3.1 | 230 | 1.9 |" in text
    assert text.count(KEEP_FROM) == 1 and text.rstrip().endswith("| a | 1 |")
    write_footprint(RUNS, path)
    assert path.read_text() == text
