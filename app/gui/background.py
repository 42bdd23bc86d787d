"""Run one blocking call (reading data files, listing audio devices) off the GUI thread and get
its result back on the GUI thread.

A plain Python thread does the work; a QObject owned by the GUI thread re-emits the outcome
through a queued signal, so callbacks may touch widgets. Model work does not go here: the
session and the training subprocess own that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class BackgroundCall(QObject):
    """``BackgroundCall(fn, on_done, on_error).start()``; keep a reference until it finishes."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self.finished.connect(on_done)
        self.failed.connect(on_error or (lambda e: log.error("background call failed: %s", e)))
        self._thread = threading.Thread(target=self._run, name="wenda-background", daemon=True)

    def start(self) -> BackgroundCall:
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            result = self._fn()
        except Exception as e:  # handed to the GUI thread as a message, never raised there
            log.warning("background call failed: %s", e)
            self.failed.emit(e)
            return
        self.finished.emit(result)
