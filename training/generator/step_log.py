"""The training run's step log: one JSON line per event, flushed at once so the window's
live loss curve (and ``wenda train generator --json`` readers) see each step as it lands."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, TextIO


def default_log_file(out: str) -> Path:
    """``<out>.log.jsonl`` beside the adapter folder: it exists while the folder does not."""
    path = Path(out)
    return path.with_name(f"{path.name}.log.jsonl")


def open_log(path: Path, main: bool) -> Any:
    """The step log, truncated for this run; only the main process writes one."""
    if not main:
        return contextlib.nullcontext(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8")


def write_event(log_file: TextIO | None, record: dict[str, Any]) -> None:
    """Append one JSON line and flush it, so a reader (the GUI's plot) sees it at once."""
    if log_file is not None:
        log_file.write(json.dumps(record) + "\n")
        log_file.flush()
