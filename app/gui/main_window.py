"""The main window: the conversation, the voice bar, the text box, and the menus that open the
settings dialog and the fine-tuning wizard.

The window never calls a model: it sends commands with ``session.submit`` and redraws from
the events the bridge delivers on the GUI thread. Shortcuts: Ctrl+M talk, Esc stop,
Ctrl+, settings, Ctrl+Q quit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Config
from app.gui.bridge import SessionBridge
from app.gui.chat_view import Bubble, ChatView
from app.gui.icons import send_icon
from app.gui.session_api import (
    ErrorEvent,
    ForgetMe,
    InputLevel,
    Interrupt,
    Listening,
    Mute,
    ReplyText,
    SendText,
    SentencePlayed,
    Session,
    Speaking,
    SpeechStarted,
    StartListening,
    StopListening,
    Thinking,
    Transcript,
    TurnDone,
)
from app.gui.voice_bar import VoiceBar

log = logging.getLogger(__name__)

INPUT_STYLE = """
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


class MainWindow(QMainWindow):
    """One conversation with one session; owns the bridge, not the session's lifetime."""

    def __init__(self, session: Session, config: Config | None = None) -> None:
        super().__init__()
        self.session = session
        self.config = config or Config()
        self.bridge = SessionBridge(self)
        self.bridge.event.connect(self.on_event)
        self.reply_bubble: Bubble | None = None
        self.errors: list[str] = []
        self.open_dialogs: list[QWidget] = []
        self.setWindowTitle("Wenda 问答")
        self.resize(760, 720)
        self.setStyleSheet(INPUT_STYLE)
        self._build()
        self._menus()
        QShortcut(QKeySequence("Ctrl+M"), self, self.voice.toggle_listening)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop_speaking)

    def _build(self) -> None:
        header = QFrame()
        header.setObjectName("header")
        title = QLabel("Wenda 问答")
        title.setObjectName("title")
        language = "English" if self.config.general.language == "en" else "中文"
        subtitle = QLabel(f"Private voice assistant · {language} · runs on this computer")
        subtitle.setObjectName("subtitle")
        top = QVBoxLayout(header)
        top.setContentsMargins(20, 12, 20, 12)
        top.setSpacing(2)
        top.addWidget(title)
        top.addWidget(subtitle)
        self.chat = ChatView()
        self.voice = VoiceBar()
        self.voice.listen_requested.connect(lambda hf: self.session.submit(StartListening(hf)))
        self.voice.listen_stopped.connect(lambda: self.session.submit(StopListening()))
        self.voice.stop_clicked.connect(self.stop_speaking)
        self.voice.mute_toggled.connect(lambda muted: self.session.submit(Mute(muted)))
        self.input = QLineEdit()
        self.input.setObjectName("message")
        self.input.setPlaceholderText("Type a message and press Enter…")
        self.input.returnPressed.connect(self.send_typed)
        self.send = QPushButton()
        self.send.setObjectName("send")
        self.send.setIcon(send_icon())
        self.send.setIconSize(QSize(18, 18))
        self.send.setFixedSize(40, 36)
        self.send.setToolTip("Send (Enter)")
        self.send.clicked.connect(self.send_typed)
        footer = QFrame()
        footer.setObjectName("footer")
        bottom = QVBoxLayout(footer)
        bottom.setContentsMargins(0, 0, 0, 12)
        bottom.addWidget(self.voice)
        row = QHBoxLayout()
        row.setContentsMargins(16, 0, 16, 0)
        row.addWidget(self.input, 1)
        row.addWidget(self.send)
        bottom.addLayout(row)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(header)
        column.addWidget(self.chat, 1)
        column.addWidget(footer)
        self.setCentralWidget(central)
        self.input.setFocus()

    def _menus(self) -> None:
        def action(
            menu_name: str, text: str, slot: Callable[[], object], keys: str = ""
        ) -> QAction:
            if menu_name not in menus:
                menus[menu_name] = self.menuBar().addMenu(menu_name)
            menu = menus[menu_name]
            act = QAction(text, self)
            if keys:
                act.setShortcut(QKeySequence(keys))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        menus: dict = {}
        action("&Wenda", "&Settings…", self.open_settings, "Ctrl+,")
        action("&Wenda", "&Fine-tune models…", self.open_wizard)
        action("&Wenda", "&Quit", self.close, "Ctrl+Q")
        self.details_action = action("&Conversation", "Show turn &details", lambda: None)
        self.details_action.setCheckable(True)
        self.details_action.toggled.connect(self.chat.set_show_details)
        action("&Conversation", "&Clear window", self.chat.clear)
        action("&Conversation", "&Forget me…", self.forget_me)

    # ---- user actions ----

    def send_typed(self) -> None:
        text = self.input.text().strip()
        if not text:
            return
        self.input.clear()
        self.chat.add_user(text)
        self.reply_bubble = None
        self.session.submit(SendText(text))

    def stop_speaking(self) -> None:
        """Barge-in by click (or Esc): the session stops playback and generation."""
        self.session.submit(Interrupt())

    def forget_me(self) -> None:
        answer = QMessageBox.question(
            self, "Forget me", "Delete your conversation history and profile from this computer?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.submit(ForgetMe())
            self.chat.clear()

    def open_settings(self) -> None:
        from app.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.config, on_forget=self.forget_me, parent=self)
        if dialog.exec():
            self.config = dialog.saved_config or self.config

    def open_wizard(self) -> None:
        from app.gui.wizard.wizard import FineTuneWizard

        wizard = FineTuneWizard(self.config, parent=self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialogs.append(wizard)
        wizard.destroyed.connect(lambda: self.open_dialogs.remove(wizard))
        wizard.show()

    # ---- session events (GUI thread) ----

    def on_event(self, event: object) -> None:
        handler = self._handlers().get(type(event))
        if handler is not None:
            handler(event)

    def _handlers(self) -> dict[type, Callable[[object], None]]:
        return {
            Listening: self._on_listening,
            SpeechStarted: lambda e: self.voice.set_state("hearing"),
            InputLevel: lambda e: self.voice.set_level(e.level),
            Transcript: self._on_transcript,
            Thinking: lambda e: self.voice.set_state("thinking"),
            ReplyText: self._on_reply,
            Speaking: lambda e: self.voice.set_state("speaking"),
            SentencePlayed: lambda e: None,
            TurnDone: self._on_turn_done,
            ErrorEvent: self._on_error,
        }

    def _on_listening(self, event: Listening) -> None:
        if event.active:
            self.voice.set_state("listening")
        else:
            self.voice.microphone_closed()
            if self.voice.state in ("listening", "hearing"):
                self.voice.set_state("idle")

    def _on_transcript(self, event: Transcript) -> None:
        self.voice.set_transcript(event.text)
        if event.final and event.text.strip():
            self.chat.add_user(event.text, spoken=True)
            self.reply_bubble = None

    def _on_reply(self, event: ReplyText) -> None:
        if self.reply_bubble is None:
            self.reply_bubble = self.chat.add_wenda(event.text)
        else:
            self.reply_bubble.set_text(event.text)

    def _on_turn_done(self, event: TurnDone) -> None:
        if self.reply_bubble is None and event.reply:
            self.reply_bubble = self.chat.add_wenda(event.reply)
        if self.reply_bubble is not None:
            self.reply_bubble.set_turn(event, show=self.chat.show_details)
        self.reply_bubble = None
        self.voice.set_transcript("")
        self.voice.set_state("listening" if self.voice.listening else "idle")

    def _on_error(self, event: ErrorEvent) -> None:
        self.errors.append(event.message)
        self.chat.add_error(event.message)
        self.voice.set_state("listening" if self.voice.listening else "idle")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        for dialog in list(self.open_dialogs):
            dialog.close()
        super().closeEvent(event)
