"""Voice controls: microphone button (push-to-talk or hands-free), the live input level and
transcript, the assistant's state, a stop button for barge-in by click, and speak on/off.

It only shows state and turns clicks into signals; the window turns those into session
commands. Push-to-talk: hold the button (or tap Ctrl+M to start and again to finish); the
release ends the utterance at once. Hands-free: the button toggles listening on and off.
Until the session says it is ready the bar shows "Loading models…" and the button is off.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.icons import mic_icon, speaker_icon, stop_icon

log = logging.getLogger(__name__)

PUSH_TO_TALK, HANDS_FREE = "Push to talk", "Hands-free"
STATES = {  # state -> (label, pill colour)
    "loading": ("Loading models…", "#98a2b3"),
    "idle": ("Ready", "#667085"),
    "listening": ("Listening…", "#039855"),
    "hearing": ("Hearing you…", "#039855"),
    "thinking": ("Thinking…", "#dc6803"),
    "speaking": ("Speaking…", "#2f6fed"),
    "error": ("Problem", "#d92d20"),
}
STYLE = """
QPushButton#mic { background: #2f6fed; border: none; border-radius: 22px; }
QPushButton#mic:checked, QPushButton#mic:pressed { background: #d92d20; }
QPushButton#mic:disabled { background: #98a2b3; }
QPushButton#stop { background: #475467; border: none; border-radius: 22px; }
QPushButton#stop:disabled { background: #d0d5dd; }
QProgressBar#level { background: #eaecf0; border: none; border-radius: 3px; }
QProgressBar#level::chunk { background: #12b76a; border-radius: 3px; }
QLabel#transcript { color: #475467; font-style: italic; }
QLabel#state { color: white; border-radius: 10px; padding: 2px 10px; font-weight: 600; }
"""


class VoiceBar(QWidget):
    """Emits what the user asked for; :meth:`set_state` and friends show what happens."""

    listen_requested = Signal(bool)  # hands_free
    listen_stopped = Signal()  # hands-free: close the microphone
    finish_requested = Signal()  # push-to-talk released: that was the utterance
    stop_clicked = Signal()
    speak_toggled = Signal(bool)  # speak replies aloud

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self.state = "idle"
        self.listening = False
        self.mic = QPushButton()
        self.mic.setObjectName("mic")
        self.mic.setIcon(mic_icon())
        self.mic.setIconSize(QSize(24, 24))
        self.mic.setFixedSize(44, 44)
        self.mic.setToolTip("Talk (Ctrl+M). Push to talk: hold. Hands-free: click to toggle.")
        self.mic.pressed.connect(self._on_pressed)
        self.mic.released.connect(self._on_released)
        self.mic.clicked.connect(self._on_clicked)
        self.stop = QPushButton()
        self.stop.setObjectName("stop")
        self.stop.setIcon(stop_icon())
        self.stop.setIconSize(QSize(18, 18))
        self.stop.setFixedSize(44, 44)
        self.stop.setToolTip("Stop Wenda speaking (Esc)")
        self.stop.setEnabled(False)
        self.stop.clicked.connect(self.stop_clicked)
        self.mode = QComboBox()
        self.mode.addItems([PUSH_TO_TALK, HANDS_FREE])
        self.mode.currentTextChanged.connect(self._on_mode)
        self.speak = QToolButton()
        self.speak.setCheckable(True)
        self.speak.setChecked(True)
        self.speak.setIcon(speaker_icon())
        self.speak.setToolTip("Speak replies aloud")
        self.speak.toggled.connect(self._on_speak)
        self.voice_available = False
        self.state_label = QLabel()
        self.state_label.setObjectName("state")
        self.level = QProgressBar()
        self.level.setObjectName("level")
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedHeight(6)
        self.transcript = QLabel("")
        self.transcript.setObjectName("transcript")
        self.transcript.setWordWrap(True)
        self._layout()
        self.set_state("loading")
        self.mic.setEnabled(False)

    def _layout(self) -> None:
        middle = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.state_label)
        top.addStretch(1)
        top.addWidget(self.mode)
        top.addWidget(self.speak)
        middle.addLayout(top)
        middle.addWidget(self.level)
        middle.addWidget(self.transcript)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.setSpacing(12)
        row.addWidget(self.mic)
        row.addLayout(middle, 1)
        row.addWidget(self.stop)

    @property
    def hands_free(self) -> bool:
        return self.mode.currentText() == HANDS_FREE

    def _on_mode(self, _text: str) -> None:
        self.mic.setCheckable(self.hands_free)
        if self.listening:
            self._stop_listening()

    def _on_pressed(self) -> None:
        if not self.hands_free and not self.listening:
            self._start_listening()

    def _on_released(self) -> None:
        if not self.hands_free and self.listening:
            self._stop_listening()

    def _on_clicked(self) -> None:
        if self.hands_free:
            (self._stop_listening if self.listening else self._start_listening)()

    def _on_speak(self, on: bool) -> None:
        self.speak.setIcon(speaker_icon(muted=not on))
        self.speak_toggled.emit(on)

    def set_ready(self, voice: bool, reason: str = "") -> None:
        """The session is up: the microphone works if ``voice``, else typing only."""
        self.voice_available = voice
        self.mic.setEnabled(voice)
        self.mic.setToolTip(
            "Talk (Ctrl+M). Push to talk: hold. Hands-free: click to toggle."
            if voice
            else f"No voice: {reason}. Type instead."
        )
        if self.state == "loading":
            self.set_state("idle")

    def _start_listening(self) -> None:
        self.listening = True
        self.mic.setChecked(self.hands_free)
        self.transcript.setText("")
        self.listen_requested.emit(self.hands_free)

    def _stop_listening(self) -> None:
        self.listening = False
        self.mic.setChecked(False)
        self.level.setValue(0)
        (self.listen_stopped if self.hands_free else self.finish_requested).emit()

    def toggle_listening(self) -> None:
        """The keyboard shortcut: start listening, or finish the utterance / stop."""
        if not self.voice_available:
            return
        (self._stop_listening if self.listening else self._start_listening)()

    def set_state(self, state: str) -> None:
        self.state = state
        text, colour = STATES.get(state, STATES["idle"])
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"background: {colour};")
        self.stop.setEnabled(state in ("thinking", "speaking"))

    def set_level(self, level: float) -> None:
        self.level.setValue(int(max(0.0, min(1.0, level)) * 100))

    def set_transcript(self, text: str) -> None:
        self.transcript.setText(text)

    def microphone_changed(self, open_: bool) -> None:
        """What the session did with the microphone (it may close it on its own: an error,
        no voice); the button follows it."""
        if not open_:
            self.listening = False
            self.level.setValue(0)
            if self.state in ("listening", "hearing"):
                self.set_state("idle")
        elif self.listening and self.state == "idle":
            self.set_state("listening")
        self.mic.setChecked(self.listening and self.hands_free)
