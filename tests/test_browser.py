"""The course in a real browser: `make lab`, every notebook Run All, every widget moved.

Driven by Playwright in the system Chromium (Playwright's own browser download does not work
offline). Skipped, with the reason, when no Chromium is installed; `.ci/run` installs one.
One `make lab` and one JupyterLab page serve the whole module; each notebook opens as the only
tab, and its kernel is shut down and its tab closed (unsaved) after it. What each notebook must
show is read from the notebook file (`tests/browser/expectations.py`), so the tests follow the
course as it changes. A screenshot of each notebook (and of each widget after it was moved) and
`summary.txt` (what each notebook showed, and the time of each step) go to `artifacts/browser/`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest
from browser.drivers import drive_explorer, drive_quiz, driver_for
from browser.expectations import WidgetCell, read_expectations, widget_calls
from browser.lab import CHROMIUM, CHROMIUM_ARGS, POPUPS, ROOT, VIEWPORT, LabPage, NotebookPage, make_lab

from toolkit.quizzes import Quiz, quiz

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHOTS = ROOT / "artifacts" / "browser"
#: Run All of one notebook, generous: nbval's slowest notebook takes ~25 s on a busy machine.
RUN_TIMEOUT_S = 300
#: How long a first-run pop-up takes to show: the news question came 0.8 s after the app was
#: restored (measured without the setting); wait well past it.
POPUP_WAIT_MS = 5_000
#: What a widget shows when it did not render, or a cell that failed.
BROKEN = re.compile(r"model not found|Error displaying widget|Failed to (load|render|display)|"
                    r"Traceback \(most recent call last\)")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system Chromium: `apt-get install -y --no-install-recommends chromium` (CI does)")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` exactly as a learner starts it, headless, with a throwaway home."""
    if CHROMIUM is None:
        pytest.skip("no system Chromium")
    with make_lab(tmp_path_factory.mktemp("home")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _shot(page_or_element, name: str) -> Path:
    """Save a screenshot (a page's view, or one element whole) under artifacts/browser/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page_or_element.screenshot(path=str(path))
    return path


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    """One JupyterLab page; each notebook opens in it as the only tab, and closes after."""
    page = LabPage(browser, lab)
    yield page
    page.close()


@pytest.fixture(scope="module")
def summary():
    """What each notebook's test checked and how long each step took: artifacts/browser/summary.txt."""
    lines: list[str] = []
    yield lines
    if lines:
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "summary.txt").write_text("\n".join(lines) + "\n")


@needs_chromium
def test_make_lab_opens_the_start_notebook(lab):
    deadline = time.monotonic() + 30
    while "OPENED" not in lab.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    opened = [ln for ln in lab.log_path.read_text().splitlines() if ln.startswith("OPENED")]
    assert len(opened) == 1, opened
    # JupyterLab hands the browser a local redirect page that points at the notebook.
    redirect = Path(urllib.parse.unquote(urllib.parse.urlparse(opened[0].split()[1]).path))
    assert f"{lab.base}/lab/tree/notebooks/00_start_here.ipynb" in redirect.read_text()


