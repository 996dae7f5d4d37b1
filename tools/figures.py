r"""Read the measured figures back from docs/footprint.md, for the guides that quote them.

``make footprint`` writes the notebooks' table and ``make hub-rehearsal FOOTPRINT=…`` the
rehearsal's section; the runbook and the instructor guide quote only what these functions read.

>>> text = "| notebook | wall s | kernel peak MB | kernel CPU s |\n|---|---:|---:|---:|\n" \
...        "| 00_start_here.ipynb | 9.1 | 236 | 2.2 |\n"
>>> notebook_figures(text)["00"]
{'notebook': '00_start_here.ipynb', 'wall s': '9.1', 'kernel peak MB': '236', 'kernel CPU s': '2.2'}
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FOOTPRINT", "machine", "notebook_figures", "read", "rehearsal_figures", "rehearsal_notebooks",
           "tables"]

FOOTPRINT = Path(__file__).resolve().parents[1] / "docs" / "footprint.md"


def read(path: Path = FOOTPRINT) -> str:
    """The footprint file's text; a clear error when ``make footprint`` has not written it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make footprint` (and `make hub-rehearsal "
                                "FOOTPRINT=docs/footprint.md`) first.")
    return path.read_text(encoding="utf-8")


def tables(text: str) -> list[list[dict[str, str]]]:
    r"""Every Markdown table in ``text``, each as a list of ``{column: cell}`` rows (text kept).

    Examples
    --------
    >>> tables("| a | b |\n|---|---|\n| 1 | **2** |\n\n| c |\n|---|\n| x |")
    [[{'a': '1', 'b': '2'}], [{'c': 'x'}]]
    """
    found, head, rows = [], None, []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip().strip("*").strip() for cell in line.strip().strip("|").split("|")]
            if head is None:
                head = cells
            elif not set("".join(cells)) <= set("-: "):
                rows.append(dict(zip(head, cells, strict=False)))
        elif head is not None:
            found.append(rows)
            head, rows = None, []
    return found


def _find(text: str, first_column: str) -> list[dict[str, str]]:
    for table in tables(text):
        if table and next(iter(table[0])) == first_column:
            return table
    return []


def notebook_figures(text: str) -> dict[str, dict[str, str]]:
    """``make footprint``'s table by notebook number (``"00"``…), the total row left out."""
    return {row["notebook"][:2]: row for row in _find(text, "notebook")
            if row["notebook"][:2].isdigit() and "wall s" in row}


def machine(text: str) -> dict[str, str]:
    """The machine table (CPU, cores, memory, load average, versions)."""
    return {row["machine"]: row[""] for row in _find(text, "machine")}


def _section(text: str) -> str:
    start = text.find("<!-- hub-rehearsal:begin")
    return text[start:] if start != -1 else ""


def rehearsal_figures(text: str) -> dict[str, str]:
    """The rehearsal's room figures (``{figure: value}``); empty before the first rehearsal."""
    return {row["figure"]: row["value"] for row in _find(_section(text), "figure")}


def rehearsal_notebooks(text: str) -> dict[str, dict[str, str]]:
    """The rehearsal's per-notebook table, by notebook number."""
    return {row["notebook"][:2]: row for row in _find(_section(text), "notebook")}
