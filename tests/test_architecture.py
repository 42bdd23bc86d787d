"""Dependencies point one way: app -> dialogue, speech, training; training -> dialogue.

speech/ and dialogue/ never import app, Qt or each other; only app/gui imports PySide6.
Read with ast, so the rule holds for every module, imported by a test or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests import REPO

FORBIDDEN = {
    "speech": {"app", "dialogue", "training", "PySide6"},
    "dialogue": {"app", "speech", "training", "PySide6"},
    "training": {"app", "PySide6"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    for path in (REPO / package).rglob("*.py"):
        bad = imported_roots(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_only_app_gui_imports_qt() -> None:
    for path in (REPO / "app").rglob("*.py"):
        if "gui" in path.relative_to(REPO / "app").parts:
            continue
        assert "PySide6" not in imported_roots(path), f"{path.relative_to(REPO)} imports Qt"


def test_product_code_imports_nothing_from_tests() -> None:
    """Fixtures and fakes live under tests/; ``wenda bench`` uses recipes from app/bench."""
    for package in ("app", "speech", "dialogue", "training"):
        for path in (REPO / package).rglob("*.py"):
            assert "tests" not in imported_roots(path), f"{path.relative_to(REPO)} imports tests"


def _protocols(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.name
        for node in ast.walk(tree)
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
                where = str(path.relative_to(REPO))
                assert name not in homes, f"protocol {name} in {homes.get(name)} and {where}"
                homes[name] = where
