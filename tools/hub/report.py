"""The rehearsal's figures: one table to print, and the section it writes into docs/footprint.md.

>>> from tools.hub.learner import LearnerResult, NotebookResult
>>> one = LearnerResult("learner-01", 0.0, spawn_s=3.2, pull_s=0.4, server_peak_mb=120.0,
...                     notebooks=[NotebookResult("00_x.ipynb", 5.0, 1.0, 230.0, 4.0, 9)])
>>> per_notebook([one])[0]["median s"]
5.0
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["SECTION_BEGIN", "SECTION_END", "footprint_section", "per_notebook", "replace_section",
           "summary", "table"]

SECTION_BEGIN = "<!-- hub-rehearsal:begin (written by make hub-rehearsal) -->"
SECTION_END = "<!-- hub-rehearsal:end -->"


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def _median(values) -> float:
    values = _finite(values)
    return statistics.median(values) if values else math.nan


def _max(values) -> float:
    values = _finite(values)
    return max(values) if values else math.nan


def per_notebook(results: Sequence) -> list[dict]:
    """One row per notebook: its wall time over the learners who ran it at the same time.

    Examples
    --------
    >>> per_notebook([])
    []
    """
    names = list(dict.fromkeys(nb.notebook for r in results for nb in r.notebooks))
    rows = []
    for name in names:
        runs = [nb for r in results for nb in r.notebooks if nb.notebook == name]
        ok = [nb for nb in runs if not nb.error]
        rows.append({"notebook": name, "learners": len(ok), "failed": len(runs) - len(ok),
                     "median s": _median(nb.seconds for nb in ok),
                     "max s": _max(nb.seconds for nb in ok),
                     "kernel start s": _median(nb.kernel_start_s for nb in runs),
                     "kernel peak MB": _max(nb.kernel_peak_mb for nb in runs),
                     "kernel CPU s": _median(nb.kernel_cpu_s for nb in runs)})
    return rows


def summary(results: Sequence, facts: dict) -> dict:
    """The room's figures: spawn and pull times, the servers' memory, failures, and ``facts``.

    ``facts`` carries what the orchestrator measured itself (hub and proxy memory, the peak
    of every process together, load average, elapsed time) and is copied in first.

    Examples
    --------
    >>> summary([], {"learners": 0})["failures"]
    0
    """
    return {**facts,
            "spawn median s": _median(r.spawn_s for r in results),
            "spawn max s": _max(r.spawn_s for r in results),
            "pull median s": _median(r.pull_s for r in results),
            "server peak MB": _max(r.server_peak_mb for r in results),
            "server CPU s": _median(r.server_cpu_s for r in results),
            "links ok": sum(bool(r.link_ok) for r in results),
            "refresh": "; ".join(f"{n} × {o}" for o, n in _counts(r.refresh or "not run" for r in results)),
            "failures": sum(len(r.failures) for r in results)}


def _counts(values) -> list[tuple[str, int]]:
    counted: dict[str, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return list(counted.items())


def _fmt(value) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return str(value)


def _markdown(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_fmt(row[k]) for k in head) + " |" for row in rows]
    return lines


def table(results: Sequence, facts: dict) -> str:
    """The printed report: per learner, per notebook, then the room's summary and failures."""
    learners = [{"learner": r.name, "starts at s": r.offset_s, "spawn s": r.spawn_s,
                 "link": "ok" if r.link_ok else "FAIL", "pull s": r.pull_s,
                 "server peak MB": r.server_peak_mb,
                 "notebooks run": sum(not nb.error for nb in r.notebooks),
                 "after a refresh": r.refresh or "—",
                 "failures": len(r.failures)} for r in results]
    lines = ["Learners", *_markdown(learners), "", "Notebooks, run by every learner at once",
             *_markdown(per_notebook(results)), "", "Room",
             *_markdown([{"figure": k, "value": v} for k, v in summary(results, facts).items()])]
    problems = [f"- {r.name}: {failure}" for r in results for failure in r.failures]
    if problems:
        lines += ["", "FAILURES", *problems]
    return "\n".join(lines)


def footprint_section(results: Sequence, facts: dict) -> str:
    """The Markdown section ``make hub-rehearsal`` keeps in docs/footprint.md."""
    room = summary(results, facts)
    text = [SECTION_BEGIN, "", "## JupyterHub rehearsal",
            "", "Written by `make hub-rehearsal` (`tools/hub/rehearsal.py`): a real JupyterHub on "
            "127.0.0.1, one single-user JupyterLab server per simulated learner, each handed the "
            "learner copy through nbgitpuller and running its notebooks through the server's "
            "HTTP and kernel websocket API, all at once (start times staggered over "
            f"{_fmt(room.get('stagger s', math.nan))} s). *median s* / *max s*: a notebook's "
            "wall time over the learners; *peak MB*: the largest `VmHWM` of a process of that "
            "kind; *all processes peak MB*: the largest sum of every hub, proxy, server and "
            "kernel resident size sampled each second.", "",
            *_markdown(per_notebook(results)), "",
            *_markdown([{"figure": k, "value": v} for k, v in room.items()]), "", SECTION_END]
    return "\n".join(text)


def replace_section(document: str, section: str) -> str:
    r"""``document`` with its rehearsal section replaced by ``section`` (appended when absent).

    Examples
    --------
    >>> doc = "# F\n" + SECTION_BEGIN + "\nold\n" + SECTION_END + "\n"
    >>> replace_section(doc, SECTION_BEGIN + "\nnew\n" + SECTION_END).count("new")
    1
    """
    start, end = document.find(SECTION_BEGIN), document.find(SECTION_END)
    if start == -1 or end == -1:
        return document.rstrip("\n") + "\n\n" + section + "\n"
    return document[:start] + section + document[end + len(SECTION_END):]
