"""Drive a real voice session on the virtual audio devices: say a recording, wait for the turn.

Used by ``wenda bench voice`` and the voice integration tests. The session runs exactly as
``wenda talk`` does (sounddevice microphone and speaker on PulseAudio); the driver only plays
files into the virtual microphone and waits on the session's events with a condition
variable, never by sleeping in a loop.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.session import VoiceSession
from app.voice.settings import VoiceSettings

log = logging.getLogger(__name__)


class MicrophoneFeed(Protocol):
    """Where the driver's recordings go in (a virtual microphone)."""

    def say(self, wav: Path) -> subprocess.Popen: ...


class DriverTimeout(Exception):
    """The session did not reach the awaited state in time."""


class VoiceDriver:
    """A started session plus everything it said, with the time each event arrived."""

    def __init__(self, audio: MicrophoneFeed, engines: Engines, settings: VoiceSettings) -> None:
        self.audio = audio
        self.events: list[tuple[float, Any]] = []
        self._cond = threading.Condition()
        self.session = VoiceSession(engines, settings, self._on_event)

    def _on_event(self, event: Any) -> None:
        with self._cond:
            self.events.append((time.monotonic(), event))
            self._cond.notify_all()

    def __enter__(self) -> VoiceDriver:
        self.session.start(listen=True)
        self.wait_for(lambda: bool(self.of(ev.Listening)), 30)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.session.wait(0):
            self.session.submit(ev.Stop())
        self.session.wait(30)

    def of(self, kind: type) -> list[Any]:
        with self._cond:
            return [e for _, e in self.events if isinstance(e, kind)]

    def since(self, index: int, kind: type) -> list[Any]:
        with self._cond:
            return [e for _, e in self.events[index:] if isinstance(e, kind)]

    def time_of(self, event: Any) -> float:
        with self._cond:
            return next(t for t, e in self.events if e is event)

    def mark(self) -> int:
        """A position in the event list, to wait for what happens after it."""
        with self._cond:
            return len(self.events)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                kinds = [type(e).__name__ for _, e in self.events[-12:]]
                raise DriverTimeout(f"no progress in {timeout:.0f} s; last events: {kinds}")

    def say(self, wav: Path) -> float:
        """Start playing ``wav`` into the microphone; returns when it started (monotonic)."""
        process = self.audio.say(wav)
        started = time.monotonic()
        threading.Thread(target=process.wait, daemon=True).start()
        return started

    def turn(self, wav: Path, timeout: float = 90.0) -> ev.TurnDone:
        """Say ``wav`` and wait until Wenda has answered it and listens again."""
        start = self.mark()
        self.say(wav)

        def answered() -> bool:
            done = [e for _, e in self.events[start:] if isinstance(e, ev.TurnDone)]
            return bool(done) and isinstance(self.events[-1][1], ev.Listening)

        self.wait_for(answered, timeout)
        return self.since(start, ev.TurnDone)[-1]
