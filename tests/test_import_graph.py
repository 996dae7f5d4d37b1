"""The toolkit's modules import in one direction: no circle, and no other module's private names.

Every ``import`` is read from the source (module level and inside functions alike, since a
lazy import is still a dependency), so the graph is the one a learner would draw by reading
the files.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names imported from it) for every toolkit import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("toolkit"):
                names = [alias.name for alias in node.names]
                submodules = [f"{node.module}.{n}" for n in names
                              if (PACKAGE.parent / node.module.replace(".", "/") / f"{n}.py").exists()]
                found.append((node.module, names))
                found += [(m, []) for m in submodules]
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("toolkit")]
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: sorted({m for m, _ in _imports(path) if m in MODULES and m != name and m != "toolkit"})
         for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in GRAPH[node]:
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for start in GRAPH:
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_walk_sees_the_imports():
    # guard against a walker that finds nothing: these edges exist by design
    assert "toolkit.schema" in GRAPH["toolkit.registry"]
    assert "toolkit.registry" in GRAPH["toolkit.service"]


def test_no_import_circle():
    cycle = _cycle()
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_planted_circle(monkeypatch):
    monkeypatch.setitem(GRAPH, "toolkit.schema", GRAPH["toolkit.schema"] + ["toolkit.registry"])
    assert _cycle() is not None


def _private_attributes(path: Path) -> list[str]:
    """``module._name`` attribute reads on a toolkit module bound by an import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolkit"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in MODULES:
                    bound[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("toolkit.") and alias.asname:
                    bound[alias.asname] = alias.name
    return [f"{bound[n.value.id]}.{n.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in bound
            and n.attr.startswith("_") and not n.attr.startswith("__")
            and not bound[n.value.id].rsplit(".", 1)[-1].startswith("_")]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_attributes_of_a_public_module(name):
    borrowed = [b for b in _private_attributes(MODULES[name]) if not b.startswith(name + ".")]
    assert not borrowed, f"{name} reads private names of other modules: {borrowed}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_from_a_public_module(name):
    borrowed = [f"{module}.{n}" for module, names in _imports(MODULES[name]) for n in names
                if module != name and n.startswith("_") and not module.rsplit(".", 1)[-1].startswith("_")]
    assert not borrowed, f"{name} imports private names of other modules: {borrowed}"
