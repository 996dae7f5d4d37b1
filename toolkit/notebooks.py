r"""Maintainer tools for the course notebooks: execute them, and make the learner copy.

The ``.ipynb`` files are the source of truth. Solutions are code cells tagged ``solution``; the
learner copy replaces each with ``answer = ...`` so the check cell after it reports "not
attempted yet" instead of failing.

>>> from toolkit.notebooks import strip_solutions
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_code_cell("answer = 0.5", metadata={"tags": ["solution"]})])
>>> strip_solutions(nb).cells[0].source
'# Exercise: write your answer, then run the check below.\nanswer = ...'
"""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

from toolkit._shared import REPO_ROOT

__all__ = ["course_map", "execute_notebook", "make_learner_copy", "normalise",
           "read_header", "strip_solutions"]

LEARNER_CELL = "# Exercise: write your answer, then run the check below.\nanswer = ..."
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
_HEADER = re.compile(
    r"\*\*Phase:\*\*\s*(?P<phase>[^·]+?)\s*·\s*\*\*Time:\*\*\s*(?P<teaching>\d+) min teaching"
    r" \+ (?P<exercise>\d+) min exercises \((?P<count>\d+) exercises?\)"
    r"\s*·\s*\*\*Prerequisites:\*\*\s*(?P<prereq>.+)")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - nbformat comes with the lab extra
        raise ImportError("Notebook tools need the lab extra: pip install -e '.[lab]'.") from exc
    return nbformat


def normalise(nb):
    """Drop machine-specific metadata and widget views, so re-running a notebook diffs cleanly."""
    nb.metadata = {"kernelspec": dict(_KERNELSPEC),
                   "language_info": {"name": "python"}}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            # Widget state is not stored, so a stored view would only say "model not found"
            # (and its random model id would change at every run): keep the text fallback.
            output.get("data", {}).pop(_WIDGET_VIEW, None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
        cell.pop("id", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def execute_notebook(path: Path, *, in_place: bool = False, timeout: int = 600) -> float:
    """Execute ``path`` top to bottom in a fresh kernel, from its own folder; return seconds.

    With ``in_place=True`` the outputs are written back into the file (``make execute``).
    """
    from nbclient import NotebookClient

    nbformat = _nbformat()
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if in_place:
        nbformat.write(normalise(nb), path)
    return seconds


def strip_solutions(nb):
    """Return a copy of ``nb`` whose ``solution``-tagged cells hold ``answer = ...``."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if "solution" in cell.get("metadata", {}).get("tags", []):
            cell.source = LEARNER_CELL
            cell.outputs = []
            cell.execution_count = None
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != "solution"]
    return nb


def make_learner_copy(src: Path, out: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the learner copy of every ``NN_*.ipynb`` in ``src`` into ``out``.

    Refuses to overwrite an existing notebook in ``out`` unless ``overwrite=True``: a learner
    may already have written answers there.
    """
    nbformat = _nbformat()
    src, out = Path(src), Path(out)
    if src.resolve() == out.resolve():
        raise ValueError("out must differ from the notebooks folder; the solutions would be lost.")
    notebooks = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    existing = [out / p.name for p in notebooks if (out / p.name).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{len(existing)} notebook(s) already exist in {out} (e.g. {existing[0].name}); "
            "they may hold a learner's answers. Choose another --out, or pass --overwrite."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = strip_solutions(nbformat.read(path, as_version=4))
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, out / path.name)
        written.append(out / path.name)
    return written


def read_header(path: Path) -> dict:
    """Read a notebook's title line and its "Phase · Time · Prerequisites" line.

    Raises ``ValueError`` naming the file when the first cell does not follow the convention
    in ``docs/maintainers.md``.
    """
    path = Path(path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "markdown" else ""
    title = re.match(r"# (\d\d) · (.+)", first)
    header = _HEADER.search(first)
    if title is None or header is None:
        raise ValueError(
            f"{path.name}: the first cell must be '# NN · Title' then '**Phase:** … · **Time:** "
            "T min teaching + E min exercises (K exercises) · **Prerequisites:** …'."
        )
    return {"notebook": path.name, "title": title.group(2).strip(),
            "phase": header.group("phase").strip(),
            "teaching_min": int(header.group("teaching")),
            "exercise_min": int(header.group("exercise")),
            "exercises": int(header.group("count")),
            "prerequisites": header.group("prereq").strip()}


def course_map(folder: Path = NOTEBOOK_DIR):
    """Return one row per course notebook: title, phase, minutes and number of exercises.

    Examples
    --------
    >>> from toolkit.notebooks import course_map
    >>> course_map().iloc[0]["notebook"]
    '00_start_here.ipynb'
    """
    import pandas as pd

    rows = [read_header(p) for p in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))]
    return pd.DataFrame(rows)
