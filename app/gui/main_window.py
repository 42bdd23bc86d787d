"""The main window: the conversation, the voice bar, the text box, and the menus that open the
settings dialog and the fine-tuning wizard.

The window never calls a model: it sends ``app.voice.events`` commands with
``session.submit`` and redraws from the session's events, which the bridge delivers on the
GUI thread. It opens in a "loading models" state; what is typed meanwhile is shown and
answered once the session is ready. Shortcuts: Ctrl+M talk, Esc stop, Ctrl+, settings,
Ctrl+Q quit.

The settings dialog and the wizard (with pyqtgraph, 0.4 s to import) are imported with this
module, before the window shows, so opening them never freezes the window on an import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QVBoxLayout, QWidget

from app.config import Config
from app.gui.background import BackgroundCall
from app.gui.bridge import SessionBridge
from app.gui.chat_view import Bubble, ChatView
from app.gui.frames import STYLE, footer, header, message_box
from app.gui.language_prep import prepare_language_dialog
from app.gui.sessions import Session
from app.gui.settings_dialog import SettingsDialog
from app.gui.training_note import TrainingNote
from app.gui.turn_details import details_of
from app.gui.voice_bar import VoiceBar
from app.gui.wizard.wizard import FineTuneWizard
from app.voice import events as ev
from dialogue.reply import join_pieces

log = logging.getLogger(__name__)

PLACEHOLDER_READY = "Type a message and press Enter…"
PLACEHOLDER_LOADING = f"{PLACEHOLDER_READY} (models are loading)"


class MainWindow(QMainWindow):
    """One conversation with one session; owns the bridge, not the session's lifetime."""

    def __init__(
        self,
        session: Session,
        config: Config | None = None,
        make_session: Callable[[Config], Session] | None = None,
    ) -> None:
        """``make_session``: how to start a session on new settings (None: keep this one)."""
        super().__init__()
        self.session = session
        self.config = config or Config()
        self.make_session = make_session
        self.bridge = self._new_bridge()
        self.closing_sessions: list[BackgroundCall] = []
        self.replies: dict[int, tuple[Bubble, list[str]]] = {}  # turn id -> bubble, sentences
        self.hearing: dict[int, Bubble] = {}  # turn id -> the words heard so far
        self.errors: list[str] = []
        self.ready: ev.Ready | None = None
        self.stopped = False
        self.open_dialogs: list[QWidget] = []
        self.setWindowTitle("Wenda 问答")
        self.resize(760, 720)
        self.setStyleSheet(STYLE)
        self._build()
        self._menus()
        QShortcut(QKeySequence("Ctrl+M"), self, self.voice.toggle_listening)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop_speaking)

    def _build(self) -> None:
        self.training_note = TrainingNote(lambda: self.config)  # while tuned models train
        self.chat = ChatView()
        self.voice = VoiceBar()
        self.voice.listen_requested.connect(lambda _hf: self.session.submit(ev.Mute(False)))
        self.voice.listen_stopped.connect(lambda: self.session.submit(ev.Mute(True)))
        self.voice.finish_requested.connect(lambda: self.session.submit(ev.FinishUtterance()))
        self.voice.stop_clicked.connect(self.stop_speaking)
        self.voice.speak.setChecked(self.config.tts.enabled)
        self.voice.speak_toggled.connect(lambda on: self.session.submit(ev.SpeakReplies(on)))
        self.input, self.send = message_box()
        self.input.setPlaceholderText(PLACEHOLDER_LOADING)
        self.input.returnPressed.connect(self.send_typed)
        self.send.clicked.connect(self.send_typed)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(header(self.config.general.language, self.training_note))
        column.addWidget(self.chat, 1)
        column.addWidget(footer(self.voice, self.input, self.send))
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
        """Typed chat always works: before the models are loaded the turn waits for them."""
        text = self.input.text().strip()
        if not text:
            return
        self.input.clear()
        self.chat.add_user(text)
        self.session.submit(ev.TypedText(text))

    def stop_speaking(self) -> None:
        """Barge-in by click (or Esc): the session stops playback and generation."""
        self.session.submit(ev.Interrupt())

    def forget_me(self) -> None:
        answer = QMessageBox.question(
            self, "Forget me", "Delete your conversation history and profile from this computer?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.submit(ev.ForgetMe())
            self.chat.clear()
            self.replies.clear()
            self.hearing.clear()

    def _new_bridge(self) -> SessionBridge:
        bridge = SessionBridge(self)
        # Queued even from the GUI thread: events are handled in the order they were posted.
        bridge.arrived.connect(self.on_event, Qt.ConnectionType.QueuedConnection)
        return bridge

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.config, on_forget=self.forget_me, parent=self)
        if dialog.exec() and dialog.saved_config is not None:
            self.apply_config(dialog.saved_config)

    def apply_config(self, config: Config) -> None:
        """New settings take effect now: a new session loads on them (the window shows
        "loading" meanwhile) while the old one shuts down in the background."""
        changed = config != self.config
        if config.general.language != self.config.general.language:  # first use: prepare it
            prepare_language_dialog(config, config.general.language, self)
        self.config = config
        if changed:
            self.reload_session()

    def reload_session(self) -> None:
        """A new session on the current settings and active models (after the wizard
        activated a model, or the settings changed)."""
        if self.make_session is None:
            return
        config = self.config
        old, old_bridge = self.session, self.bridge
        old_bridge.arrived.disconnect(self.on_event)  # its last events are of no interest now
        closing = BackgroundCall(old.close, lambda _: self._closed(closing), parent=self)
        self.closing_sessions.append(closing.start())
        self.session, self.bridge = self.make_session(config), self._new_bridge()
        self.ready, self.stopped = None, False
        self.voice.microphone_changed(False)
        self.voice.set_ready(False, "loading")
        self.voice.set_state("loading")
        self.input.setPlaceholderText(PLACEHOLDER_LOADING)
        self.session.start(self.bridge.post)

    def _closed(self, call: BackgroundCall) -> None:
        if call in self.closing_sessions:
            self.closing_sessions.remove(call)

    def open_wizard(self) -> None:
        wizard = FineTuneWizard(self.config, parent=self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialogs.append(wizard)
        wizard.destroyed.connect(lambda: self.open_dialogs.remove(wizard))
        wizard.activated.connect(self.reload_session)
        wizard.show()

    # ---- session events (GUI thread) ----

    def on_event(self, event: object) -> None:
        handler = self._handlers().get(type(event))
        if handler is not None:
            handler(event)

    def _handlers(self) -> dict[type, Callable[[Any], None]]:
        return {
            ev.Ready: self._on_ready,
            ev.MicrophoneChanged: lambda e: self.voice.microphone_changed(e.open),
            ev.Listening: lambda e: self._idle(),
            ev.SpeechStarted: lambda e: self.voice.set_state("hearing"),
            ev.InputLevel: lambda e: self.voice.set_level(e.level),
            ev.Transcript: self._on_transcript,
            ev.Thinking: lambda e: self.voice.set_state("thinking"),
            ev.ReplyText: self._on_reply,
            ev.Speaking: lambda e: self.voice.set_state("speaking"),
            ev.TurnDone: self._on_turn_done,
            ev.Error: self._on_error,
            ev.Stopped: self._on_stopped,
        }

    def _idle(self) -> None:
        if self.ready is not None and not self.stopped:
            self.voice.set_state("listening" if self.voice.listening else "idle")

    def _on_ready(self, event: ev.Ready) -> None:
        self.ready = event
        self.voice.set_ready(event.voice, event.reason)
        self.input.setPlaceholderText(PLACEHOLDER_READY)
        if not event.voice and event.reason:
            self.chat.add_error(f"{event.reason[:1].upper()}{event.reason[1:]}. Typing works.")

    def _on_transcript(self, event: ev.Transcript) -> None:
        """Words so far fill the turn's pale bubble; the final transcript settles it."""
        if event.typed:
            return  # the window showed it when it was sent
        self.voice.set_transcript(event.text)
        hearing = self.hearing.pop(event.turn_id, None)
        if event.partial:
            if hearing is None:
                hearing = self.chat.add_hearing(event.text)
            else:
                hearing.set_text(event.text)
            self.hearing[event.turn_id] = hearing
        elif not event.text.strip():
            if hearing is not None:
                self.chat.remove(hearing)
        elif hearing is not None:
            self.chat.settle(hearing, event.text)
        else:
            self.chat.add_user(event.text, spoken=True)

    def _on_reply(self, event: ev.ReplyText) -> None:
        """Sentences of one turn accumulate in one bubble."""
        if event.turn_id not in self.replies:
            self.replies[event.turn_id] = (self.chat.add_wenda(event.text), [event.text])
            return
        bubble, sentences = self.replies[event.turn_id]
        sentences.append(event.text)
        bubble.set_text(join_pieces(sentences, self.config.general.language))

    def _on_turn_done(self, event: ev.TurnDone) -> None:
        hearing = self.hearing.pop(event.turn_id, None)
        if hearing is not None:  # cut before its final transcript (the user went on)
            self.chat.remove(hearing)
        entry = self.replies.pop(event.turn_id, None)
        bubble = entry[0] if entry else None
        if bubble is None and event.reply:
            bubble = self.chat.add_wenda(event.reply)
        if bubble is not None:
            bubble.set_turn(details_of(event), show=self.chat.show_details)
        self.voice.set_transcript("")
        self._idle()

    def _on_error(self, event: ev.Error) -> None:
        self.errors.append(event.message)
        self.chat.add_error(event.message)
        self._idle()

    def _on_stopped(self, event: ev.Stopped) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.voice.set_ready(False, event.reason)
        self.voice.set_state("error")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        for dialog in list(self.open_dialogs):
            dialog.close()
        super().closeEvent(event)
