"""The shape of the house, read with ast so every module counts, imported by a test or not.

- Dependencies point one way: app -> dialogue, speech, training; training -> dialogue.
  speech/ and dialogue/ never import app, Qt or each other; only app/gui imports PySide6; a
  domain's own action modules (assets/domains/*/...) import only dialogue; no product module
  imports from tests/ (fixtures, fakes and harnesses live there).
- One protocol per engine, defined once, in the package that owns the engine.
- No import circle among the product modules, counting imports inside functions too.
- Small modules (<= 300 lines) and functions (<= 50 lines).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests import REPO

PRODUCT = ("app", "dialogue", "speech", "training")
FORBIDDEN = {
    "speech": {"app", "dialogue", "training", "PySide6", "tests"},
    "dialogue": {"app", "speech", "training", "PySide6", "tests"},
    "training": {"app", "PySide6", "tests"},
    "app": {"tests"},
    "assets": {"app", "speech", "training", "PySide6", "tests"},
}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def product_files() -> Iterator[Path]:
    """Every Python file the product ships: the four packages and the domains' own code."""
    for package in (*PRODUCT, "assets"):
        yield from sorted((REPO / package).rglob("*.py"))


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    for path in (REPO / package).rglob("*.py"):
        bad = imported_roots(path) & FORBIDDEN[package]
        assert not bad, f"{rel(path)} imports {sorted(bad)}"


def test_only_app_gui_imports_qt() -> None:
    for path in (REPO / "app").rglob("*.py"):
        if "gui" in path.relative_to(REPO / "app").parts:
            continue
        assert "PySide6" not in imported_roots(path), f"{rel(path)} imports Qt"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The product modules ``path`` imports, anywhere in it (in functions too): ``from a.b
    import c`` counts as ``a.b.c`` when that is a module, else as ``a.b``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return (found & modules) - {name}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for package in PRODUCT for p in (REPO / package).rglob("*.py")}
    return {name: imported_modules(path, set(paths)) for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(frozenset(group))
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(sorted(graph[step]))))
            elif step in on_stack:
                low[node] = min(low[node], index[step])
    return found


def test_circles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert circles(graph) == [frozenset({"a", "b", "c"})]


def test_no_import_circle() -> None:
    found = [sorted(group) for group in circles(import_graph())]
    assert not found, f"modules that import each other (in functions too): {found}"


def test_no_long_module() -> None:
    long = {
        rel(path): lines
        for path in product_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_long_function() -> None:
    long = {}
    for path in product_files():
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{rel(path)}:{node.name}"] = lines
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def _protocols(path: Path) -> list[str]:
    return [
        node.name
        for node in ast.walk(parse(path))
        if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id == "Protocol" for b in node.bases)
    ]


# dialogue/ joins once its Nlu protocol has one home (issue 18, the dialogue room).
@pytest.mark.parametrize("packages", [("speech", "app")])
def test_each_protocol_is_defined_once(packages: tuple[str, ...]) -> None:
    """One protocol per engine, in the package that owns the engine."""
    homes: dict[str, str] = {}
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            for name in _protocols(path):
                where = rel(path)
                assert name not in homes, f"protocol {name} in {homes.get(name)} and {where}"
                homes[name] = where
