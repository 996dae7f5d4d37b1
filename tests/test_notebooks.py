"""The course notebooks follow the conventions in docs/maintainers.md.

nbval checks that stored outputs reproduce; these tests check the structure a learner and an
instructor rely on: header, objectives, exercises that exist and are counted right, key points.
"""

import json
import re
from pathlib import Path

import pytest

from toolkit.exercises import list_exercises
from toolkit.notebooks import course_map, make_learner_copy, read_header, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK = re.compile(r'exercises\.check\("(\d+\.\d+)", answer\)')


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def test_the_course_starts_here():
    assert NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_structure(path):
    cells = _cells(path)
    header = read_header(path)
    number = int(path.name[:2])
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    assert re.search(r"^## Learning objectives", markdown, re.M)
    assert re.search(r"^## Key points", markdown, re.M)
    assert "In this notebook we" in markdown
    first_code = next(_source(c) for c in cells if c["cell_type"] == "code")
    assert "draw_lifecycle(" in first_code and "use_course_style()" in first_code

    checks = [m for c in cells if c["cell_type"] == "code" for m in CHECK.findall(_source(c))]
    assert header["exercises"] == len(checks), "declared exercise count differs from the checks"
    if number > 0:
        assert len(checks) >= 2
    assert all(ex.startswith(f"{number}.") for ex in checks)
    assert len(set(checks)) == len(checks), "an exercise is checked twice"
    for ex in checks:
        assert ex in list_exercises(), f"exercise {ex} is not registered in toolkit/exercise_bank"
        assert re.search(rf"^### Exercise {re.escape(ex)} — ", markdown, re.M), f"no heading for {ex}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_solution_is_followed_by_its_check(path):
    cells = _cells(path)
    for i, cell in enumerate(cells):
        if "solution" in cell.get("metadata", {}).get("tags", []):
            assert re.search(r"^answer = ", _source(cell), re.M), f"cell {i} assigns no answer"
            assert CHECK.search(_source(cells[i + 1])), f"cell {i + 1} should check the answer"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_are_short_and_outputs_clean(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        lines = _source(cell).strip().splitlines()
        assert len(lines) <= 15, f"cell {i} has {len(lines)} lines; move the plumbing into toolkit"
        assert cell.get("execution_count") is not None, f"cell {i} was not executed: make execute"
        tags = cell.get("metadata", {}).get("tags", [])
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"cell {i} stores an error"
            text = out.get("data", {}).get("text/plain", "")
            assert not "".join(text).startswith("<Axes"), f"cell {i} shows <Axes>: end with plt.show()"


def test_every_registered_exercise_is_used_in_a_notebook():
    used = {m for p in NOTEBOOKS for c in _cells(p) for m in CHECK.findall(_source(c))}
    registered = {e for e in list_exercises() if not e.startswith("9")}  # 9x: test-only
    assert registered <= used, f"exercises with no notebook: {sorted(registered - used)}"


def test_readme_course_map_lists_every_notebook_with_its_time():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in course_map().itertuples():
        line = next((ln for ln in readme.splitlines() if ln.startswith("|") and row.notebook in ln),
                    None)
        assert line is not None, f"{row.notebook} is missing from the README course map"
        assert f"{row.teaching_min + row.exercise_min} min" in line, f"{row.notebook}: time differs"


def test_learner_copy_strips_solutions_and_keeps_existing_work(tmp_path):
    written = make_learner_copy(ROOT / "notebooks", tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for path in written:
        cells = _cells(path)
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in cells)
        assert all(c.get("outputs", []) == [] for c in cells if c["cell_type"] == "code")
    first = written[0]
    first.write_text(first.read_text() + " ", encoding="utf-8")  # a learner's edit
    with pytest.raises(FileExistsError, match="may hold a learner's answers"):
        make_learner_copy(ROOT / "notebooks", tmp_path)
    with pytest.raises(ValueError, match="out must differ"):
        make_learner_copy(ROOT / "notebooks", ROOT / "notebooks")


def test_learner_copy_answers_report_not_attempted():
    import nbformat

    from toolkit.exercises import check

    nb = strip_solutions(nbformat.read(NOTEBOOKS[0], as_version=4))
    learner_cells = [c for c in nb.cells if c.source.endswith("answer = ...")]
    assert learner_cells
    namespace = {}
    exec(learner_cells[0].source, namespace)
    assert check("0.1", namespace["answer"]).status == "not attempted"


def test_read_header_rejects_a_notebook_without_the_convention(tmp_path):
    import nbformat

    bad = tmp_path / "99_bad.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Bad")]), bad)
    with pytest.raises(ValueError, match="99_bad.ipynb: the first cell must be"):
        read_header(bad)


def _names(source, context):
    import ast

    tree = ast.parse("\n".join(ln for ln in source.splitlines() if not ln.startswith(("%", "!"))))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


def _used_after_solutions(cells):
    """Cells that use a name made only in a solution cell (absent from the learner copy)."""
    import ast

    problems, solution_only, made_elsewhere = [], set(), set()
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = _source(cell)
        if "solution" in cell.get("metadata", {}).get("tags", []):
            solution_only |= _names(source, ast.Store) - {"answer"}
            continue
        needed = _names(source, ast.Load) & (solution_only - made_elsewhere)
        if needed:
            problems.append((i, sorted(needed)))
        made_elsewhere |= _names(source, ast.Store)
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_learner_copy_runs_without_the_solutions(path):
    assert _used_after_solutions(_cells(path)) == []


def test_a_name_from_a_solution_used_later_is_caught():
    import nbformat

    cells = [nbformat.v4.new_code_cell("x = 2\nanswer = x", metadata={"tags": ["solution"]}),
             nbformat.v4.new_code_cell('exercises.check("1.1", answer)'),
             nbformat.v4.new_code_cell("x + 1")]
    assert _used_after_solutions(cells) == [(2, ["x"])]
    cells.insert(2, nbformat.v4.new_code_cell("x = 5"))
    assert _used_after_solutions(cells) == []
