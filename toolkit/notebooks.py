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
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from toolkit._shared import REPO_ROOT

__all__ = ["LEARNER_MANIFEST", "LearnerFile", "NotebookRun", "course_map", "execute_notebook",
           "make_learner_copy", "normalise", "read_header", "strip_solutions"]

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


@dataclass(frozen=True)
class NotebookRun:
    """What executing one notebook cost: wall seconds, the kernel's peak memory and CPU time.

    ``peak_mb`` is the kernel process's peak resident memory (Linux's ``VmHWM``; elsewhere the
    largest value sampled after each cell) and ``cpu_s`` its user + system CPU seconds,
    children included. Either is ``nan`` when the kernel could not be measured.
    """

    notebook: str
    seconds: float
    peak_mb: float
    cpu_s: float


class _KernelMeter:
    """Samples the kernel process after every cell (nbclient's ``on_cell_executed`` hook)."""

    def __init__(self, client) -> None:
        self.client, self.peak_mb, self.cpu_s = client, float("nan"), float("nan")

    def _process(self):
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with ipykernel
            return None
        pid = getattr(getattr(self.client.km, "provisioner", None), "pid", None)
        try:
            return psutil.Process(pid) if pid else None
        except psutil.Error:
            return None

    def __call__(self, **_: object) -> None:
        import psutil

        process = self._process()
        if process is None:
            return
        try:
            family = [process, *process.children(recursive=True)]
            cpu = sum(sum(p.cpu_times()[:2]) for p in family)
            peak = _peak_rss_mb(process.pid, process.memory_info().rss / 2**20)
        except psutil.Error:
            return
        self.cpu_s = cpu
        self.peak_mb = peak if self.peak_mb != self.peak_mb else max(self.peak_mb, peak)


def _peak_rss_mb(pid: int, fallback: float) -> float:
    """The process's peak resident memory in MiB (``VmHWM`` where /proc has it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return fallback


def execute_notebook(path: Path, *, in_place: bool = False, timeout: int = 600) -> NotebookRun:
    """Execute ``path`` top to bottom in a fresh kernel, from its own folder, and measure it.

    With ``in_place=True`` the outputs are written back into the file (``make execute``).

    Returns
    -------
    NotebookRun
        Wall seconds, the kernel's peak memory (MiB) and CPU seconds.
    """
    from nbclient import NotebookClient

    nbformat = _nbformat()
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    meter = _KernelMeter(client)
    client.on_cell_executed = meter
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if in_place:
        nbformat.write(normalise(nb), path)
    return NotebookRun(path.name, seconds, meter.peak_mb, meter.cpu_s)


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


#: The file in a learner folder that records what :func:`make_learner_copy` handed out.
LEARNER_MANIFEST = ".learner-copy.json"


@dataclass(frozen=True)
class LearnerFile:
    """What :func:`make_learner_copy` did with one notebook.

    ``action`` is one of ``"written"`` (new), ``"updated"`` (untouched by the learner, replaced
    by the newer course), ``"unchanged"`` (already current), ``"kept"`` (the learner edited it;
    nothing written) or ``"replaced"`` (edited, replaced with ``force=True``; ``backup`` holds
    the learner's version).
    """

    path: Path
    action: str
    backup: Path | None = None


def _cell_sources(nb) -> str:
    """What a learner writes: the cells' kinds and sources (outputs and metadata left out)."""
    return json.dumps([[c.get("cell_type"), "".join(c.get("source", ""))] for c in nb.cells])


def _fingerprint(nb) -> str:
    return hashlib.sha256(_cell_sources(nb).encode("utf-8")).hexdigest()


def _learner_notebook(path: Path):
    nb = strip_solutions(_nbformat().read(path, as_version=4))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _read_manifest(out: Path) -> dict[str, str]:
    path = out / LEARNER_MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["handed_out"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a learner-copy record ({error}); move it aside and run "
                         "again: every existing notebook will then be kept as the learner's.") from error


def _backup_path(target: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = target.with_name(f"{target.stem}.backup-{stamp}.ipynb")
    n = 1
    while backup.exists():
        n += 1
        backup = target.with_name(f"{target.stem}.backup-{stamp}-{n}.ipynb")
    return backup


def _refresh_one(path: Path, target: Path, record: str | None, force: bool) -> tuple[LearnerFile, str]:
    """Write or keep one learner notebook; return what was done and the fingerprint handed out."""
    nbformat = _nbformat()
    nb = _learner_notebook(path)
    new = _fingerprint(nb)
    if not target.exists():
        nbformat.write(nb, target)
        return LearnerFile(target, "written"), new
    current = _fingerprint(nbformat.read(target, as_version=4))
    if current == new:
        return LearnerFile(target, "unchanged"), new
    if current == record:  # exactly what we handed out last time: the learner has not edited it
        nbformat.write(nb, target)
        return LearnerFile(target, "updated"), new
    if not force:
        return LearnerFile(target, "kept"), record or current
    backup = _backup_path(target)
    target.rename(backup)
    nbformat.write(nb, target)
    return LearnerFile(target, "replaced", backup), new


def make_learner_copy(src: Path, out: Path, *, force: bool = False) -> list[LearnerFile]:
    """Write or refresh the learner copy of every ``NN_*.ipynb`` in ``src`` into ``out``.

    Solution cells become ``answer = ...`` and outputs are cleared. ``out`` keeps a record
    (``.learner-copy.json``) of each notebook as handed out (a hash of its cells' sources), so
    running again updates only the notebooks the learner has not edited and keeps every edited
    one. Running cells does not count as editing (outputs are not compared); changing or adding
    a cell does. A notebook found in ``out`` without a record is treated as the learner's.

    Parameters
    ----------
    src : Path
        The course's notebooks (with solutions).
    out : Path
        The learner folder; created if missing. Must differ from ``src``.
    force : bool, default=False
        Also replace edited notebooks; each learner version is first renamed to
        ``NN_name.backup-YYYYmmdd-HHMMSS.ipynb`` beside it, so nothing is lost.

    Returns
    -------
    list of LearnerFile
        One per notebook, in course order, saying what was done.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> {f.action for f in make_learner_copy(NOTEBOOK_DIR, out)}
    {'written'}
    >>> {f.action for f in make_learner_copy(NOTEBOOK_DIR, out)}
    {'unchanged'}
    """
    src, out = Path(src), Path(out)
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False; got {force!r}.")
    if not src.is_dir():
        raise ValueError(f"src must be a folder of notebooks; {str(src)!r} is not a folder.")
    if out.exists() and src.resolve() == out.resolve():
        raise ValueError("out must differ from the notebooks folder; the solutions would be lost.")
    notebooks = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise ValueError(f"src {str(src)!r} holds no NN_*.ipynb notebook.")
    out.mkdir(parents=True, exist_ok=True)
    handed_out = _read_manifest(out)
    done = []
    for path in notebooks:
        result, fingerprint = _refresh_one(path, out / path.name, handed_out.get(path.name), force)
        handed_out[path.name] = fingerprint
        done.append(result)
    record = {"format": 1, "note": "what `python -m toolkit learner` handed out; do not edit",
              "handed_out": dict(sorted(handed_out.items()))}
    (out / LEARNER_MANIFEST).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return done


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
