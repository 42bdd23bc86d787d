"""Is a model ready to use? Reads the cache folder and its marker; never changes anything.

A prepared model folder ends with a marker file listing every file it holds with size and
sha256. The marker is written last, inside a temporary folder that is then renamed into
place, so a folder with a valid marker is complete by construction. ``quick`` checks compare
sizes (for ``list``); ``deep`` checks re-hash every byte (for ``verify``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from app.store.files import sha256_file
from app.store.manifest import ModelEntry
from app.store.progress import ProgressFn

State = Literal["ready", "missing", "corrupt"]
MARKER = "wenda-model.json"
MARKER_VERSION = 1


@dataclass(frozen=True)
class ModelStatus:
    """One row of ``wenda models list/verify``."""

    role: str
    name: str
    state: State
    path: str
    size_bytes: int
    license: str
    detail: str = ""
    source: str = "bundled"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def entry_digest(entry: ModelEntry) -> str:
    """Fingerprint of a manifest entry; a prepared folder is valid only for its entry."""
    return hashlib.sha256(repr(entry).encode("utf-8")).hexdigest()


# A folder prepared the older way holds all that the newer one needs (and more).
_SUPERSEDED = {"ct2-whisper": "ct2-to-openai-whisper"}


def prepared_for(marker: dict[str, Any], entry: ModelEntry) -> bool:
    """Whether the folder's marker was written for ``entry`` (or an older way of preparing
    it whose folder serves it as well: no re-preparing after an upgrade)."""
    digest = marker.get("entry_digest")
    older = _SUPERSEDED.get(entry.prepare)
    return digest == entry_digest(entry) or (
        older is not None and digest == entry_digest(dataclasses.replace(entry, prepare=older))
    )


def model_dir(entry: ModelEntry, root: Path) -> Path:
    """The cache folder of one model."""
    return root / entry.name


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's marker, or None when absent or unreadable."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def _status(entry: ModelEntry, folder: Path, state: State, size: int, detail: str) -> ModelStatus:
    return ModelStatus(
        role=entry.role,
        name=entry.name,
        state=state,
        path=str(folder),
        size_bytes=size,
        license=entry.license,
        detail=detail,
    )


def check_model(
    entry: ModelEntry, root: Path, deep: bool = False, progress: ProgressFn | None = None
) -> ModelStatus:
    """State of one bundled model in the cache under ``root``."""
    folder = model_dir(entry, root)
    if not folder.exists():
        return _status(
            entry, folder, "missing", 0, f"not prepared: wenda models prepare {entry.role}"
        )
    marker = read_marker(folder)
    if marker is None:
        return _status(
            entry, folder, "corrupt", 0, f"no valid {MARKER}: wenda models prepare {entry.role}"
        )
    size = sum(int(f.get("size_bytes", 0)) for f in marker["files"].values())
    if not prepared_for(marker, entry):
        detail = f"prepared from another manifest version: wenda models prepare {entry.role}"
        return _status(entry, folder, "missing", size, detail)
    total = size if deep else len(marker["files"])
    done = 0
    for rel, info in sorted(marker["files"].items()):
        problem = _file_problem(folder / rel, info, entry.role, deep)
        if problem:
            return _status(entry, folder, "corrupt", size, problem)
        done += info["size_bytes"] if deep else 1
        if progress:
            progress(done, total)
    return _status(entry, folder, "ready", size, "")


def _file_problem(path: Path, info: dict[str, Any], role: str, deep: bool) -> str:
    """What is wrong with one file of a prepared model ("" when nothing): missing, another
    size, or (``deep``) other bytes than the marker recorded."""
    if not path.is_file():
        return f"{path} is missing"
    actual_size = path.stat().st_size
    if actual_size != info["size_bytes"]:
        return f"{path} has {actual_size} bytes, expected {info['size_bytes']}"
    if deep:
        actual = sha256_file(path)
        if actual != info["sha256"]:
            return (
                f"{path}: expected sha256 {info['sha256']}, got {actual}; "
                f"rebuild with: wenda models prepare --force {role}"
            )
    return ""


def check_override(role: str, value: str, allow_online: bool) -> ModelStatus:
    """State of a role the user pointed at their own folder or hub id in the config."""
    path = Path(value).expanduser()
    looks_local = path.is_absolute() or value.startswith((".", "~")) or path.exists()
    if looks_local:
        if not path.exists():
            state: State = "missing"
            detail = f"models.paths.{role} points to {path}, which does not exist"
        else:
            state, detail = "ready", ""
        size = (
            sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else (path.stat().st_size if path.exists() else 0)
        )
        return ModelStatus(role, path.name, state, str(path), size, "user-provided", detail, "user")
    if allow_online:
        return ModelStatus(role, value, "ready", value, 0, "see the hub page", "hub id", "hub")
    return ModelStatus(
        role,
        value,
        "missing",
        value,
        0,
        "see the hub page",
        f"models.paths.{role} is a hub id but models.allow_online is false: "
        "wenda config set models.allow_online true (or use a local folder)",
        "hub",
    )


def marker_document(entry: ModelEntry, folder: Path, files: dict[str, dict[str, Any]]) -> str:
    """Marker JSON for a freshly prepared folder."""
    return json.dumps(
        {
            "marker_version": MARKER_VERSION,
            "role": entry.role,
            "name": entry.name,
            "entry_digest": entry_digest(entry),
            "prepare": entry.prepare,
            "license": entry.license,
            "files": files,
        },
        indent=2,
        sort_keys=True,
    )
