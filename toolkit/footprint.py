"""What the course costs to run, written down with the machine it was measured on.

``make footprint`` executes every notebook (``python -m toolkit run --footprint
docs/footprint.md``) and writes this module's Markdown: the date, the machine (CPU, cores,
memory, the BLAS kernel), the library versions, and per notebook the wall time, the kernel's
peak memory and its CPU seconds. Instructors size a workshop from it; the guides quote it.

>>> from toolkit.notebooks import NotebookRun
>>> print(footprint_table([NotebookRun("00_start_here.ipynb", 3.14, 230.4, 1.9)]).splitlines()[2])
| 00_start_here.ipynb | 3.1 | 230 | 1.9 |
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["KEEP_FROM", "footprint_table", "gate_problems", "machine_facts", "write_footprint"]

#: Where the section that ``make hub-rehearsal`` writes begins: ``write_footprint`` keeps it.
KEEP_FROM = "<!-- hub-rehearsal:begin"

_VERSIONS = ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "jupyterlab", "ipykernel")


def machine_facts() -> dict[str, str]:
    """The facts that change a timing: CPU, cores, memory, BLAS kernel, Python and libraries.

    Examples
    --------
    >>> list(machine_facts())[:4]
    ['CPU', 'cores', 'memory', 'BLAS']
    """
    facts = {"CPU": _cpu_name(), "cores": str(os.cpu_count()), "memory": _memory(),
             "BLAS": _blas(), "Python": platform.python_version(), "OS": platform.platform(),
             "load average": _load()}
    for dist in _VERSIONS:
        try:
            facts[dist] = version(dist)
        except PackageNotFoundError:
            facts[dist] = "not installed"
    return facts


def _load() -> str:
    """The load averages over 1, 5 and 15 minutes: how busy the machine was (not on Windows)."""
    try:
        return ", ".join(f"{load:.1f}" for load in os.getloadavg()) + " (1, 5, 15 min)"
    except (AttributeError, OSError):
        return "unknown"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        import psutil

        return f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return "unknown"


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return "unknown"
    if not blas:
        return "not loaded"
    info = blas[0]
    return f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')} kernel)"


def footprint_table(runs: Sequence) -> str:
    """The runs as a Markdown table with a total row (peak memory: the largest kernel)."""
    lines = ["| notebook | wall s | kernel peak MB | kernel CPU s |", "|---|---:|---:|---:|"]
    for run in runs:
        lines.append(f"| {run.notebook} | {run.seconds:.1f} | {run.peak_mb:.0f} | {run.cpu_s:.1f} |")
    if len(runs) > 1:
        peaks = [r.peak_mb for r in runs if r.peak_mb == r.peak_mb]
        lines.append(f"| **all {len(runs)}** | **{sum(r.seconds for r in runs):.1f}** | "
                     f"**{max(peaks) if peaks else float('nan'):.0f}** (largest) | "
                     f"**{sum(r.cpu_s for r in runs):.1f}** |")
    return "\n".join(lines)


def write_footprint(runs: Sequence, path: Path) -> Path:
    """Write ``path``: the table with the date, the machine and the versions it was measured on.

    The facts include the load averages at the end of the runs (over 1, 5 and 15 minutes): a
    wall time measured at load 5 on two cores is not a quiet machine's. The section that
    ``make hub-rehearsal`` keeps at the end of an existing file (from :data:`KEEP_FROM`) is kept.
    """
    if not runs:
        raise ValueError("runs must hold at least one NotebookRun; execute a notebook first.")
    path = Path(path)
    facts = machine_facts()
    text = ["# Footprint: what executing the course costs", "",
            "Written by `make footprint` (`python -m toolkit run --footprint docs/footprint.md`): "
            "each notebook executed top to bottom in a fresh kernel, one after another. "
            "*Wall s* is the notebook's execution time, *kernel peak MB* the kernel process's "
            "peak resident memory, *kernel CPU s* its user + system CPU time. Load on the "
            "machine from other work changes the wall times, not the memory.", "",
            f"Measured on {time.strftime('%Y-%m-%d')}.", "",
            "| machine | |", "|---|---|"]
    text += [f"| {k} | {v} |" for k, v in facts.items()]
    text += ["", footprint_table(runs), ""]
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if KEEP_FROM in old:
        text += [old[old.index(KEEP_FROM):].rstrip("\n"), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(text), encoding="utf-8")
    return path


def gate_problems(records: dict[str, dict[str, float]], *, max_kernel_mb: float, max_course_s: float,
                  whole_course: bool) -> list[str]:
    """What breaks the footprint gate: a kernel over ``max_kernel_mb``, or (when every notebook
    ran) the course over ``max_course_s``. ``records`` maps a notebook to its ``seconds`` and
    ``peak_mb``; the test session (``conftest.py``) fills it from nbval's cells.

    Examples
    --------
    >>> gate_problems({"08.ipynb": {"seconds": 12.0, "peak_mb": 450.0}}, max_kernel_mb=400,
    ...               max_course_s=150, whole_course=False)
    ['08.ipynb: kernel peak 450 MB > 400 MB']
    """
    problems = [f"{name}: kernel peak {r['peak_mb']:.0f} MB > {max_kernel_mb:.0f} MB"
                for name, r in sorted(records.items()) if r["peak_mb"] > max_kernel_mb]
    total = sum(r["seconds"] for r in records.values())
    if whole_course and total > max_course_s:
        problems.append(f"the course took {total:.0f} s under nbval > {max_course_s:.0f} s")
    return problems
