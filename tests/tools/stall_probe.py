"""Measures how long the GUI event loop is blocked: a QTimer asks to fire every few
milliseconds and records how late each tick comes.

A tick that arrives ``gap`` ms after the previous one means the loop could not run anything
(no repaint, no click) for about ``gap - interval`` ms. The longest such stall during
recognition, generation and training is the number in BENCHMARKS.md (target < 50 ms).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StallStats:
    """Stalls in ms beyond the timer interval: the longest, the 99th percentile, tick count."""

    max_ms: float
    p99_ms: float
    ticks: int
    seconds: float

    def to_json(self) -> dict[str, float]:
        return {
            "max_stall_ms": round(self.max_ms, 1),
            "p99_stall_ms": round(self.p99_ms, 1),
            "ticks": self.ticks,
            "seconds": round(self.seconds, 1),
        }


class StallProbe(QObject):
    """Start it, let the event loop run, then read :meth:`stats`."""

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._stalls: list[float] = []
        self._last = 0.0
        self._started = 0.0

    def start(self) -> None:
        self._stalls.clear()
        self._started = self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> StallStats:
        self._timer.stop()
        return self.stats()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap_ms = (now - self._last) * 1000.0
        self._last = now
        self._stalls.append(max(0.0, gap_ms - self.interval_ms))

    def stats(self) -> StallStats:
        stalls = sorted(self._stalls)
        if not stalls:
            return StallStats(0.0, 0.0, 0, 0.0)
        p99 = stalls[min(len(stalls) - 1, int(0.99 * len(stalls)))]
        seconds = (self._last - self._started) if self._started else 0.0
        return StallStats(stalls[-1], p99, len(stalls), seconds)
