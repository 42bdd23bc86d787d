"""The main window's header (title, language) and footer (voice bar, message box, send
button) frames, and the style sheet they share: layout only, no behaviour."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.icons import send_icon

log = logging.getLogger(__name__)

STYLE = """
QLineEdit#message { border: 1px solid #d0d5dd; border-radius: 18px; padding: 8px 14px;
                    background: white; font-size: 11pt; }
QLineEdit#message:focus { border-color: #2f6fed; }
QPushButton#send { background: #2f6fed; border: none; border-radius: 18px; }
QPushButton#send:disabled { background: #98a2b3; }
QFrame#header { background: white; border-bottom: 1px solid #e4e7ec; }
QLabel#title { font-size: 14pt; font-weight: 700; color: #101828; }
QLabel#subtitle { color: #667085; }
QFrame#footer { background: white; border-top: 1px solid #e4e7ec; }
"""


def header(language: str, note: QWidget | None = None) -> QFrame:
    """Title and a subtitle naming the conversation language (and ``note`` below them)."""
    frame = QFrame()
    frame.setObjectName("header")
    title = QLabel("Wenda 问答")
    title.setObjectName("title")
    shown = "English" if language == "en" else "中文"
    subtitle = QLabel(f"Private voice assistant · {shown} · runs on this computer")
    subtitle.setObjectName("subtitle")
    top = QVBoxLayout(frame)
    top.setContentsMargins(20, 12, 20, 12)
    top.setSpacing(2)
    top.addWidget(title)
    top.addWidget(subtitle)
    if note is not None:
        top.addWidget(note)
    return frame


def message_box() -> tuple[QLineEdit, QPushButton]:
    """The text box and its round send button."""
    text = QLineEdit()
    text.setObjectName("message")
    send = QPushButton()
    send.setObjectName("send")
    send.setIcon(send_icon())
    send.setIconSize(QSize(18, 18))
    send.setFixedSize(40, 36)
    send.setToolTip("Send (Enter)")
    return text, send


def footer(voice: QWidget, text: QLineEdit, send: QPushButton) -> QFrame:
    """The voice bar above a row with the text box and the send button."""
    frame = QFrame()
    frame.setObjectName("footer")
    bottom = QVBoxLayout(frame)
    bottom.setContentsMargins(0, 0, 0, 12)
    bottom.addWidget(voice)
    row = QHBoxLayout()
    row.setContentsMargins(16, 0, 16, 0)
    row.addWidget(text, 1)
    row.addWidget(send)
    bottom.addLayout(row)
    return frame
