"""The live loss curve of a training run (pyqtgraph: fast, and works offscreen and under X).

One curve per run step (NLU, generator); points are appended as loss records arrive and the
curve is redrawn at most every 300 ms by the runner's timer. No grid and no anti-aliasing of
the axes: with them one redraw took 40-80 ms of the event loop (software rendering), without
them about 10 ms (BENCHMARKS.md, "Desktop app"); only the curve itself is anti-aliased. Call
:meth:`LossPlot.close` before the application exits.
"""

from __future__ import annotations

import logging

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

log = logging.getLogger(__name__)

COLOURS = ("#2f6fed", "#dc6803", "#039855")


class LossPlot(QWidget):
    """Loss against optimizer step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("left", "loss")
        self.plot.setLabel("bottom", "step")
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setMinimumHeight(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._closed = False
        self.curves: dict[str, tuple[pg.PlotDataItem, list[float], list[float]]] = {}

    def start_curve(self, name: str) -> None:
        pen = pg.mkPen(COLOURS[len(self.curves) % len(COLOURS)], width=2)
        item = self.plot.plot([], [], pen=pen, name=name, antialias=True)
        self.curves[name] = (item, [], [])

    def add_points(self, name: str, records: list[dict]) -> None:
        if name not in self.curves:
            self.start_curve(name)
        item, xs, ys = self.curves[name]
        for record in records:
            xs.append(float(record.get("step", len(xs) + 1)))
            ys.append(float(record["loss"]))
        item.setData(xs, ys)

    def points(self, name: str) -> int:
        return len(self.curves[name][1]) if name in self.curves else 0

    def close(self) -> bool:
        """Idempotent: the wizard closes it on Finish and again on window close."""
        if not self._closed:
            self._closed = True
            self.plot.close()
        return super().close()
