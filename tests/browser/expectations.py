"""What a notebook file says the browser must show, read from the file itself.

Five engineers change the notebooks at once, so nothing here is a typed count: the figures to
expect are the notebook's stored ``image/png`` outputs, the cells allowed to fail are the ones
tagged ``raises-exception``, and the widget cells are found in the sources: a call to a function
of ``toolkit.widgets.__all__`` (however it was imported) or to ``quiz("N.qK")``. A cell that
builds a widget some other way (``ipywidgets``, ``interact``) is listed as one the tests cannot
drive, so it fails instead of passing unchecked.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from toolkit import widgets as toolkit_widgets

#: The explorers of `toolkit.widgets`, as the package lists them today.
EXPLORERS = frozenset(toolkit_widgets.__all__)
#: A cell mentioning one of these builds a widget by hand.
_HAND_MADE = re.compile(r"\bipywidgets\b|\binteract(ive)?\s*\(|\bwidgets\.(Output|VBox|HBox|Button)\b")
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)


@dataclass(frozen=True)
class WidgetCell:
    """One cell that shows a widget: its index, the kind and what the call names.

    ``kind`` is ``"explorer"`` (``name`` is the `toolkit.widgets` function), ``"quiz"``
    (``name`` is the quiz id) or ``"unknown"`` (``name`` says why it cannot be driven).
    """

    index: int
    kind: str
    name: str


@dataclass(frozen=True)
class Expectations:
    """What the browser must show for one notebook."""

    path: Path
    code_cells: tuple[int, ...]
    raises: frozenset[int]
    figures: int
    widget_cells: tuple[WidgetCell, ...] = field(default=())

    @property
    def unknown(self) -> list[WidgetCell]:
        """Widget cells no driver knows how to move."""
        return [cell for cell in self.widget_cells if cell.kind == "unknown"]


def _calls(source: str) -> list[ast.Call]:
    """Every call in a cell (IPython magics and shell lines left out)."""
    try:
        tree = ast.parse(_MAGIC.sub("", source))
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def aliases(source: str) -> dict[str, str]:
    """Names a cell gives the widget functions it imports (``from toolkit.widgets import x as y``).

    Examples
    --------
    >>> aliases("from toolkit.widgets import drift_explorer as explore, threshold_explorer")
    {'explore': 'drift_explorer', 'threshold_explorer': 'threshold_explorer'}
    """
    try:
        tree = ast.parse(_MAGIC.sub("", source))
    except SyntaxError:
        return {}
    return {alias.asname or alias.name: alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("toolkit")
            for alias in node.names if alias.name in EXPLORERS | {"quiz"}}


def widget_calls(source: str, index: int = 0, names: dict[str, str] | None = None) -> list[WidgetCell]:
    """The widgets a cell's source shows, in source order.

    ``names`` maps the names the notebook imported the widget functions under (see
    :func:`aliases`) to the functions; the functions' own names are always known.

    Examples
    --------
    >>> widget_calls('exercises.quiz("2.q1")')
    [WidgetCell(index=0, kind='quiz', name='2.q1')]
    >>> widget_calls("from toolkit.widgets import coin_flip_explorer\\ncoin_flip_explorer()")
    [WidgetCell(index=0, kind='explorer', name='coin_flip_explorer')]
    >>> widget_calls("explore(history, model)", 7, {"explore": "drift_explorer"})
    [WidgetCell(index=7, kind='explorer', name='drift_explorer')]
    >>> widget_calls("interact(f, x=3)")[0].kind
    'unknown'
    """
    names = {**(names or {}), **aliases(source)}
    found = []
    for call in sorted(_calls(source), key=lambda c: (c.lineno, c.col_offset)):
        name = _called_name(call)
        name = names.get(name, name) if isinstance(call.func, ast.Name) else name
        if name in EXPLORERS:
            found.append(WidgetCell(index, "explorer", name))
        elif name == "quiz":
            literal = call.args[0] if call.args else None
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                found.append(WidgetCell(index, "quiz", literal.value))
            else:
                found.append(WidgetCell(index, "unknown", f"quiz id is not a literal: {ast.unparse(call)}"))
    if not found and _HAND_MADE.search(source):
        found.append(WidgetCell(index, "unknown", f"a widget built by hand: {source.strip()[:80]!r}"))
    return found


def read_expectations(path: Path) -> Expectations:
    """Read a notebook file: its code cells, what may raise, its figures and its widgets."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    code, raises, figures, widget_cells = [], set(), 0, []
    # an import anywhere in the notebook names the function for every later cell
    names = {k: v for cell in cells if cell["cell_type"] == "code"
             for k, v in aliases("".join(cell["source"])).items()}
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        code.append(index)
        source = "".join(cell["source"])
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            raises.add(index)
        figures += sum("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
        widget_cells += widget_calls(source, index, names)
    return Expectations(Path(path), tuple(code), frozenset(raises), figures, tuple(widget_cells))
