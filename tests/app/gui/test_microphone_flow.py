"""The microphone flow on the PulseAudio virtual microphone: the mic button opens it, the
level meter moves, the real VAD and Whisper turn the spoken question into the user's bubble,
the reply is shown and spoken, and the event loop never stalls for long meanwhile."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.config import Config
from app.gui.main_window import MainWindow
from app.gui.session_api import InputLevel
from app.gui.stall_probe import StallProbe
from app.gui.voice_adapter import LevelTap, VoiceAdapter
from tests.app.gui import pulse

pytestmark = [pytest.mark.gui, pytest.mark.audio, pytest.mark.slow]


class ScriptedConversation:
    """The dialogue is not what this test is about: a fixed reply, after the real ASR."""

    def __init__(self) -> None:
        self.heard_text = ""

    def respond(self, text: str, stop: threading.Event) -> Iterator[object]:
        from app.voice.engines import ReplyInfo

        yield "Your order has shipped."
        yield ReplyInfo("check_order_status", "template", {"confidence": 0.93})

    def heard(self, text: str) -> None:
        self.heard_text = text


def _voice_session(config: Config, on_event):
    """The session exactly as the app assembles it, with the scripted dialogue."""
    from app.voice import build
    from app.voice.devices import QueueSpeaker, TimedMicrophone
    from app.voice.session import VoiceSession

    microphone = LevelTap(TimedMicrophone(""), lambda level: on_event(InputLevel(level)))
    speaker = QueueSpeaker("")
    options = build.TalkOptions(language="en", asr_model="tiny.en")
    engines = build.load_engines(config, options, microphone, speaker)
    session = VoiceSession(engines, build.voice_settings(config, "en"), on_event)
    session.close_devices = speaker.close
    return session


@pytest.fixture
def audio_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if not pulse.available() or not shutil.which("espeak-ng"):
        pytest.skip("needs pulseaudio, pulseaudio-utils and espeak-ng")
    with pulse.virtual_audio(tmp_path) as env:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        import sounddevice as sd

        sd._terminate()  # PortAudio must see this server, not the one it found at import
        sd._initialize()
        yield env


def test_spoken_question_through_the_window(
    qtbot, tmp_path: Path, audio_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.voice import build

    monkeypatch.setattr(build, "_load_dialogue", lambda *a: ScriptedConversation())
    wav = tmp_path / "question.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), "Where is my order?"], check=True)
    config = Config()
    adapter = VoiceAdapter(lambda on_event: _voice_session(config, on_event))
    window = MainWindow(adapter, config)
    qtbot.addWidget(window)
    levels: list[float] = []
    window.bridge.event.connect(
        lambda e: levels.append(e.level) if isinstance(e, InputLevel) else None
    )
    adapter.start(window.bridge.post)
    window.show()
    qtbot.waitUntil(lambda: adapter.voice is not None, timeout=60000)
    probe = StallProbe()
    probe.start()
    window.voice.mode.setCurrentIndex(1)  # hands-free
    qtbot.mouseClick(window.voice.mic, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.voice.state == "listening", timeout=5000)
    player = pulse.play_into_microphone(wav, audio_env)
    try:
        qtbot.waitUntil(
            lambda: any(b.property("role") == "user" for b in window.chat.bubbles), timeout=60000
        )
        qtbot.waitUntil(
            lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None,
            timeout=30000,
        )
    finally:
        print(
            "levels seen:",
            len(levels),
            max(levels, default=0),
            "errors:",
            window.errors,
            "state:",
            window.voice.state,
            "bubbles:",
            [b.text() for b in window.chat.bubbles],
        )
        player.wait(10)
        stats = probe.stop()
        window.close()
        adapter.close()
    user = next(b for b in window.chat.bubbles if b.property("role") == "user")
    assert "order" in user.text().lower()
    reply = window.chat.bubbles[-1]
    assert reply.text() == "Your order has shipped."
    assert reply.turn is not None and reply.turn.intent == "check_order_status"
    assert max(levels) > 0.3  # the meter moved while the question was spoken
    assert not window.errors
    print(f"recognition: longest event-loop stall {stats.max_ms:.1f} ms over {stats.seconds:.1f} s")