@needs_chromium
def test_make_lab_shows_no_first_run_popup(lab, browser):
    """A learner's first `make lab`: no "official Jupyter news?" question, no other pop-up."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(f"{lab.base}/lab/workspaces/first-run/tree/notebooks/00_start_here.ipynb?reset")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
        page.evaluate("() => window.jupyterapp.restored")
        page.get_by_role("heading", name="00 · Start here").first.wait_for(timeout=60_000)
        page.wait_for_timeout(POPUP_WAIT_MS)
        shot = _shot(page, "first-run")
        popups = page.locator(POPUPS).all_text_contents()
        bell = page.locator(".jp-Notification-Status").all_text_contents()
    finally:
        # 00's kernel must not outlive the page: 00's own test wants a fresh one
        page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
        page.close()
    assert not popups, f"pop-up(s) on the first `make lab`: {popups} (screenshot {shot})"
    assert bell == ["0"], f"notifications waiting on the first `make lab`: {bell} (screenshot {shot})"


def _check_run(expect, state, shot) -> list[str]:
    """Every code cell ran; no error but in `raises-exception` cells; every figure drawn."""
    problems = []
    code = [c for c in state["cells"] if c["type"] == "code"]
    not_run = [c["index"] for c in code if not c["count"] and not c["blank"]]  # a blank cell is skipped
    if not_run:
        problems.append(f"cells that never ran: {not_run}")
    counts = [c["count"] for c in code if c["count"]]
    if counts and min(counts) != 1:  # each notebook must run alone, from a fresh kernel
        problems.append(f"the kernel was not fresh: the first cell run was number {min(counts)}")
    for cell in code:
        errors = [f"{o['ename']}: {o['evalue']}" for o in cell["outputs"] if o["type"] == "error"]
        if errors and cell["index"] not in expect.raises:
            problems.append(f"cell {cell['index']} raised {errors}")
        elif cell["index"] not in expect.raises and BROKEN.search(cell["text"]):
            problems.append(f"cell {cell['index']} shows {BROKEN.search(cell['text']).group()!r}: "
                            f"{cell['text'][:300]!r}")
    if state["images"] != expect.figures or state["imagesDrawn"] != expect.figures:
        problems.append(f"{state['imagesDrawn']} figures drawn ({state['images']} image outputs); "
                        f"the notebook stores {expect.figures}")
    if state["popups"]:
        problems.append(f"pop-up(s): {state['popups']}")
    return [f"{p} (screenshot {shot})" for p in problems]


def _check_widget_cells(expect, state) -> list[str]:
    """Every widget rendered comes from a cell the tests know, and every such cell rendered."""
    known = {cell.index for cell in expect.widget_cells}
    problems = []
    for cell in (c for c in state["cells"] if c["type"] == "code"):
        shows_widget = any("application/vnd.jupyter.widget-view+json" in o["mimes"]
                           for o in cell["outputs"])
        if shows_widget and cell["index"] not in known:
            problems.append(f"cell {cell['index']} shows a widget the tests cannot find in its "
                            "source: drive it in tests/browser/drivers.py")
        wanted = sum(w.index == cell["index"] for w in expect.widget_cells)
        if cell["index"] in known and cell["widgets"] < wanted:
            problems.append(f"cell {cell['index']} should show {wanted} widget(s), the browser "
                            f"renders {cell['widgets']}: {cell['text'][:300]!r}")
    return problems


def _drive(nb: NotebookPage, widget: WidgetCell, nth: int, shot: str, quizzes: dict) -> list[str]:
    """Drive one widget; screenshot it after (or on failure) and name the picture if it fails."""
    box = nb.cell(widget.index).locator(".jp-OutputArea-output > .jupyter-widgets").nth(nth)
    box.scroll_into_view_if_needed()
    try:
        if widget.kind == "quiz":
            question = quizzes[widget.name] if widget.name in quizzes else quiz(widget.name).quiz
            return drive_quiz(box, nb.page, question)
        return drive_explorer(box, nb.page, nb.wait_until_idle)
    except AssertionError as error:
        raise AssertionError(f"cell {widget.index} ({widget.name}): {error} "
                             f"(screenshot {SHOTS / shot}.png)") from None
    finally:
        _shot(box, shot)  # taken before the failure above reaches pytest


def _run_and_drive(lab_page: LabPage, path: Path, quizzes: dict | None = None) -> str:
    """Run All a notebook under the repository in the browser, check it, move its widgets.

    ``quizzes`` gives quizzes the bank does not hold (by id). Returns the summary line.
    """
    expect = read_expectations(path)
    cannot = [f"cell {w.index}: {driver_for(w)}" for w in expect.widget_cells if driver_for(w)]
    assert not cannot, f"{path.name}: widget cell(s) the browser tests cannot drive: {cannot}"
    before = path.read_bytes()
    nb = NotebookPage(lab_page, path.relative_to(ROOT).as_posix())
    saves = len(lab_page.saves)
    started = time.monotonic()
    try:
        nb.open()
        opened = time.monotonic()
        nb.run_all()
        state = nb.wait_until_run(timeout=RUN_TIMEOUT_S)
        ran = time.monotonic()
        errors_during_run = len(nb.watch.errors_of(nb.kernel))
        shot = _shot(nb.page, path.stem)
        problems = _check_run(expect, state, shot) + _check_widget_cells(expect, state)
        assert not problems, f"{path.name}:\n" + "\n".join(problems)
        moves, seen = [], {}
        for widget in expect.widget_cells:
            nth = seen[widget.index] = seen.get(widget.index, -1) + 1
            moves += _drive(nb, widget, nth, f"{path.stem}-cell{widget.index}-{nth}", quizzes or {})
        late = nb.watch.errors_of(nb.kernel)[errors_during_run:]
        assert not late, f"{path.name}: the kernel raised while the widgets were moved: {late}"
        assert not lab_page.saves[saves:], f"{path.name}: the page saved: {lab_page.saves[saves:]}"
    finally:
        nb.close()
    assert path.read_bytes() == before, f"{path.name}: the browser run changed the file on disk"
    return (f"{path.stem}: open {opened - started:.0f} s, Run All {ran - opened:.0f} s, "
            f"widgets {time.monotonic() - ran:.0f} s; {len(expect.code_cells)} code cells ran, "
            f"{expect.figures} figures drawn, {len(expect.raises)} cell(s) allowed to raise; "
            "widgets moved: " + ("; ".join(moves) or "none"))


@needs_chromium
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_widgets_respond(lab_page, path, summary):
    summary.append(_run_and_drive(lab_page, path))


@pytest.fixture
def scratch():
    """A temporary folder the server can open: under the git-ignored artifacts/."""
    (ROOT / "artifacts").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="browser-", dir=ROOT / "artifacts"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_chromium
def test_the_drivers_answer_a_multiple_answer_quiz_and_an_explorer_imported_under_a_name(
        lab_page, scratch):
    """No notebook has a multiple-answer quiz yet: the first one must not be the first test."""
    import nbformat

    args = ("99.q7", "Which are even?", {"a": "2", "b": "3", "c": "4"}, ("a", "c"),
            {"a": "2 is even.", "b": "3 is odd: it leaves 1.", "c": "4 is even."})
    question = Quiz(*args)  # the kernel registers it; this process only needs to know it
    cells = ["from toolkit.quizzes import Quiz, quiz, register_quiz\n"
             "from toolkit.widgets import threshold_explorer as explore",
             f"register_quiz(Quiz{args!r})",
             f"quiz({question.id!r})",
             "explore([0, 0, 1, 1, 0, 1], [0.1, 0.6, 0.4, 0.9, 0.3, 0.7], threshold=0.5)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    path = scratch / "99_drivers.ipynb"
    nbformat.write(nb, path)
    line = _run_and_drive(lab_page, path, quizzes={question.id: question})
    assert "quiz 99.q7 right" in line and "threshold 0.50 -> 0.99" in line, line


def _exercise_cells(cells) -> tuple[int, str, int, str]:
    """The last exercise of a notebook: its solution cell and source, its check cell and id."""
    solutions = [i for i, c in enumerate(cells) if "solution" in c.metadata.get("tags", [])]
    assert solutions, "the chosen notebook has no solution cell"
    solution = solutions[-1]
    check = next(i for i in range(solution + 1, len(cells))
                 if re.search(r'exercises\.check\("[\d.]+", answer\)', cells[i].source))
    exercise_id = re.search(r'exercises\.check\("([\d.]+)"', cells[check].source).group(1)
    return solution, cells[solution].source, check, exercise_id


@needs_chromium
def test_a_learner_answers_an_exercise_in_the_browser(lab_page, scratch):
    """`python -m toolkit learner`, then as a learner: run, read "not attempted yet", type the
    solution notebook's answer into the emptied cell, run it and its check: "correct!"."""
    import nbformat

    name = "00_start_here.ipynb"
    solution, answer_source, check, exercise_id = _exercise_cells(
        nbformat.read(ROOT / "notebooks" / name, as_version=4).cells)
    subprocess.run([sys.executable, "-m", "toolkit", "learner", "--out", str(scratch)],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    learner_cells = nbformat.read(scratch / name, as_version=4).cells
    assert learner_cells[solution].source.rstrip().endswith("answer = ..."), \
        learner_cells[solution].source
    nb = NotebookPage(lab_page, f"{scratch.relative_to(ROOT).as_posix()}/{name}")
    try:
        nb.open()
        nb.run_all()
        state = nb.wait_until_run(timeout=RUN_TIMEOUT_S)
        assert "not attempted yet" in state["cells"][check]["text"], state["cells"][check]
        nb.cell(solution).locator(".cm-content").click()
        nb.page.keyboard.press("Control+a")
        nb.page.keyboard.insert_text(answer_source)  # as pasted: no auto-indent, no auto-close
        assert nb.source(solution) == answer_source
        nb.page.keyboard.press("Shift+Enter")
        nb.cell(check).locator(".jp-InputArea-editor").click()
        nb.page.keyboard.press("Shift+Enter")
        feedback = nb.cell(check).locator(".jp-OutputArea-output")
        feedback.get_by_text(f"Exercise {exercise_id} — correct!").wait_for(timeout=60_000)
        _shot(nb.page, "learner-copy")
    finally:
        nb.close()


def test_widget_cells_are_found_however_the_widget_is_imported():
    """Runs without a browser: the discovery the notebook tests rely on."""
    assert widget_calls("widgets.threshold_explorer(y, p)", 3) == [
        WidgetCell(3, "explorer", "threshold_explorer")]
    assert widget_calls("from toolkit.widgets import drift_explorer as d\nd(h, m)") == [
        WidgetCell(0, "explorer", "drift_explorer")]
    assert [w.kind for w in widget_calls('%matplotlib inline\nexercises.quiz("4.q2")')] == ["quiz"]
    assert widget_calls("threshold(y, p)\nquizzes.quiz_count()") == []
    unknown = widget_calls("import ipywidgets as w\nw.IntSlider()")
    assert [w.kind for w in unknown] == ["unknown"] and driver_for(unknown[0])
    assert [w.kind for w in widget_calls("exercises.quiz(QUIZ_ID)")] == ["unknown"]
    assert "no driver" in driver_for(WidgetCell(1, "explorer", "calibration_explorer"))
    assert driver_for(WidgetCell(1, "quiz", "2.q1")) is None


def test_expectations_come_from_the_notebook_file(tmp_path):
    """Runs without a browser: figures, allowed errors and widget cells read from a notebook."""
    import nbformat

    png = {"output_type": "display_data", "metadata": {},
           "data": {"image/png": "iVBO", "text/plain": "<Figure>"}}
    cells = [nbformat.v4.new_markdown_cell("# T"),
             nbformat.v4.new_code_cell("from toolkit.widgets import coin_flip_explorer as flips",
                                       outputs=[nbformat.from_dict(png)]),
             nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
             nbformat.v4.new_code_cell("plot()\nplot()", outputs=[nbformat.from_dict(png)] * 2),
             nbformat.v4.new_code_cell("flips(0.3)"),
             nbformat.v4.new_code_cell('exercises.quiz("3.q1")')]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    expect = read_expectations(path)
    assert expect.code_cells == (1, 2, 3, 4, 5) and expect.raises == {2} and expect.figures == 3
    assert expect.widget_cells == (WidgetCell(4, "explorer", "coin_flip_explorer"),
                                   WidgetCell(5, "quiz", "3.q1"))
