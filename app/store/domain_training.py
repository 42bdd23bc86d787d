"""Training a language's domain models as one job: in the foreground (``wenda models prepare``,
with a progress bar) or in the background (a niced subprocess started on first use, so Wenda
answers at once with models that need no training and switches when the job is done).

One job per domain and language at a time: the job holds ``<models>/.train-<domain>-<lang>.lock``
while it runs (that lock *is* the "training" state) and writes its progress to the ``.json``
beside it (percent, seconds left, or the error that stopped it), which the doctor and the
window read. Its log, library chatter included, goes to ``<cache>/logs/train-<domain>-<lang>.log``.

The background job's command is ``python -m app.store.training_job --domain DIR --lang L``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app import paths
from app.store import domain_models
from app.store.domain_models import (
    DomainModel,
    domain_model_state,
    language_models,
    read_domain_meta,
    train_kind,
)
from app.store.job_files import job_files, job_name, job_running
from dialogue.atomic import write_text_atomic

log = logging.getLogger(__name__)

BACKGROUND_SWITCH = "WENDA_BACKGROUND_TRAINING"  # "0": never start a job (tests; train by hand)
NICENESS = 10  # below the voice loop and the window: training must never make replies stutter
_WRITE_EVERY_S = 1.0


@contextmanager
def job_lock(
    domain: str, language: str, root: Path | None = None, wait: bool = True
) -> Iterator[bool]:
    """Hold the job lock of this domain and language; yields False (held by another job) when
    ``wait`` is off and the lock is taken."""
    lock, _ = job_files(domain, language, root)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class JobProgress:
    """One overall percent and time left over the kinds a job trains, written to the job's
    progress file (throttled) and passed on to ``on_update`` (a CLI bar, a test)."""

    def __init__(
        self,
        models: list[DomainModel],
        root: Path | None = None,
        on_update: Callable[[float, float | None], None] | None = None,
    ) -> None:
        self.models, self.on_update = models, on_update
        self.shares = [domain_models.KINDS[m.kind].share for m in models]
        self.total_share = sum(self.shares) or 1.0
        self.started = time.monotonic()
        self.written = 0.0
        self.fraction = 0.0
        self.file = job_files(models[0].domain, models[0].language, root)[1]

    def step(self, index: int) -> Callable[[int, int], None]:
        """The (done, total) callback of the ``index``-th model of the job."""
        before = sum(self.shares[:index])

        def update(done: int, total: int) -> None:
            inner = min(1.0, done / total) if total else 0.0
            self.report((before + self.shares[index] * inner) / self.total_share)

        return update

    def report(self, fraction: float, error: str = "", force: bool = False) -> None:
        self.fraction = max(self.fraction, fraction)
        elapsed = time.monotonic() - self.started
        # no guess before a tenth is done: the first epochs share the machine with the models
        # a first start loads, and a guess from them was minutes too long
        left = elapsed / self.fraction * (1 - self.fraction) if self.fraction >= 0.1 else None
        if self.on_update:
            self.on_update(self.fraction, left)
        now = time.monotonic()
        if not force and now - self.written < _WRITE_EVERY_S:
            return
        self.written = now
        record = {
            "percent": int(self.fraction * 100),
            "seconds_left": round(left, 1) if left is not None else None,
            "elapsed_s": round(elapsed, 1),
            "pid": os.getpid(),
            **({"error": error} if error else {}),
        }
        write_text_atomic(self.file, json.dumps(record) + "\n")


Bases = Callable[[str], Path]
"""The folder of a model store role: the model a kind is trained on (``DomainKind.base_roles``)."""


def run_job(
    domain_dir: Path,
    language: str,
    bases: Bases,
    root: Path | None = None,
    kinds: list[str] | None = None,
    force: bool = False,
    wait: bool = False,
    on_update: Callable[[float, float | None], None] | None = None,
) -> list[Path] | None:
    """Train the ``kinds`` (all when None) of ``language`` that are not ready, under the job
    lock, each on the folder ``bases`` gives for its base role. Without ``wait``, None when
    another job holds the lock (it is doing the work); with it, that job is waited for and
    only what it left undone is trained."""
    models = [m for m in language_models(domain_dir, language) if not kinds or m.kind in kinds]
    if not models:
        return []
    with job_lock(models[0].domain, language, root, wait=wait) as held:
        if not held:
            log.info("%s: another job is training", job_name(models[0].domain, language))
            return None
        todo = [m for m in models if force or domain_model_state(m, root).state != "ready"]
        if not todo:
            return [m.folder(root) for m in models]
        progress = JobProgress(todo, root, on_update)
        try:
            for index, model in enumerate(todo):
                started = time.perf_counter()
                train_kind(model, bases(model.base_role), model.folder(root), progress.step(index))
                log.info("trained %s in %.1f s", model.name, time.perf_counter() - started)
        except BaseException as e:
            progress.report(progress.fraction, error=str(e) or type(e).__name__, force=True)
            raise
        progress.report(1.0, force=True)
        return [m.folder(root) for m in models]


def prepare_domain_model(
    model: DomainModel,
    bases: Bases,
    root: Path | None = None,
    force: bool = False,
    on_update: Callable[[float, float | None], None] | None = None,
) -> Path:
    """Train the model unless it is ready, as a job of its own (a background job training it
    already is waited for, not repeated); ``on_update`` gets (fraction, seconds left)."""
    run_job(
        model.domain_dir,
        model.language,
        bases,
        root,
        kinds=[model.kind],
        force=force,
        wait=True,
        on_update=on_update,
    )
    return model.folder(root)


def log_file(domain: str, language: str) -> Path:
    return paths.cache_dir() / "logs" / f"train-{job_name(domain, language)}.log"


def start_background(domain_dir: Path, language: str) -> subprocess.Popen[bytes] | None:
    """Start the background job unless one runs already (it exits at once if it loses the race).

    The child is niced, in its own session (it outlives a ``wenda doctor`` that started it) and
    writes everything to its log file.
    """
    name, _ = read_domain_meta(domain_dir)
    if os.environ.get(BACKGROUND_SWITCH, "1") == "0":
        log.info(
            "%s=0: the %s models of %s are not trained in the background",
            BACKGROUND_SWITCH,
            language,
            name,
        )
        return None
    if job_running(name, language):
        return None
    log_path = log_file(name, language)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "app.store.training_job"]
    command += ["--domain", str(domain_dir), "--lang", language]
    env = {**os.environ, "WENDA_LOG_FILE": str(log_path)}  # its records and its stderr: one file
    with open(log_path, "ab") as out:
        child = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: os.nice(NICENESS),  # noqa: PLW1509 - no threads run before exec
            cwd=str(Path(__file__).resolve().parents[2]),
        )
    log.info(
        "training the %s models of %s in the background (pid %d, log %s)",
        language,
        name,
        child.pid,
        log_path,
    )
    return child
