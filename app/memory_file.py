"""Open the user's memory database, and say plainly what is wrong when it cannot be used.

A damaged ``memory.sqlite`` (random bytes, a torn copy) raised ``sqlite3.DatabaseError``
tracebacks from ``wenda memory show`` and ``wenda chat``; a full disk killed chat at start-up.
Now: a conversation sets a damaged file aside (renamed ``memory.sqlite.damaged-<time>``,
with its journal files, never deleted) and goes on with a fresh one, saying so; a command
that only reads (``memory show``/``export``/``forget``) changes nothing and tells the user
what to do. A disk that is full or read-only is a plain :class:`MemoryFileError`.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from pathlib import Path

from dialogue.memory import Memory

log = logging.getLogger(__name__)

JOURNALS = ("-wal", "-shm", "-journal")


class MemoryFileError(Exception):
    """The memory database cannot be opened or written; the message says what to do."""


def _check(memory: Memory) -> None:
    """Raise ``sqlite3.DatabaseError`` unless the file's pages and indexes are sound."""
    rows = memory.db.execute("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(str(r[0]) for r in rows[:3]))


def set_aside(path: Path) -> Path:
    """Rename the damaged ``path`` (and its journal files) beside it; returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in JOURNALS:
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            os.replace(journal, aside.with_name(aside.name + suffix))
    return aside


def _cannot_write(path: Path, error: BaseException) -> MemoryFileError:
    text = str(error).lower()
    full = "full" in text or getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
    why = "the disk is full; free some space" if full else f"{error}"
    return MemoryFileError(
        f"cannot open the memory file {path}: {why}. To talk without storing anything: "
        "wenda config set privacy.history false"
    )


def _damaged(path: Path, error: sqlite3.DatabaseError) -> MemoryFileError:
    return MemoryFileError(
        f"the memory file {path} is damaged ({error}). `wenda chat` sets it aside as "
        f"{path.name}.damaged-<time> and starts a fresh one; or move it away yourself "
        f"(to try a repair: sqlite3 {path} .recover > recovered.sql)"
    )


def open_memory(path: Path, history: bool = True, repair: bool = True) -> Memory:
    """The memory at ``path``; a damaged file is set aside and a fresh one started when
    ``repair``, else :class:`MemoryFileError` (so is a file that cannot be written)."""
    path = Path(path)
    try:
        memory = Memory(path, history=history)
        try:
            _check(memory)
        except sqlite3.DatabaseError:
            memory.close()
            raise
        return memory
    except sqlite3.OperationalError as e:
        if "not a database" not in str(e) and "malformed" not in str(e):
            raise _cannot_write(path, e) from e
        error: sqlite3.DatabaseError = e
    except sqlite3.DatabaseError as e:
        error = e
    except OSError as e:  # the data folder cannot be made
        raise _cannot_write(path, e) from e
    if not repair:
        raise _damaged(path, error) from error
    aside = set_aside(path)
    log.warning(
        "the memory file was damaged (%s); it is kept as %s and a fresh one was started",
        error,
        aside,
    )
    return open_memory(path, history, repair=False)
