"""No import circle inside ``app/``: every module can be read (and changed) after the modules
it imports. Imports inside functions count too (they only hide a circle until run time), and
importing ``app.a.b`` imports the package ``app.a`` first. Read with ast, so the rule holds
for every module, imported by a test or not."""

from __future__ import annotations

import ast
from pathlib import Path

from tests import REPO


def app_modules() -> dict[str, Path]:
    modules = {}
    for path in (REPO / "app").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def imported(path: Path, modules: dict[str, Path], own: str) -> set[str]:
    """The app modules (and their packages) that ``path`` imports, itself and its own
    packages left out (a module always runs after its package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        while name.count(".") >= 1:  # the module, then each package above it (not "app")
            if name in modules and name != own and not own.startswith(name + "."):
                found.add(name)
            name = name.rsplit(".", 1)[0]
    return found


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One circle in ``graph`` as a path that ends where it starts, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (circle := visit(nxt)):
                return circle
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return []


def test_finds_a_circle() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_circle_in_app() -> None:
    modules = app_modules()
    graph = {name: imported(path, modules, name) for name, path in modules.items()}
    assert find_circle(graph) == []
