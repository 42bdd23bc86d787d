"""The conversation as chat bubbles: the user's on the right, Wenda's on the left with its
details (intent, confidence, sources, latency) behind a toggle, errors as red notes. While the
user speaks, their words so far show in a paler bubble that the final transcript settles.

Widgets only: the main window feeds it from session events on the GUI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.turn_details import TurnDetails, describe

log = logging.getLogger(__name__)

BUBBLE_MAX_WIDTH = 520
HEARING_WHO = "You (speaking...)"
SPOKEN_WHO = "You (spoken)"
STYLE = """
QFrame[role="user"] { background: #2f6fed; border-radius: 14px; }
QFrame[role="user"] QLabel { color: #ffffff; }
QFrame[role="hearing"] { background: #dce7fd; border-radius: 14px; }
QFrame[role="hearing"] QLabel { color: #344054; font-style: italic; }
QFrame[role="wenda"] { background: #ffffff; border: 1px solid #e4e7ec; border-radius: 14px; }
QFrame[role="wenda"] QLabel { color: #1d2939; }
QFrame[role="error"] { background: #fef3f2; border: 1px solid #fecdca; border-radius: 10px; }
QFrame[role="error"] QLabel { color: #b42318; }
QLabel[part="details"] { color: #667085; font-size: 9pt; }
QLabel[part="who"] { color: #98a2b3; font-size: 8pt; }
QToolButton[part="toggle"] { border: none; color: #2f6fed; font-size: 8pt; padding: 0; }
"""


class Bubble(QFrame):
    """One message. Wenda's bubbles can show a details line on demand."""

    def __init__(self, role: str, text: str, who: str = "") -> None:
        super().__init__()
        self.setProperty("role", role)
        self.turn: TurnDetails | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(3)
        self.who_label = QLabel(who)
        self.who_label.setProperty("part", "who")
        self.who_label.setVisible(bool(who))
        layout.addWidget(self.who_label)
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setMaximumWidth(BUBBLE_MAX_WIDTH)
        self._fit()
        layout.addWidget(self.text_label)
        self.details_label = QLabel()
        self.details_label.setProperty("part", "details")
        self.details_label.setWordWrap(True)
        self.details_label.setVisible(False)
        self.toggle = QToolButton()
        self.toggle.setProperty("part", "toggle")
        self.toggle.setText("details")
        self.toggle.setCheckable(True)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.setVisible(False)
        self.toggle.toggled.connect(self.details_label.setVisible)
        layout.addWidget(self.details_label)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)

    def text(self) -> str:
        return self.text_label.text()

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)
        self._fit()

    def settle(self, role: str, who: str) -> None:
        """Become a ``role`` bubble (the words heard so far become what was said)."""
        self.setProperty("role", role)
        self.who_label.setText(who)
        for widget in (self, *self.findChildren(QLabel)):
            widget.style().unpolish(widget)  # a property selector is applied on polish
            widget.style().polish(widget)

    def _fit(self) -> None:
        """Short messages keep their natural width; long ones wrap at the maximum width (a
        word-wrapped QLabel would otherwise shrink to its narrowest layout)."""
        metrics = self.text_label.fontMetrics()
        lines = self.text_label.text().splitlines() or [""]
        natural = max(metrics.horizontalAdvance(line) for line in lines) + 4
        self.text_label.setMinimumWidth(min(BUBBLE_MAX_WIDTH, natural))

    def set_turn(self, turn: TurnDetails, show: bool = False) -> None:
        """Attach the turn's details; ``show`` opens them (the window's "show details")."""
        self.turn = turn
        self.details_label.setText(describe(turn))
        self.details_label.setMaximumWidth(BUBBLE_MAX_WIDTH)
        self.toggle.setVisible(True)
        self.toggle.setChecked(show)


class ChatView(QScrollArea):
    """A scrolling column of bubbles that follows the newest message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet(STYLE)
        inner = QWidget()
        inner.setObjectName("chatInner")
        inner.setStyleSheet("#chatInner { background: #f6f7f9; }")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(16, 16, 16, 16)
        self.column.setSpacing(10)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.bubbles: list[Bubble] = []
        self.rows: dict[Bubble, QHBoxLayout] = {}
        self.show_details = False
        self.verticalScrollBar().rangeChanged.connect(self._follow)

    def _follow(self, _low: int, high: int) -> None:
        self.verticalScrollBar().setValue(high)

    def _add(self, bubble: Bubble, align: Qt.AlignmentFlag) -> Bubble:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if align == Qt.AlignmentFlag.AlignRight:
            row.addStretch(1)
        row.addWidget(bubble)
        if align == Qt.AlignmentFlag.AlignLeft:
            row.addStretch(1)
        self.column.addLayout(row)
        self.bubbles.append(bubble)
        self.rows[bubble] = row
        QTimer.singleShot(0, lambda: self._follow(0, self.verticalScrollBar().maximum()))
        return bubble

    def add_user(self, text: str, spoken: bool = False) -> Bubble:
        who = SPOKEN_WHO if spoken else "You"
        return self._add(Bubble("user", text, who), Qt.AlignmentFlag.AlignRight)

    def add_hearing(self, text: str) -> Bubble:
        """The user's words so far, while they speak; :meth:`Bubble.settle` or
        :meth:`remove` it when the final transcript comes."""
        return self._add(Bubble("hearing", text, HEARING_WHO), Qt.AlignmentFlag.AlignRight)

    def settle(self, hearing: Bubble, text: str) -> None:
        """The words heard so far become what the user said (a spoken user bubble)."""
        hearing.set_text(text)
        hearing.settle("user", SPOKEN_WHO)

    def remove(self, bubble: Bubble) -> None:
        """Take one bubble out (words heard so far that came to nothing)."""
        row = self.rows.pop(bubble, None)
        if row is None:
            return
        self.bubbles.remove(bubble)
        self.column.removeItem(row)
        bubble.deleteLater()
        row.deleteLater()

    def add_wenda(self, text: str) -> Bubble:
        return self._add(Bubble("wenda", text, "Wenda"), Qt.AlignmentFlag.AlignLeft)

    def add_error(self, message: str) -> Bubble:
        return self._add(Bubble("error", message), Qt.AlignmentFlag.AlignLeft)

    def set_show_details(self, show: bool) -> None:
        """Open or close the details of every reply (menu: View > Show turn details)."""
        self.show_details = show
        for bubble in self.bubbles:
            if bubble.turn is not None:
                bubble.toggle.setChecked(show)

    def clear(self) -> None:
        for bubble in self.bubbles:
            bubble.deleteLater()
        self.bubbles.clear()
        self.rows.clear()
        while self.column.count() > 1:
            item = self.column.takeAt(1)
            layout = item.layout() if item is not None else None
            if layout is not None:
                layout.deleteLater()
