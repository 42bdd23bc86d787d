"""The window driven like a user would: typed turns, details on demand, stop, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.config import Config
from app.gui.main_window import MainWindow
from app.gui.session_api import (
    InputLevel,
    Listening,
    ReplyText,
    SpeechStarted,
    Transcript,
    TurnDone,
)
from app.gui.text_session import TextSession
from tests.app.gui.fakes import FakeDialogue

pytestmark = pytest.mark.gui


@pytest.fixture
def dialogue() -> FakeDialogue:
    return FakeDialogue()


@pytest.fixture
def window(qtbot, dialogue: FakeDialogue) -> Iterator[MainWindow]:
    session = TextSession(lambda: dialogue, "no microphone in this test")
    win = MainWindow(session, Config())
    qtbot.addWidget(win)
    session.start(win.bridge.post)
    win.show()
    yield win
    win.close()
    session.close()


def _type(qtbot, win: MainWindow, text: str) -> None:
    qtbot.keyClicks(win.input, text)
    qtbot.keyClick(win.input, Qt.Key.Key_Return)


def texts(win: MainWindow) -> list[tuple[str, str]]:
    return [(b.property("role"), b.text()) for b in win.chat.bubbles]


def test_typed_conversation(qtbot, window: MainWindow) -> None:
    _type(qtbot, window, "where is my order 12345")
    qtbot.waitUntil(
        lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None, timeout=5000
    )
    assert texts(window) == [
        ("user", "where is my order 12345"),
        ("wenda", "Your order 12345 has shipped. It arrives on Tuesday."),
    ]
    assert window.input.text() == ""
    assert window.voice.state == "idle"
    reply = window.chat.bubbles[-1]
    assert not reply.details_label.isVisible()
    qtbot.mouseClick(reply.toggle, Qt.MouseButton.LeftButton)
    assert reply.details_label.isVisible()
    assert "check_order_status (97%)" in reply.details_label.text()
    assert "faq:shipping-times" in reply.details_label.text()
    assert "12 ms" in reply.details_label.text()
    _type(qtbot, window, "thanks")
    qtbot.waitUntil(
        lambda: len(window.chat.bubbles) == 4 and window.chat.bubbles[-1].turn is not None,
        timeout=5000,
    )
    window.details_action.setChecked(True)
    assert all(b.details_label.isVisible() for b in window.chat.bubbles if b.turn)


def test_stop_button_interrupts_a_reply(qtbot, window: MainWindow) -> None:
    _type(qtbot, window, "slow please")
    qtbot.waitUntil(lambda: window.voice.stop.isEnabled(), timeout=5000)
    qtbot.mouseClick(window.voice.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None, timeout=5000
    )
    turn = window.chat.bubbles[-1].turn
    assert turn.interrupted and len(turn.reply.split()) < 200
    assert "interrupted" in window.chat.bubbles[-1].details_label.text()


def test_errors_are_messages_and_chat_goes_on(qtbot, window: MainWindow) -> None:
    _type(qtbot, window, "boom")
    qtbot.waitUntil(lambda: bool(window.errors), timeout=5000)
    assert "knowledge base is unreadable" in window.errors[0]
    assert window.chat.bubbles[-1].property("role") == "error"
    _type(qtbot, window, "hello")
    qtbot.waitUntil(
        lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None, timeout=5000
    )


def test_microphone_without_voice_says_so(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(window.errors), timeout=5000)
    assert "no microphone in this test" in window.errors[0]
    qtbot.waitUntil(lambda: not window.voice.listening, timeout=2000)


def test_voice_events_drive_the_voice_bar(qtbot, window: MainWindow) -> None:
    """What a spoken turn looks like: level, transcript, states, reply, details."""
    bar = window.voice
    qtbot.mouseClick(bar.mode, Qt.MouseButton.LeftButton)
    bar.mode.setCurrentIndex(1)  # hands-free
    for event in (Listening(True), SpeechStarted(), InputLevel(0.6), Transcript("hello", False)):
        window.bridge.post(event)
    qtbot.waitUntil(lambda: bar.level.value() == 60, timeout=2000)
    assert bar.state == "hearing" and bar.transcript.text() == "hello"
    window.bridge.post(Transcript("hello there", True))
    window.bridge.post(ReplyText("Hi!", False))
    window.bridge.post(TurnDone("hello there", "Hi!", "greet", 0.9, (), 850.0))
    qtbot.waitUntil(
        lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None, timeout=2000
    )
    assert texts(window)[-2:] == [("user", "hello there"), ("wenda", "Hi!")]
    assert "850 ms" in window.chat.bubbles[-1].details_label.text()


def test_forget_me_reaches_the_dialogue_memory(
    qtbot, window: MainWindow, dialogue, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.forget_me()
    qtbot.waitUntil(lambda: dialogue.forgotten == 1, timeout=3000)
