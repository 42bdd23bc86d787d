"""Stand-ins for the dialogue and the voice engines, so window tests run in milliseconds.

The window always talks to the real session (``app.gui.sessions.SessionHost`` over the real
``VoiceSession``); only the engines behind it are fakes. The module-level ``*_host``
functions are picklable session factories for ``SessionProcess``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from app.config import Config
from app.gui.sessions import SessionHost
from app.voice.engines import Engines, ReplyInfo
from tests.fakes.speech import FakeMicrophone, FakeRecognizer, FakeSpeaker, FakeSynthesizer, FakeVad

SHIPPED = "Your order 12345 has shipped. It arrives on Tuesday."


class FakeConversation:
    """Replies in two sentences; "slow" replies stream word by word so a test can stop them;
    "boom" fails like a broken knowledge base."""

    def __init__(self) -> None:
        self.forgotten = 0
        self.said: list[str] = []

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        self.said.append(text)
        if text == "boom":
            raise RuntimeError("the knowledge base is unreadable")
        if text.startswith("slow"):
            for i in range(200):
                if stop.wait(0.02):
                    break
                yield f"word{i} "
        else:
            yield SHIPPED
        extra = {"confidence": 0.97, "sources": ["faq:shipping-times"]}
        yield ReplyInfo("check_order_status", "kb", extra)

    def heard(self, text: str) -> None:
        pass

    def forget(self) -> int:
        self.forgotten += 1
        return 0


def no_voice(config: Config, on_event: Any) -> Any:
    raise RuntimeError("no microphone in this test")


def typed_host(conversation: FakeConversation | None = None) -> SessionHost:
    """Typed chat only (voice fails to load), on a fake dialogue."""
    conversation = conversation or FakeConversation()
    return SessionHost(Config(), no_voice, lambda config: conversation)


class FakeVoice:
    """Voice engines that need no models: the microphone plays coded square waves
    (``tests/fakes/speech.py``), recognised back as the texts in ``TEXTS``."""

    TEXTS = {0: "where is my order"}

    def __init__(self, conversation: FakeConversation | None = None) -> None:
        self.microphone = FakeMicrophone()
        self.synthesizer = FakeSynthesizer()
        self.speaker = FakeSpeaker(self.synthesizer.text_of)
        self.conversation = conversation or FakeConversation()

    def build(self, config: Config, on_event: Any) -> Any:
        from app.voice.session import VoiceSession
        from app.voice.settings import VoiceSettings
        from speech.sentences import SentenceAggregator

        engines = Engines(
            microphone=self.microphone,
            speaker=self.speaker,
            vad=FakeVad(),
            recognizer=FakeRecognizer(codes=self.TEXTS),
            synthesizer=self.synthesizer,
            conversation=self.conversation,
            sentences=SentenceAggregator,
        )
        return VoiceSession(engines, VoiceSettings(echo=None), on_event, input_level=True)

    def host(self) -> SessionHost:
        return SessionHost(Config(), self.build, lambda config: self.conversation)


class CrashingSession:
    """A session whose process dies while loading (out of memory, a crash in native code)."""

    def start(self, on_event: Any) -> None:
        import os

        os._exit(3)

    def submit(self, command: object) -> None:
        pass

    def close(self) -> None:
        pass


class SlowLoadingSession(CrashingSession):
    """A session whose models take a minute to load."""

    def start(self, on_event: Any) -> None:
        import time

        time.sleep(60)
