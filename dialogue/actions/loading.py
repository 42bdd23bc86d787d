"""Import a domain's own action modules from its folder and collect the actions they register.

``domain.toml`` names them (``actions = ["actions"]``): each entry is a ``.py`` file or a
folder with ``__init__.py`` (a package, whose modules may import each other relatively),
relative to the domain folder. They are the user's own code and run with the user's rights,
like any Python they start. Each domain gets its own module names (from the folder's path),
so two domains never share modules; a domain loaded again reuses its modules unless a file
changed. A module that fails to import becomes an issue at its own file and line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from dialogue.actions import ActionFn, collecting
from dialogue.issues import Issue

log = logging.getLogger(__name__)

META_FILE = "domain.toml"
_Stamp = tuple[tuple[str, int, int], ...]  # (file, mtime_ns, size) of every module file
_loaded: dict[str, tuple[_Stamp, dict[str, ActionFn]]] = {}  # domain key -> stamp, actions


def import_actions(
    root: Path, modules: Sequence[str], line: int = 0
) -> tuple[dict[str, ActionFn], list[Issue]]:
    """The actions registered by the domain's ``modules``, and the problems importing them
    (``line``: where ``actions`` is in domain.toml, for the problems that belong there)."""
    root = Path(root).resolve()
    issues: list[Issue] = []
    paths = [(rel, _entry(root, rel, line, issues)) for rel in modules]
    found = [(rel, path) for rel, path in paths if path is not None]
    key = _module_prefix(root)
    stamp = tuple(s for _, path in found for s in _stamp(path))
    cached = _loaded.get(key)
    if cached is not None and cached[0] == stamp and not issues:
        return dict(cached[1]), []
    _forget(key)
    with collecting() as table:
        for rel, path in found:
            try:
                _import(f"{key}.{_module_name(rel)}", path)
            except Exception as e:  # the user's code: any error is theirs to fix
                issues.append(_problem(e, root, rel, line))
    if not issues:
        _loaded[key] = (stamp, dict(table))
        log.info("domain actions from %s: %s", root.name, ", ".join(sorted(table)))
    return dict(table), issues


def _entry(root: Path, rel: str, line: int, issues: list[Issue]) -> Path | None:
    """The file to import for one entry (a package's ``__init__.py``), or None (an issue)."""
    path = (root / rel).resolve()
    if path.is_dir() and (path / "__init__.py").is_file() and path.is_relative_to(root):
        return path / "__init__.py"
    if path.suffix == ".py" and path.is_file() and path.is_relative_to(root):
        return path
    message = f"{rel!r} is not a .py file or a folder with __init__.py inside the domain folder"
    issues.append(Issue(META_FILE, line, "actions", message))
    return None


def _module_prefix(root: Path) -> str:
    """A module name of the domain's own (two copies of a folder never share modules)."""
    digest = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:12]
    return f"wenda_domain_{digest}"


def _module_name(rel: str) -> str:
    stem = Path(rel).stem if rel.endswith(".py") else Path(rel).name
    return "".join(c if c.isalnum() else "_" for c in stem) or "actions"


def _stamp(path: Path) -> _Stamp:
    files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def _forget(key: str) -> None:
    """Drop the domain's modules, so that changed files are imported afresh."""
    _loaded.pop(key, None)
    for name in [m for m in sys.modules if m == key or m.startswith(f"{key}.")]:
        del sys.modules[name]


def _import(name: str, path: Path) -> ModuleType:
    package = path.name == "__init__.py"
    if "." in name and name.rsplit(".", 1)[0] not in sys.modules:
        sys.modules[name.rsplit(".", 1)[0]] = ModuleType(name.rsplit(".", 1)[0])  # the domain
    search = [str(path.parent)] if package else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[loaded]
        raise
    return module


def _problem(error: Exception, root: Path, rel: str, line: int) -> Issue:
    """Where in the user's files the import failed, as an issue."""
    if isinstance(error, SyntaxError) and error.filename:
        source = _relative(Path(error.filename), root)
        return Issue(source, error.lineno or 0, "", f"not valid Python: {error.msg}")
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if Path(f.filename).resolve().is_relative_to(root)
    ]
    message = f"importing {rel} failed: {type(error).__name__}: {error}"
    if not frames:
        return Issue(META_FILE, line, "actions", message)
    return Issue(_relative(Path(frames[-1].filename), root), frames[-1].lineno or 0, "", message)


def _relative(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)
