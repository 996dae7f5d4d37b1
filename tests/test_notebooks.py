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


def test_learner_copy_strips_solutions(tmp_path):
    written = make_learner_copy(ROOT / "notebooks", tmp_path)
    assert [f.path.name for f in written] == [p.name for p in NOTEBOOKS]
    assert {f.action for f in written} == {"written"}
    for item in written:
        cells = _cells(item.path)
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in cells)
        assert all(c.get("outputs", []) == [] for c in cells if c["cell_type"] == "code")
    with pytest.raises(ValueError, match="out must differ"):
        make_learner_copy(ROOT / "notebooks", ROOT / "notebooks")


def _small_course(folder):
    """A course of two real notebooks that the test may change, as a maintainer would."""
    import shutil

    folder.mkdir()
    for path in NOTEBOOKS[:2]:
        shutil.copy(path, folder / path.name)
    return sorted(folder.glob("*.ipynb"))


def _edit(path, text):
    """What a learner does: write into the first code cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += text
    nbformat.write(nb, path)


def _course_fix(path):
    """What a maintainer does: fix a typo in the first markdown cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\n(fixed)"
    nbformat.write(nb, path)


def test_a_second_run_updates_untouched_notebooks_and_keeps_edited_ones(tmp_path):
    first, second = _small_course(tmp_path / "course")
    out = tmp_path / "learner"
    make_learner_copy(tmp_path / "course", out)
    assert [f.action for f in make_learner_copy(tmp_path / "course", out)] == ["unchanged"] * 2
    _edit(out / first.name, "\n# my answer: 42")
    _course_fix(first)
    _course_fix(second)
    done = {f.path.name: f.action for f in make_learner_copy(tmp_path / "course", out)}
    assert done == {first.name: "kept", second.name: "updated"}
    assert "# my answer: 42" in (out / first.name).read_text(encoding="utf-8")
    assert "(fixed)" not in (out / first.name).read_text(encoding="utf-8")
    assert "(fixed)" in (out / second.name).read_text(encoding="utf-8")
    # kept stays kept on the next run: the record still holds what was handed out
    again = {f.path.name: f.action for f in make_learner_copy(tmp_path / "course", out)}
    assert again == {first.name: "kept", second.name: "unchanged"}


def test_running_cells_is_not_editing(tmp_path):
    import nbformat

    (first, _), out = _small_course(tmp_path / "course"), tmp_path / "learner"
    make_learner_copy(tmp_path / "course", out)
    nb = nbformat.read(out / first.name, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    code.execution_count = 1
    nbformat.write(nb, out / first.name)
    _course_fix(first)
    done = {f.path.name: f.action for f in make_learner_copy(tmp_path / "course", out)}
    assert done[first.name] == "updated"


def test_force_replaces_an_edited_notebook_and_keeps_a_backup(tmp_path):
    (first, _), out = _small_course(tmp_path / "course"), tmp_path / "learner"
    make_learner_copy(tmp_path / "course", out)
    _edit(out / first.name, "\n# my answer: 42")
    _course_fix(first)
    done = {f.path.name: f for f in make_learner_copy(tmp_path / "course", out, force=True)}
    item = done[first.name]
    assert item.action == "replaced" and item.backup.exists()
    assert item.backup.name.startswith(first.stem + ".backup-")
    assert "# my answer: 42" in item.backup.read_text(encoding="utf-8")
    assert "(fixed)" in (out / first.name).read_text(encoding="utf-8")
    # the backup is not a course notebook: a later run does not touch or count it
    assert len(make_learner_copy(tmp_path / "course", out)) == 2


def test_a_notebook_without_a_record_is_the_learners(tmp_path):
    (first, _), out = _small_course(tmp_path / "course"), tmp_path / "learner"
    out.mkdir()
    (out / first.name).write_text(first.read_text(encoding="utf-8"), encoding="utf-8")  # not ours
    done = {f.path.name: f.action for f in make_learner_copy(tmp_path / "course", out)}
    assert done[first.name] == "kept"
    assert (out / first.name).read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_a_damaged_record_stops_with_what_to_do(tmp_path):
    from toolkit.notebooks import LEARNER_MANIFEST

    _small_course(tmp_path / "course")
    out = tmp_path / "learner"
    out.mkdir()
    (out / LEARNER_MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="move it aside"):
        make_learner_copy(tmp_path / "course", out)
    with pytest.raises(TypeError, match="force must be True or False"):
        make_learner_copy(tmp_path / "course", out, force="yes")
    with pytest.raises(ValueError, match="holds no NN_"):
        make_learner_copy(tmp_path, out)


def test_the_command_line_names_the_kept_notebooks(tmp_path, monkeypatch, capsys):
    from toolkit import __main__ as cli

    course = tmp_path / "course"
    first, _ = _small_course(course)
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    (tmp_path / "notebooks").symlink_to(course)
    assert cli.main(["learner", "--out", str(tmp_path / "learner")]) == 0
    _edit(tmp_path / "learner" / first.name, "\n# mine")
    _course_fix(first)
    assert cli.main(["learner", "--out", str(tmp_path / "learner")]) == 0
    out = capsys.readouterr().out
    assert f"kept 1 notebook(s) the learner edited: {first.name}" in out
    assert "--force" in out


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


@pytest.fixture(scope="module")
def learner_copy(tmp_path_factory):
    out = tmp_path_factory.mktemp("learner")
    make_learner_copy(ROOT / "notebooks", out)
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_learner_copy_runs_top_to_bottom(path, learner_copy):
    """What a learner hands in untouched: no solution, no output, every cell runs, every check
    says "not attempted yet" and every quiz still shows."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(learner_copy / path.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs for c in code)
    assert not any("solution" in c.metadata.get("tags", []) for c in code)
    # the copy lives outside the repository: run it from the course's notebooks folder, as a
    # learner's copy placed beside the course would run
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    checks = [c for c in code if re.search(r'exercises\.check\("[\d.]+", answer\)', c.source)]
    texts = ["".join(o.get("data", {}).get("text/plain", "")) for c in checks for o in c.outputs]
    assert len(texts) == len(checks) and all("not attempted yet" in t for t in texts)
    quizzes = [c for c in code if "exercises.quiz(" in c.source]
    assert all(c.outputs and "Quiz " in c.outputs[0]["data"]["text/plain"] for c in quizzes)
