"""Hash-check a prepared model before it is used, once per version of its files.

``wenda models list`` compares sizes only, so a byte flipped in the encoder's weights
(same size) went unnoticed: ``wenda chat`` loaded an encoder that ``wenda models verify``
called corrupt, without a word. Re-hashing every model at every start costs seconds, so the
deep check's success is remembered in a stamp beside the marker, keyed by each file's size,
modification time and inode: a file written since (which is how bytes change) is hashed
again. A stamp that cannot be written (a read-only cache) only means hashing next time too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from app.store.manifest import ModelEntry
from app.store.status import ModelStatus, check_model, model_dir, read_marker
from dialogue.atomic import write_text_atomic

log = logging.getLogger(__name__)

STAMP = ".wenda-verified.json"


def _fingerprint(folder: Path, names: list[str]) -> dict[str, list[int]] | None:
    """``{name: [size, mtime_ns, inode]}`` of the marker's files; None if one is gone."""
    prints = {}
    for name in names:
        try:
            stat = (folder / name).stat()
        except OSError:
            return None
        prints[name] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    return prints


def _stamp(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def verified_status(entry: ModelEntry, root: Path) -> ModelStatus:
    """The model's state with every byte checked, unless its files are exactly the ones
    checked last time (then the quick check's answer stands)."""
    folder = model_dir(entry, root)
    quick = check_model(entry, root)
    marker = read_marker(folder)
    if quick.state != "ready" or marker is None:
        return quick
    prints = _fingerprint(folder, sorted(marker["files"]))
    if prints is not None and _stamp(folder).get("files") == prints:
        return quick
    deep = check_model(entry, root, deep=True)
    if deep.state == "ready" and prints is not None:
        try:
            write_text_atomic(folder / STAMP, json.dumps({"files": prints}) + "\n")
        except OSError as e:
            log.debug("no verification stamp for %s: %s", entry.name, e)
    return deep
