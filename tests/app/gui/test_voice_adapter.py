"""The adapter between the window's contract and the voice session: commands become voice
commands, sentences accumulate into the reply, push-to-talk takes one utterance, and a
session that dies on an error hands typed chat to the fallback."""

from __future__ import annotations

import numpy as np

from app.gui import session_api as gui
from app.gui.voice_adapter import LevelTap, VoiceAdapter, level_of
from app.voice import events as ev
from app.voice.latency import TurnTimes


class FakeVoice:
    def __init__(self, on_event) -> None:
        self.on_event = on_event
        self.commands: list[object] = []
        self.settings = type("S", (), {"language": "en"})()

    def start(self, listen: bool = False) -> None:
        pass

    def submit(self, command: object) -> None:
        self.commands.append(command)

    def wait(self, timeout: float | None = None) -> bool:
        return True


class FakeFallback:
    def __init__(self) -> None:
        self.commands: list[object] = []

    def start(self, on_event) -> None:
        self.on_event = on_event

    def submit(self, command: object) -> None:
        self.commands.append(command)

    def close(self) -> None:
        pass


def _adapter():
    events: list[object] = []
    voices: list[FakeVoice] = []
    fallback = FakeFallback()

    def make(on_event):
        voices.append(FakeVoice(on_event))
        return voices[-1]

    adapter = VoiceAdapter(make, fallback=lambda: fallback)
    adapter.start(events.append)
    for _ in range(200):
        if adapter.voice is not None:
            break
        import time

        time.sleep(0.01)
    return adapter, voices[0], events, fallback


def test_commands_map_to_voice_commands() -> None:
    adapter, voice, events, _ = _adapter()
    adapter.submit(gui.SendText("hi"))
    adapter.submit(gui.StartListening(hands_free=True))
    adapter.submit(gui.Interrupt())
    adapter.submit(gui.StopListening())
    assert voice.commands == [
        ev.Mute(True),
        ev.Start(),
        ev.TypedText("hi"),
        ev.Mute(False),
        ev.Interrupt(),
        ev.Mute(True),
    ]
    assert events == [gui.Listening(True), gui.Listening(False)]


def test_events_map_and_sentences_accumulate() -> None:
    adapter, voice, events, _ = _adapter()
    adapter.submit(gui.StartListening(hands_free=False))  # push-to-talk
    events.clear()
    times = TurnTimes(
        speech_end_s=10.0, transcript_s=10.3, first_sentence_s=10.4, first_audio_s=10.8, done_s=12.0
    )
    for event in (
        ev.SpeechStarted(1, 9.0),
        ev.Transcript(1, "where is my order"),
        ev.Thinking(1),
        ev.ReplyText(1, 0, "It shipped."),
        ev.ReplyText(1, 1, "Soon."),
        ev.TurnDone(
            1,
            "where is my order",
            "It shipped. Soon.",
            "It shipped. Soon.",
            "check_order_status",
            "kb",
            False,
            times,
            {"confidence": 0.9},
        ),
        ev.Error(2, "asr", "boom"),
        ev.Transcript(3, "typed", typed=True),
    ):
        voice.on_event(event)
    done = next(e for e in events if isinstance(e, gui.TurnDone))
    assert gui.Transcript("where is my order", True) in events
    assert gui.Listening(False) in events and voice.commands[-1] == ev.Mute(True)  # one utterance
    assert [e.text for e in events if isinstance(e, gui.ReplyText)] == [
        "It shipped.",
        "It shipped. Soon.",
    ]
    assert done.latency_ms is not None and abs(done.latency_ms - 800) < 1e-6
    assert (done.intent, done.sources, done.confidence) == ("check_order_status", ("kb",), 0.9)
    assert gui.ErrorEvent("asr: boom") in events
    assert not any(isinstance(e, gui.Transcript) and e.text == "typed" for e in events)


def test_session_end_hands_over_to_typed_chat() -> None:
    adapter, voice, events, fallback = _adapter()
    voice.on_event(ev.Stopped("error: no microphone"))
    adapter.submit(gui.SendText("still there?"))
    assert fallback.commands == [gui.SendText("still there?")]
    assert any(
        isinstance(e, gui.ErrorEvent) and "Typed chat still works" in e.message for e in events
    )


def test_level_tap_passes_blocks_and_reports_levels() -> None:
    block = type("B", (), {"samples": np.full(512, 0.1, dtype=np.float32)})()
    mic = type(
        "M",
        (),
        {"read": lambda self: block, "start": lambda self: None, "close": lambda self: None},
    )()
    levels: list[float] = []
    tap = LevelTap(mic, levels.append)
    assert tap.read() is block
    assert levels == [level_of(block.samples)] and 0.6 < levels[0] < 0.7  # -20 dBFS
    assert level_of(np.zeros(0, dtype=np.float32)) == 0.0
