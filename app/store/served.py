"""The served form of a chat model: base weights with the adapter merged in, converted for the
CTranslate2 engine, cached by what went into it.

One mechanism for every chat model Wenda serves: the bundled base model (converted once by
``wenda models prepare``), an adapter activated in the fine-tuning window (converted when it
is activated) and an adapter named in the settings (converted at first use). The folder's
name carries a key computed from the base model's file hashes, the adapter's file hashes, the
quantization and the CTranslate2 version, so a new adapter or base never reuses a stale
conversion, and converting again is idempotent.

Like a prepared model, the folder is built in a temporary sibling, its marker (every file with
size and sha256) written last, and renamed into place in one step. On load the sizes are
checked (``quick``); ``wenda models verify`` re-hashes every byte. A damaged folder is
converted again, with one warning naming it.

    <cache>/models/served/<base>[+<adapter>]-<key>/   model.bin, vocabulary, tokenizer files
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app import paths
from app.store.files import sha256_file
from dialogue.atomic import atomic_folder, write_text_atomic
from dialogue.generator.errors import ModelLoadError

log = logging.getLogger(__name__)

MARKER = "wenda-model.json"
ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")
DEFAULT_QUANTIZATION = "int8"


def served_root() -> Path:
    return paths.models_dir() / "served"


def served_key(base: Path, adapter: Path | None, quantization: str) -> str:
    """Hex key of what a served folder is made from (see the module doc)."""
    import ctranslate2

    digest = hashlib.sha256()
    digest.update(f"ct2 {ctranslate2.__version__}\0{quantization}\0".encode())
    digest.update(_folder_fingerprint(base).encode())
    if adapter is not None:
        for name in ADAPTER_FILES:
            path = adapter / name
            digest.update(f"\0{name}\0{sha256_file(path) if path.is_file() else ''}".encode())
    return digest.hexdigest()


def _folder_fingerprint(folder: Path) -> str:
    """The base model's identity: its marker's hashes when prepared by Wenda, else each weight
    file's name, size and modification time (hashing a user's multi-GB model on every start
    would cost seconds)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        return json.dumps({k: v["sha256"] for k, v in marker["files"].items()}, sort_keys=True)
    except (OSError, ValueError, KeyError, TypeError):
        stats = [
            f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in sorted(folder.glob("*"))
            if p.is_file()
        ]
        return "\n".join(stats)


def served_dir(
    base: Path, adapter: Path | None = None, quantization: str = DEFAULT_QUANTIZATION
) -> Path:
    """Where the served form of ``base`` (+ ``adapter``) lives (it may not exist yet)."""
    name = base.name + (f"+{adapter.name}" if adapter is not None else "")
    return served_root() / f"{name}-{served_key(base, adapter, quantization)[:12]}"


def check_served(folder: Path, deep: bool = False) -> str:
    """What is wrong with a served folder ("" when it is complete)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        files: dict[str, Any] = marker["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{folder} has no valid {MARKER}"
    for rel, info in sorted(files.items()):
        path = folder / rel
        if not path.is_file():
            return f"{path} is missing"
        if path.stat().st_size != info["size_bytes"]:
            return f"{path} has {path.stat().st_size} bytes, expected {info['size_bytes']}"
        if deep and sha256_file(path) != info["sha256"]:
            return f"{path} does not match its recorded sha256"
    return ""


def ensure_served(
    base: Path, adapter: Path | None = None, quantization: str = DEFAULT_QUANTIZATION
) -> Path:
    """The served folder for ``base`` (+ ``adapter``), converting it first if needed.

    Conversion takes seconds (it imports torch, transformers and peft); a ready folder is
    returned after a size check. Raises ``dialogue.generator.ModelLoadError`` when the model
    cannot be converted.
    """
    folder = served_dir(base, adapter, quantization)
    with _lock(folder):
        problem = check_served(folder)
        if not problem:
            return folder
        if folder.exists():
            log.warning("the served chat model is damaged (%s); converting it again", problem)
        from dialogue.generator.convert import convert_for_serving

        with atomic_folder(folder) as tmp:
            convert_for_serving(base, tmp, adapter, quantization)
            write_text_atomic(tmp / MARKER, _marker(tmp, base, adapter, quantization))
    return folder


def _marker(folder: Path, base: Path, adapter: Path | None, quantization: str) -> str:
    files = {
        p.relative_to(folder).as_posix(): {"size_bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    source = {"base": str(base), "adapter": str(adapter or ""), "quantization": quantization}
    return json.dumps({"source": source, "files": files}, indent=2, sort_keys=True)


def served_source(folder: Path) -> dict[str, str]:
    """What a served folder was made from: base, adapter ("" for none), quantization."""
    try:
        source = json.loads((folder / MARKER).read_text(encoding="utf-8"))["source"]
        return {k: str(v) for k, v in source.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """One conversion of a folder at a time (the window and `wenda chat` may start together)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".lock-{folder.name}", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def served_model(base: str, adapter: str) -> tuple[str, str, str]:
    """(model folder, adapter, engine) serving ``base`` + ``adapter``: the CTranslate2 folder
    with the adapter merged in, converted now if needed; else the transformers checkpoint and
    adapter as they are (a hub id cannot be converted, a failed conversion is logged)."""
    if not Path(base).is_dir():
        return base, adapter, "transformers"
    if adapter and not (Path(adapter) / "adapter_config.json").is_file():
        log.warning("%s is not a LoRA adapter folder; the chat model runs on transformers", adapter)
        return base, adapter, "transformers"
    try:
        folder = ensure_served(Path(base), Path(adapter) if adapter else None)
    except ModelLoadError as e:
        log.warning("the chat model runs on transformers (slower): %s", e)
        return base, adapter, "transformers"
    return str(folder), "", "ctranslate2"
