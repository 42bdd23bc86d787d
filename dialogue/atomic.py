"""Atomic writes: a reader sees the old file (or folder) or the new one, never half of either.

Used for everything the user must not lose (config, reports, trained models, caches): write to
a temporary file or folder beside the target (same file system, so the rename is atomic), flush
and fsync, then ``os.replace`` over the target. It lives in ``dialogue`` because that is the
one package both ``app`` and ``training`` may import.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# What follows ".<name>." in a temporary name: "<pid>.<random>.tmp" (a file),
# "tmp-<pid>-<random>" or "old-<pid>-<random>" (a folder).
_ORPHAN = re.compile(r"(?:(\d+)\.[^.]+\.tmp|(?:tmp|old)-(\d+)-[^.]+)")
_ORPHAN_OF = re.compile(r"\.(.+?)\." + _ORPHAN.pattern)  # the target's name, then the above


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def remove_orphans(path: Path) -> list[Path]:
    """Delete the temporary files and folders a killed writer of ``path`` left beside it
    (their names carry the writer's process id; a live writer's are left alone)."""
    removed = []
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*"):
        match = _ORPHAN.fullmatch(leftover.name[len(path.name) + 2 :])
        if match is None or _alive(int(match.group(1) or match.group(2))):
            continue
        kept = leftover / path.name  # killed between moving the old folder aside and the new in
        if kept.exists() and not path.exists():
            os.replace(kept, path)
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def remove_orphans_in(folder: Path) -> list[Path]:
    """:func:`remove_orphans` for every target in ``folder`` (a slot of trained versions,
    where a killed training run's folder has no later writer of the same name)."""
    removed: list[Path] = []
    names = {m.group(1) for p in folder.glob(".*") if (m := _ORPHAN_OF.fullmatch(p.name))}
    for name in sorted(names):
        removed += remove_orphans(folder / name)
    return removed


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, creating parent folders as needed; what an
    earlier writer killed mid-write (kill -9, power loss) left beside it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(path)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with UTF-8 ``text`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``out``, on error it is removed.

    An older ``out`` is moved aside first and deleted only after the new one is in place, so a
    failed or interrupted run leaves ``out`` as it was.
    """
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        yield tmp
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        fsync_dir(out.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def fsync_dir(path: Path) -> None:
    """Flush a folder's entry table so a rename in it survives a crash (no-op if unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
