"""Small icons drawn with QPainter, so buttons look the same on every system without shipping
image files or depending on an emoji font being installed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

log = logging.getLogger(__name__)

SIZE = 64  # drawn large and scaled down by Qt, so they stay crisp on high-DPI screens


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def mic_icon(color: str = "#ffffff") -> QIcon:
    """A microphone: capsule, cradle and stand."""
    pixmap, p = _canvas()
    pen = QPen(QColor(color), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawRoundedRect(QRectF(22, 6, 20, 34), 10, 10)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(14, 18, 36, 30), 180 * 16, 180 * 16)
    p.drawLine(QPointF(32, 48), QPointF(32, 57))
    p.drawLine(QPointF(22, 58), QPointF(42, 58))
    p.end()
    return QIcon(pixmap)


def stop_icon(color: str = "#ffffff") -> QIcon:
    """A rounded square: stop speaking."""
    pixmap, p = _canvas()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawRoundedRect(QRectF(16, 16, 32, 32), 6, 6)
    p.end()
    return QIcon(pixmap)


def send_icon(color: str = "#ffffff") -> QIcon:
    """A paper plane pointing right."""
    pixmap, p = _canvas()
    path = QPainterPath(QPointF(8, 10))
    path.lineTo(QPointF(58, 32))
    path.lineTo(QPointF(8, 54))
    path.lineTo(QPointF(16, 32))
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawPath(path)
    p.end()
    return QIcon(pixmap)


def speaker_icon(color: str = "#475467", muted: bool = False) -> QIcon:
    """A loudspeaker, crossed out when muted."""
    pixmap, p = _canvas()
    path = QPainterPath(QPointF(8, 24))
    for x, y in ((20, 24), (34, 10), (34, 54), (20, 40), (8, 40)):
        path.lineTo(QPointF(x, y))
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    p.drawPath(path)
    pen = QPen(QColor(color), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if muted:
        p.drawLine(QPointF(42, 22), QPointF(58, 42))
        p.drawLine(QPointF(58, 22), QPointF(42, 42))
    else:
        p.drawArc(QRectF(26, 18, 24, 28), -50 * 16, 100 * 16)
        p.drawArc(QRectF(22, 8, 38, 48), -50 * 16, 100 * 16)
    p.end()
    return QIcon(pixmap)
