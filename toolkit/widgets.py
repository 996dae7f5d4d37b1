"""Interactive explorers for the notebooks, built with ipywidgets.

Each widget only wires controls to functions of the other modules: the logic lives there,
where it is tested. ipywidgets is imported inside each function, so ``import toolkit`` stays
fast and the rest of the package works without it.
"""

from __future__ import annotations

__all__: list[str] = []
