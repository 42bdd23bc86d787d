"""Where log lines go: Wenda's own warnings (and, with ``--verbose``, its progress) to the
console; everything, the libraries' chatter included, to a log file.

The libraries talk a lot on stderr: transformers' "LOAD REPORT ... MISSING" and "Loading
weights" bars, Python warnings (deprecations, user warnings), tokenizers' fork notice. A
person running Wenda should see Wenda's lines only, and a person debugging should find all
of it: ``<cache>/logs/wenda.log`` (``WENDA_LOG_FILE`` moves it; setup writes to
``<cache>/logs/setup.log``). Only entry points call :func:`configure_logging`.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from app import paths
from app.log_privacy import protect_handlers

OWN_LOGGERS = ("app", "dialogue", "speech", "training", "__main__")
FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
# Before the libraries are imported: no progress bars of their own, no fork notice.
QUIET_ENVIRONMENT = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def log_file() -> Path:
    """The log file of this process (``WENDA_LOG_FILE``, else ``<cache>/logs/wenda.log``)."""
    chosen = os.environ.get("WENDA_LOG_FILE")
    return Path(chosen).expanduser() if chosen else paths.cache_dir() / "logs" / "wenda.log"


class _OwnLines(logging.Filter):
    """Passes the records of Wenda's own loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in OWN_LOGGERS


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``callback(module)`` right after ``name`` is first imported (a post-import hook:
    transformers installs its own stderr handler when its logging module loads)."""

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name, self.callback = name, callback

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        run, callback = loader.exec_module, self.callback

        def exec_module(module: ModuleType) -> None:
            run(module)
            callback(module)

        loader.exec_module = exec_module
        return spec


def _transformers_to_root(module: ModuleType) -> None:
    """transformers' records go where everyone's go (the file), not to its own stderr handler."""
    module.disable_default_handler()
    module.enable_propagation()


def _route_transformers() -> None:
    name = "transformers.utils.logging"
    if name in sys.modules:
        _transformers_to_root(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, _transformers_to_root))


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file. One that cannot be written (a full disk, a lost permission) is given up
    quietly: logging never breaks a turn or prints a traceback among Wenda's own lines."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failed = True


def configure_logging(
    verbose: bool = False,
    console_format: str = "%(levelname)s %(name)s: %(message)s",
    debug: bool = False,
) -> Path | None:
    """Console: Wenda's own records (WARNING and up; INFO with ``verbose``). File: all records
    at INFO and up, Python warnings included. Both mask private data (``app.log_privacy``);
    ``debug``: everything, DEBUG included, unmasked. Returns the file, or None if it cannot
    be written (then the console gets nothing more than before)."""
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    console.addFilter(_OwnLines())
    console.setFormatter(logging.Formatter(console_format))
    root.addHandler(console)
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path, maxBytes=5_000_000, backupCount=2, encoding="utf-8", delay=True)
    except OSError:
        protect_handlers(debug)
        return None
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    root.addHandler(handler)
    protect_handlers(debug)
    logging.captureWarnings(True)
    _route_transformers()
    return path
