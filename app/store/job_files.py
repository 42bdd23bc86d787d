"""Where a domain's training job keeps its lock and its progress file, and whether one runs:
files only (no torch), so the window, the doctor and the resolver may ask often."""

from __future__ import annotations

import fcntl
from pathlib import Path

from app import paths


def job_name(domain: str, language: str) -> str:
    return f"{domain}-{language}"


def job_files(domain: str, language: str, root: Path | None = None) -> tuple[Path, Path]:
    """The lock a training job holds while it runs, and the progress file it writes."""
    base = (root or paths.models_dir()) / f".train-{job_name(domain, language)}"
    return base.with_suffix(".lock"), base.with_suffix(".json")


def job_running(domain: str, language: str, root: Path | None = None) -> bool:
    """Whether a training job holds the lock of this domain and language now."""
    lock, _ = job_files(domain, language, root)
    if not lock.is_file():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
