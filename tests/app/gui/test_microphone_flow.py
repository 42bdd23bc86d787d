"""The microphone flow on the PulseAudio virtual microphone, the way the app runs it: the
session in its own process loads the real VAD, Whisper and Piper while the window shows
"loading"; the mic button opens the microphone, the level meter moves, the spoken question
becomes the user's bubble, the reply is shown and spoken (captured from the virtual
speaker), a long sentence read by a person shows its words while it is being said, and the
window's event loop never stalls for long meanwhile.

Run with ``-s`` to see the stall numbers reported in BENCHMARKS.md."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.bench.virtual_audio import VirtualAudio, VirtualAudioError
from app.config import Config
from app.gui.main_window import MainWindow
from app.gui.session_process import SessionProcess
from app.gui.sessions import SessionHost, build_voice
from app.voice import events as ev
from tests.speech.recordings import POCKETSPHINX
from tests.tools.stall_probe import StallProbe

pytestmark = [pytest.mark.gui, pytest.mark.audio, pytest.mark.slow]
REPLY = "Your order has shipped."
LONG_SENTENCE = POCKETSPHINX / "librivox/sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s


class ScriptedConversation:
    """The dialogue is not what this test is about: a fixed reply, after the real ASR."""

    def respond(self, text: str, stop: threading.Event) -> Iterator[object]:
        from app.voice.engines import ReplyInfo

        yield REPLY
        yield ReplyInfo("check_order_status", "template", {"confidence": 0.93})

    def heard(self, text: str) -> None:
        pass

    def expectation(self) -> None:
        """No question open: the recogniser hears a free question."""
        return None


def _scripted_voice(config: Config, on_event: Any) -> Any:
    """The app's own voice session (real devices and speech models), scripted dialogue."""
    from app.voice import build

    build._load_dialogue = lambda *a: ScriptedConversation()  # in the session process only
    return build_voice(config, on_event)


def scripted_voice_host() -> SessionHost:
    """Runs in the session process (picklable: a module-level function)."""
    return SessionHost(Config(), _scripted_voice, lambda c: ScriptedConversation())


@pytest.fixture
def audio_env() -> Iterator[VirtualAudio]:
    """The private PulseAudio server; it sets this process's environment, which the
    session process inherits."""
    if not shutil.which("espeak-ng"):
        pytest.skip("needs espeak-ng")
    audio = VirtualAudio()
    try:
        audio.__enter__()
    except VirtualAudioError as e:
        pytest.skip(str(e))
    try:
        yield audio
    finally:
        audio.__exit__(None, None, None)


def report(phase: str, probe: StallProbe) -> None:
    stats = probe.stop()
    print(
        f"\nSTALL {phase}: max {stats.max_ms:.1f} ms, p99 {stats.p99_ms:.1f} ms, "
        f"{stats.ticks} ticks over {stats.seconds:.1f} s"
    )


def test_spoken_question_through_the_window(qtbot, tmp_path: Path, audio_env) -> None:
    wav = tmp_path / "question.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), "Where is my order?"], check=True)
    played = tmp_path / "played.wav"
    session = SessionProcess(scripted_voice_host)
    window = MainWindow(session, Config())
    qtbot.addWidget(window)
    levels: list[float] = []
    window.bridge.arrived.connect(
        lambda e: levels.append(e.level) if isinstance(e, ev.InputLevel) else None
    )
    transcripts: list[ev.Transcript] = []
    window.bridge.arrived.connect(
        lambda e: transcripts.append(e) if isinstance(e, ev.Transcript) else None
    )
    window.show()
    probe = StallProbe()
    probe.start()
    session.start(window.bridge.post)
    assert window.voice.state == "loading"
    qtbot.waitUntil(lambda: window.ready is not None, timeout=180000)
    report("model load (VAD, Whisper tiny.en, Piper in the session process)", probe)
    assert window.ready.voice, window.errors
    recorder = subprocess.Popen(
        ["parecord", "--device=speaker.monitor", "--file-format=wav", str(played)]
    )
    probe.start()
    window.voice.mode.setCurrentIndex(1)  # hands-free
    qtbot.mouseClick(window.voice.mic, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.voice.state == "listening", timeout=5000)
    player = audio_env.say(wav)
    try:
        qtbot.waitUntil(
            lambda: any(b.property("role") == "user" for b in window.chat.bubbles), timeout=60000
        )
        qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=30000)
        qtbot.wait(1500)  # the reply is being played
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=10000)  # not blocking Qt
        hearing_seen = _say_a_long_sentence(qtbot, window, audio_env)
    finally:
        player.wait(10)
        report("recognition, reply and playback (session process)", probe)
        recorder.terminate()
        recorder.wait(5)
        window.close()
        session.close()
    user = next(b for b in window.chat.bubbles if b.property("role") == "user")
    assert "order" in user.text().lower()
    reply = window.chat.bubbles[-1]
    assert reply.text() == REPLY
    assert reply.turn is not None and reply.turn.intent == "check_order_status"
    assert max(levels) > 0.3  # the meter moved while the question was spoken
    assert not window.errors
    from speech.audio_file import load_audio

    heard = load_audio(str(played))
    assert heard.size and float(abs(heard).max()) > 0.05  # the reply came out of the speaker
    # The long sentence: words showed while it was said, and the final transcripts settled
    # them (no pale bubble left, each partial one turn's words so far, before its final).
    assert hearing_seen, [t.text for t in transcripts]
    print(f"\nWORDS SO FAR while the sentence played: {hearing_seen!r}")
    print(
        "TRANSCRIPTS: "
        + " | ".join(f"{t.turn_id}{'~' if t.partial else ''} {t.text}" for t in transcripts)
    )
    assert not [b for b in window.chat.bubbles if b.property("role") == "hearing"]
    finals = {t.turn_id: i for i, t in enumerate(transcripts) if not t.partial}
    for i, t in enumerate(transcripts):
        if t.partial:
            assert t.text and i < finals.get(t.turn_id, len(transcripts))
    said = " ".join(b.text().lower() for b in window.chat.bubbles if b.property("role") == "user")
    assert "dashwood" in said and "power" in said


def _say_a_long_sentence(qtbot: Any, window: MainWindow, audio: VirtualAudio) -> str:
    """Play a 7 s sentence into the microphone; what a pale bubble showed while it played."""
    player = audio.say(LONG_SENTENCE)
    seen = ""
    try:

        def hearing() -> bool:
            nonlocal seen
            pale = [b for b in window.chat.bubbles if b.property("role") == "hearing"]
            seen = pale[-1].text() if pale else seen
            return bool(seen)

        qtbot.waitUntil(hearing, timeout=6000)  # before the 7 s recording has ended
        assert player.poll() is None, "the words showed only after the sentence was over"
    finally:
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=15000)
    settled = lambda: window.chat.bubbles[-1].turn is not None  # noqa: E731
    qtbot.waitUntil(settled, timeout=60000)
    return seen
