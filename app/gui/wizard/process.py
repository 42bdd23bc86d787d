"""Runs the wizard's steps (training, evaluation) one after another as subprocesses and reports
their output, loss records and progress as Qt signals on the GUI thread.

QProcess delivers output through the event loop, so nothing here blocks: no ``wait``, no
polling thread. The loss log is tailed by a 300 ms timer (a few hundred bytes per read).
Cancel asks the process to terminate and kills it if it has not gone 3 s later.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from app.finetune.jobs import LossTail, estimate, format_seconds
from app.gui.background import BackgroundCall

log = logging.getLogger(__name__)

POLL_MS = 300
KILL_AFTER_MS = 3000
NICE = 10  # training yields the CPU to the window (and everything else interactive)
REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Step:
    """One subprocess. ``prepare`` runs first, on a background thread (file work such as
    splitting the data); the command may be a function, called after ``prepare``, when it
    depends on what that made. ``loss_log`` and ``total_steps`` drive the progress bar."""

    name: str
    command: list[str] | Callable[[], list[str]]
    loss_log: Path | None = None
    total_steps: int = 0
    prepare: Callable[[], None] | None = None


class StepRunner(QObject):
    """Start with :meth:`run`; ends with ``finished(ok, message)`` exactly once."""

    step_started = Signal(str)
    output = Signal(str)
    loss = Signal(object)  # a loss record: {"step", "loss", ...}
    progress = Signal(float, str)  # fraction of the current step, time-left text
    finished = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.steps: list[Step] = []
        self.current: Step | None = None
        self.process: QProcess | None = None
        self.cancelled = False
        self.outputs: dict[str, str] = {}
        self._tail: LossTail | None = None
        self._started = 0.0
        self._preparing: BackgroundCall | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_loss)
        self._killer = QTimer(self)
        self._killer.setSingleShot(True)
        self._killer.timeout.connect(self._kill)

    def run(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self.cancelled = False
        self._next()

    def is_running(self) -> bool:
        preparing = self._preparing is not None and self._preparing.is_running()
        return self.process is not None or preparing

    def cancel(self) -> None:
        self.cancelled = True
        self.steps.clear()
        if self.process is not None:
            log.info("cancelling %s", self.current.name if self.current else "step")
            self.process.terminate()
            self._killer.start(KILL_AFTER_MS)

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def _next(self) -> None:
        if not self.steps:
            self.finished.emit(True, "done")
            return
        step = self.current = self.steps.pop(0)
        if step.prepare is None:
            self._start(step)
            return
        self._preparing = BackgroundCall(
            step.prepare,
            lambda _: self._start(step),
            lambda e: self._end(False, f"{step.name}: {e}"),
            self,
        )
        self._preparing.start()

    def _start(self, step: Step) -> None:
        if self.cancelled:
            self._end(False, "cancelled")
            return
        try:
            command = step.command() if callable(step.command) else list(step.command)
        except Exception as e:
            log.exception("building the command of %s failed", step.name)
            self._end(False, f"{step.name}: {e}")
            return
        if os.name == "posix" and shutil.which("nice"):
            command = ["nice", "-n", str(NICE), *command]  # the window keeps the CPU first
        self.outputs[step.name] = ""
        self._tail = LossTail(step.loss_log) if step.loss_log else None
        process = self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), env.value("PYTHONPATH")]))
        )
        process.setProcessEnvironment(env)
        process.setWorkingDirectory(str(REPO_ROOT))
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._started = time.monotonic()
        self.step_started.emit(step.name)
        log.info("running %s: %s", step.name, " ".join(command))
        process.start(command[0], command[1:])
        self._poll.start()

    def _read_output(self) -> None:
        if self.process is None or self.current is None:
            return
        text = bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace")
        self.outputs[self.current.name] += text
        for line in text.replace("\r", "\n").splitlines():
            if line.strip():
                self.output.emit(line)

    def _read_loss(self) -> None:
        if self._tail is None or self.current is None:
            return
        records = self._tail.read_new()
        for record in records:
            self.loss.emit(record)
        if records:
            elapsed = time.monotonic() - self._started
            total = self._tail.total_steps or self.current.total_steps
            guess = estimate(records[-1], total, elapsed)
            self.progress.emit(guess.fraction, format_seconds(guess.seconds_left))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end(False, f"{self.current.name if self.current else 'step'} could not start")

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_output()
        self._read_loss()
        name = self.current.name if self.current else "step"
        if self.cancelled:
            self._end(False, "cancelled")
        elif status != QProcess.ExitStatus.NormalExit or code != 0:
            tail = "\n".join(self.outputs.get(name, "").strip().splitlines()[-8:])
            self._end(False, f"{name} failed (exit code {code}):\n{tail}")
        else:
            self.progress.emit(1.0, "finished")
            self._release()
            self._next()

    def _release(self) -> None:
        self._poll.stop()
        self._killer.stop()
        if self.process is not None:
            self.process.deleteLater()
        self.process = None

    def _end(self, ok: bool, message: str) -> None:
        self._release()
        self.steps.clear()
        self.finished.emit(ok, message)

    def output_of(self, name: str) -> str:
        return self.outputs.get(name, "")

    def last_json(self, name: str) -> dict[str, Any] | None:
        """The JSON document a step printed (``--json`` commands), or None."""
        import json

        text = self.outputs.get(name, "")
        start = text.find("{")
        if start < 0:
            return None
        try:
            return json.loads(text[start:])
        except ValueError:
            return None
