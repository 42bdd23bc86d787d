"""The window driven like a user would, on the real session with fake engines: typed turns,
details on demand, stop, errors, push-to-talk with the level meter, speak on/off, forget me."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.config import Config
from app.gui.main_window import MainWindow
from app.voice import events as ev
from app.voice.latency import TurnTimes
from tests.fakes.session import SHIPPED, FakeConversation, FakeVoice, typed_host
from tests.fakes.speech import utterance

pytestmark = pytest.mark.gui


@pytest.fixture
def conversation() -> FakeConversation:
    return FakeConversation()


def _open(qtbot, session) -> MainWindow:
    win = MainWindow(session, Config())
    qtbot.addWidget(win)
    win.show()
    session.start(win.bridge.post)
    qtbot.waitUntil(lambda: win.ready is not None, timeout=10000)
    return win


@pytest.fixture
def window(qtbot, conversation: FakeConversation) -> Iterator[MainWindow]:
    session = typed_host(conversation)
    win = _open(qtbot, session)
    yield win
    win.close()
    session.close()


@pytest.fixture
def fake_voice(conversation: FakeConversation) -> FakeVoice:
    return FakeVoice(conversation)


@pytest.fixture
def voice_window(qtbot, fake_voice: FakeVoice) -> Iterator[MainWindow]:
    session = fake_voice.host()
    win = _open(qtbot, session)
    yield win
    win.close()
    session.close()


def _type(qtbot, win: MainWindow, text: str) -> None:
    qtbot.keyClicks(win.input, text)
    qtbot.keyClick(win.input, Qt.Key.Key_Return)


def texts(win: MainWindow) -> list[tuple[str, str]]:
    return [(b.property("role"), b.text()) for b in win.chat.bubbles]


def _turn_done(win: MainWindow, bubbles: int) -> bool:
    return len(win.chat.bubbles) >= bubbles and win.chat.bubbles[-1].turn is not None


def test_window_opens_loading_then_ready(qtbot, conversation: FakeConversation) -> None:
    session = typed_host(conversation)
    win = MainWindow(session, Config())
    qtbot.addWidget(win)
    win.show()
    assert win.voice.state == "loading" and not win.voice.mic.isEnabled()
    assert win.input.isEnabled()  # typing works while the models load
    _type(qtbot, win, "where is my order 12345")  # sent before the session even started
    session.start(win.bridge.post)
    qtbot.waitUntil(lambda: _turn_done(win, 3), timeout=5000)
    assert win.voice.state == "idle" and not win.voice.mic.isEnabled()  # typed chat only
    assert texts(win)[0] == ("user", "where is my order 12345")
    assert "no microphone in this test" in texts(win)[1][1]  # why voice is off, said once
    assert texts(win)[2] == ("wenda", SHIPPED)
    win.close()
    session.close()


def test_typed_conversation(qtbot, window: MainWindow) -> None:
    start = len(window.chat.bubbles)
    _type(qtbot, window, "where is my order 12345")
    qtbot.waitUntil(lambda: _turn_done(window, start + 2), timeout=5000)
    assert texts(window)[start:] == [("user", "where is my order 12345"), ("wenda", SHIPPED)]
    assert window.input.text() == ""
    assert window.voice.state == "idle"
    reply = window.chat.bubbles[-1]
    assert not reply.details_label.isVisible()
    qtbot.mouseClick(reply.toggle, Qt.MouseButton.LeftButton)
    assert reply.details_label.isVisible()
    assert "check_order_status (97%)" in reply.details_label.text()
    assert "faq:shipping-times" in reply.details_label.text()
    assert "latency:" in reply.details_label.text()
    _type(qtbot, window, "thanks")
    qtbot.waitUntil(lambda: _turn_done(window, start + 4), timeout=5000)
    window.details_action.setChecked(True)
    assert all(b.details_label.isVisible() for b in window.chat.bubbles if b.turn)


def test_stop_button_interrupts_a_reply(qtbot, window: MainWindow) -> None:
    _type(qtbot, window, "slow please")
    qtbot.waitUntil(lambda: window.voice.stop.isEnabled(), timeout=5000)
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].property("role") == "wenda", timeout=5000)
    qtbot.mouseClick(window.voice.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=5000)
    turn = window.chat.bubbles[-1].turn
    assert turn.interrupted and len(turn.reply.split()) < 200
    assert "interrupted" in window.chat.bubbles[-1].details_label.text()


def test_errors_are_messages_and_chat_goes_on(qtbot, window: MainWindow) -> None:
    _type(qtbot, window, "boom")
    qtbot.waitUntil(lambda: bool(window.errors), timeout=5000)
    assert "knowledge base is unreadable" in window.errors[0]
    assert window.chat.bubbles[-1].property("role") == "error"
    _type(qtbot, window, "hello")
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=5000)


def test_microphone_without_voice_says_so(qtbot, window: MainWindow) -> None:
    window.voice.set_ready(True)  # as if the button were on: the session still refuses
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(window.errors), timeout=5000)
    assert "no microphone in this test" in window.errors[0]
    qtbot.waitUntil(lambda: not window.voice.listening, timeout=2000)


def test_push_to_talk_release_ends_the_utterance(
    qtbot, voice_window: MainWindow, fake_voice: FakeVoice
) -> None:
    """Hold the button, speak; the meter moves; releasing mid-sentence makes what was heard
    the utterance at once (no end-of-speech silence: the microphone closes on release)."""
    bar = voice_window.voice
    levels: list[float] = []
    voice_window.bridge.arrived.connect(
        lambda e: levels.append(e.level) if isinstance(e, ev.InputLevel) else None
    )
    assert bar.mic.isEnabled() and not bar.hands_free
    qtbot.mousePress(bar.mic, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.state == "listening", timeout=3000)
    fake_voice.microphone.say(utterance(0, seconds=3.0))
    qtbot.waitUntil(lambda: bar.state == "hearing", timeout=3000)
    qtbot.waitUntil(lambda: bar.level.value() > 50, timeout=3000)
    qtbot.wait(500)
    qtbot.mouseRelease(bar.mic, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _turn_done(voice_window, 2), timeout=5000)
    assert texts(voice_window)[-2:] == [("user", "where is my order"), ("wenda", SHIPPED)]
    assert max(levels) > 0.5 and not bar.listening and bar.level.value() == 0
    assert fake_voice.speaker.blocks  # the reply was spoken


def test_speak_replies_off_shows_without_speaking(
    qtbot, voice_window: MainWindow, fake_voice: FakeVoice
) -> None:
    qtbot.mouseClick(voice_window.voice.speak, Qt.MouseButton.LeftButton)
    assert not voice_window.voice.speak.isChecked()
    _type(qtbot, voice_window, "where is my order 12345")
    qtbot.waitUntil(lambda: _turn_done(voice_window, 2), timeout=5000)
    assert voice_window.chat.bubbles[-1].text() == SHIPPED
    assert not fake_voice.speaker.blocks
    qtbot.mouseClick(voice_window.voice.speak, Qt.MouseButton.LeftButton)
    _type(qtbot, voice_window, "again please")
    qtbot.waitUntil(lambda: _turn_done(voice_window, 4), timeout=5000)
    assert fake_voice.speaker.blocks


def test_voice_events_drive_the_voice_bar(qtbot, window: MainWindow) -> None:
    """What a spoken turn looks like: level, transcript, states, reply, details."""
    bar = window.voice
    times = TurnTimes(speech_end_s=10.0, transcript_s=10.3, first_sentence_s=10.4,
                      first_audio_s=10.85, done_s=12.0)  # fmt: skip
    for event in (ev.SpeechStarted(at_s=9.0, turn_id=7), ev.InputLevel(0.6)):
        window.bridge.post(event)
    qtbot.waitUntil(lambda: bar.level.value() == 60, timeout=2000)
    assert bar.state == "hearing"
    for event in (
        ev.Transcript("hello there", "en", turn_id=7),
        ev.Thinking(7),
        ev.ReplyText(7, 0, "Hi!"),
        ev.ReplyText(7, 1, "How can I help?"),
        ev.TurnDone(7, "hello there", "Hi! How can I help?", "", "greet", "template", False,
                    times, {"confidence": 0.9}),
    ):  # fmt: skip
        window.bridge.post(event)
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=2000)
    assert texts(window)[-2:] == [("user", "hello there"), ("wenda", "Hi! How can I help?")]
    assert "850 ms" in window.chat.bubbles[-1].details_label.text()
    assert bar.state == "idle" and bar.transcript.text() == ""


def test_forget_me_reaches_the_dialogue_memory(
    qtbot, window: MainWindow, conversation: FakeConversation, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    _type(qtbot, window, "where is my order 12345")
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=5000)
    window.forget_me()
    qtbot.waitUntil(lambda: conversation.forgotten == 1, timeout=3000)
    assert not window.chat.bubbles


class UnpluggedMicrophone:
    """A microphone that fails when opened (unplugged, taken by another program)."""

    def start(self) -> None:
        raise OSError("the input device went away")

    def read(self) -> None:
        return None

    def close(self) -> None:
        pass


def test_voice_failure_hands_over_to_typed_chat(qtbot, conversation: FakeConversation) -> None:
    fake = FakeVoice(conversation)
    fake.microphone = UnpluggedMicrophone()  # type: ignore[assignment]
    session = fake.host()
    win = _open(qtbot, session)
    qtbot.waitUntil(lambda: win.ready is not None and not win.ready.voice, timeout=5000)
    assert any("input device went away" in e for e in win.errors)
    assert not win.voice.mic.isEnabled()
    _type(qtbot, win, "where is my order 12345")
    qtbot.waitUntil(lambda: win.chat.bubbles[-1].turn is not None, timeout=5000)
    assert win.chat.bubbles[-1].text() == SHIPPED
    win.close()
    session.close()


def test_new_settings_start_a_new_session(qtbot, conversation: FakeConversation) -> None:
    import dataclasses

    second = FakeConversation()
    configs: list[Config] = []

    def make_session(config: Config):
        configs.append(config)
        return typed_host(second)

    first = typed_host(conversation)
    win = MainWindow(first, Config(), make_session=make_session)
    qtbot.addWidget(win)
    win.show()
    first.start(win.bridge.post)
    qtbot.waitUntil(lambda: win.ready is not None, timeout=5000)
    win.apply_config(win.config)  # nothing changed: the session stays
    assert win.session is first and not configs
    new = dataclasses.replace(win.config, tts=dataclasses.replace(win.config.tts, enabled=False))
    win.apply_config(new)
    assert configs == [new] and win.session is not first
    qtbot.waitUntil(lambda: win.ready is not None and not win.closing_sessions, timeout=10000)
    assert first.session.wait(0)  # the old session has ended
    _type(qtbot, win, "where is my order 12345")
    qtbot.waitUntil(lambda: win.chat.bubbles[-1].turn is not None, timeout=5000)
    assert second.said == ["where is my order 12345"] and not conversation.said
    assert not win.stopped  # the old session's Stopped did not reach the window
    win.close()
    win.session.close()


def test_a_model_activated_in_the_wizard_reloads_the_session(
    qtbot, conversation: FakeConversation
) -> None:
    made: list[object] = []

    def make_session(config: Config):
        made.append(typed_host(FakeConversation()))
        return made[-1]

    first = typed_host(conversation)
    win = MainWindow(first, Config(), make_session=make_session)
    qtbot.addWidget(win)
    win.show()
    first.start(win.bridge.post)
    win.open_wizard()
    wizard = win.open_dialogs[-1]
    wizard.activated.emit()  # what Finish does after "activate" on the report page
    assert made and win.session is made[0]
    qtbot.waitUntil(lambda: win.ready is not None and not win.closing_sessions, timeout=10000)
    wizard.close()
    win.close()
    win.session.close()
