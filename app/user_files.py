"""Files a user asks Wenda to write (``/export FILE``, ``wenda memory export --out``, ``wenda
say --out``): the path is checked before any work, the file is written atomically, and every
failure is one plain :class:`OutputPathError`.

Why check first: ``wenda say --out`` on a 20,000-character text synthesises for minutes, and
a folder or an ``.mp3`` name given as the output must be refused before that, not after. Why
atomic: a full disk or a kill must leave the old file whole (a truncated WAV once replaced a
good one). Nothing here knows which command is writing.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path

from dialogue.atomic import write_bytes_atomic

log = logging.getLogger(__name__)


class OutputPathError(Exception):
    """A file the user named cannot be written there; the message says why and what to do."""


def _writable_folder(path: Path) -> None:
    """Raise unless ``path``'s folder exists (or can be made) and takes new files."""
    parent = path.parent
    while not parent.exists():
        if parent == parent.parent:
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise OutputPathError(f"cannot write {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"cannot write {path}: no permission to create files in {parent}; "
            "choose a folder of your own (e.g. your home folder)"
        )


def check_output_path(value: str | os.PathLike[str], suffixes: tuple[str, ...] = ()) -> Path:
    """The path ``value`` names, once it can be written; ``suffixes`` (lower case, with the
    dot, e.g. ``(".wav",)``) are the only file types accepted, when given."""
    text = os.fspath(value)
    if not text.strip():
        raise OutputPathError("no file name given")
    path = Path(text).expanduser()
    example = f"name{suffixes[0]}" if suffixes else "name.json"
    if path.is_dir() or text.endswith(("/", os.sep)):
        raise OutputPathError(f"{path} is a folder; give a file name such as {path / example}")
    if suffixes and path.suffix.lower() not in suffixes:
        kinds = ", ".join(suffixes)
        if not path.suffix:
            raise OutputPathError(
                f"{path} has no extension; use a {kinds} file, e.g. {path.with_suffix(suffixes[0])}"
            )
        raise OutputPathError(f"{path}: {path.suffix} files are not supported; use a {kinds} file")
    _writable_folder(path)
    return path


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _reason(error: OSError) -> str:
    if error.errno in _FULL:
        return "the disk is full; free some space or choose another disk"
    if error.errno in _DENIED:
        return "no permission to write there; choose a folder of your own"
    return error.strerror or type(error).__name__


def disk_problem(error: BaseException) -> str | None:
    """A plain sentence for a full or read-only disk met anywhere (an ``OSError`` or SQLite's
    "database or disk is full"), or None when ``error`` is something else."""
    if isinstance(error, OSError) and error.errno in (*_FULL, errno.EROFS):
        where = f" while writing {error.filename}" if error.filename else ""
        return f"{_reason(error)}{where}"
    text = str(error).lower()
    if isinstance(error, sqlite3.OperationalError) and ("full" in text or "disk i/o" in text):
        return f"the disk is full or failing ({error}); free some space and try again"
    return None


def write_output(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (the old file stays whole on any failure)."""
    try:
        write_bytes_atomic(path, data)
    except OSError as e:
        raise OutputPathError(f"cannot write {path}: {_reason(e)}") from e
    log.debug("wrote %d bytes", len(data))
