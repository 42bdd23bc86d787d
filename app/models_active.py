"""Which trained model the app uses for each slot, switched atomically, with one step of rollback.

A *slot* names a trainable model and its language, e.g. ``nlu-en`` or ``generator-zh``. Every
model the fine-tuning wizard trains is written straight into its slot folder as a *version*;
one small pointer file says which version is active and which was active before::

    <data dir>/models/<slot>/<version>/      model folder (NLU model or LoRA adapter)
    <data dir>/models/<slot>/active.json     {"active": "<version>", "previous": "<version>"}

The pointer is replaced with ``os.replace`` (see :mod:`dialogue.atomic`), so a reader sees the old
choice or the new one, never half of either, even if the machine dies mid-switch. Activating a
version keeps the one it replaces as ``previous``; :func:`rollback` swaps them back. Versions
that are neither active nor previous are removed by :func:`prune` (the wizard calls it after
each switch), so disk use stays at two models per slot plus any run in progress.

How the app picks its model: the resolver (``app.serving``, and ``app.generator`` for the
adapter) asks :func:`active_model` for the slot and falls back to the domain's or the bundled
model when it returns None; every front end loads what the resolver names. Nothing here
imports a model library.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from app import paths
from dialogue.atomic import remove_orphans_in, write_text_atomic

log = logging.getLogger(__name__)

POINTER_FILE = "active.json"
KINDS = ("nlu", "generator")
_SLOT = re.compile(r"^(nlu|generator)-[a-z]{2,3}$")
_VERSION = re.compile(r"^[0-9]{8}-[0-9]{6}(-[0-9]+)?$")


class ActiveModelError(Exception):
    """A slot or version cannot be switched to; the message says what and what to do."""


@dataclass(frozen=True)
class Pointer:
    """The contents of ``active.json``: version names (folder names), empty when none."""

    active: str = ""
    previous: str = ""
    activated_at: float = 0.0


def slot_name(kind: str, language: str) -> str:
    """``nlu-en`` from ``("nlu", "en")``; raises for a kind the app does not train."""
    name = f"{kind}-{language}"
    if not _SLOT.match(name):
        raise ActiveModelError(f"unknown model slot {name!r}; kinds are {', '.join(KINDS)}")
    return name


def root_dir() -> Path:
    """Where every slot folder lives: ``models/`` in the user data dir (not the cache, since
    a trained model cannot be downloaded again)."""
    return paths.data_dir() / "models"


def slot_dir(slot: str) -> Path:
    if not _SLOT.match(slot):
        raise ActiveModelError(f"unknown model slot {slot!r}")
    return root_dir() / slot


def new_version_dir(slot: str, now: float | None = None) -> Path:
    """A fresh, not yet existing folder for a run's output (named by its start time)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    folder = slot_dir(slot) / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = slot_dir(slot) / f"{stamp}-{n}"
    return folder


def read_pointer(slot: str) -> Pointer:
    """The slot's pointer; an empty one when nothing was ever activated or the file is bad."""
    path = slot_dir(slot) / POINTER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Pointer(
            str(data.get("active", "")),
            str(data.get("previous", "")),
            float(data.get("activated_at", 0.0)),
        )
    except FileNotFoundError:
        return Pointer()
    except (OSError, ValueError, AttributeError) as e:
        log.warning("ignoring unreadable %s: %s", path, e)
        return Pointer()


def _write_pointer(slot: str, pointer: Pointer) -> None:
    data = {
        "active": pointer.active,
        "previous": pointer.previous,
        "activated_at": pointer.activated_at,
    }
    write_text_atomic(slot_dir(slot) / POINTER_FILE, json.dumps(data, indent=2) + "\n")


def active_model(slot: str) -> Path | None:
    """The folder of the slot's active model, or None (use the bundled model)."""
    pointer = read_pointer(slot)
    if not pointer.active:
        return None
    folder = slot_dir(slot) / pointer.active
    if not folder.is_dir():
        log.warning("active %s model %s is missing; using the bundled model", slot, folder)
        return None
    return folder


def activate(slot: str, folder: Path) -> Pointer:
    """Make ``folder`` (a version inside the slot folder) the active model; the one it
    replaces becomes ``previous``. Returns the new pointer."""
    folder = Path(folder)
    if folder.parent.resolve() != slot_dir(slot).resolve() or not _VERSION.match(folder.name):
        raise ActiveModelError(f"{folder} is not a model version of slot {slot}")
    if not folder.is_dir():
        raise ActiveModelError(f"{folder} does not exist; train a model first")
    old = read_pointer(slot)
    if old.active == folder.name:
        return old
    pointer = Pointer(folder.name, old.active, time.time())
    _write_pointer(slot, pointer)
    log.info("activated %s model %s (previous: %s)", slot, folder.name, old.active or "bundled")
    return pointer


def rollback(slot: str) -> Pointer:
    """Swap active and previous; with no previous version, go back to the bundled model."""
    old = read_pointer(slot)
    if not old.active:
        raise ActiveModelError(f"nothing to roll back: {slot} uses the bundled model")
    pointer = Pointer(old.previous, old.active, time.time())
    _write_pointer(slot, pointer)
    return pointer


def versions(slot: str) -> list[Path]:
    """Every finished version folder of the slot, oldest first."""
    folder = slot_dir(slot)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and _VERSION.match(p.name))


def discard(slot: str, folder: Path) -> None:
    """Delete a version that is neither active nor previous (a run the user did not keep)."""
    pointer = read_pointer(slot)
    folder = Path(folder)
    if folder.name in (pointer.active, pointer.previous):
        raise ActiveModelError(f"{folder.name} is in use by {slot}; roll back first")
    if folder.parent.resolve() == slot_dir(slot).resolve():
        shutil.rmtree(folder, ignore_errors=True)


def prune(slot: str) -> list[Path]:
    """Remove versions that are neither active nor previous, and the half-written folders
    of killed runs; returns what was removed."""
    pointer = read_pointer(slot)
    keep = {pointer.active, pointer.previous}
    removed = [p for p in versions(slot) if p.name not in keep]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    if slot_dir(slot).is_dir():  # and what a killed training run left half-written
        removed += remove_orphans_in(slot_dir(slot))
    return removed
