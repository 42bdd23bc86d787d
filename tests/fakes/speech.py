"""Fakes of the speech engines' protocols, for unit tests of the logic around them.

Each records what it was asked so a test can check order and content. Feature tests use
the real engines; these only stand in where the point is the code in between (the VAD
gate, sentence streaming, the listener).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from speech.asr import Segment, Transcript
from speech.audio import SAMPLE_RATE
from speech.errors import SynthesisError
from speech.playback import PlayedClip


class FakeVad:
    """Speech probability from frame energy (RMS above ``level``: speech)."""

    def __init__(self, level: float = 0.05) -> None:
        self.level = level
        self.frames = 0
        self.resets = 0

    def probability(self, frame: np.ndarray) -> float:
        self.frames += 1
        return 1.0 if float(np.sqrt(np.mean(frame**2))) > self.level else 0.0

    def reset(self) -> None:
        self.resets += 1


class FakeRecognizer:
    """Returns ``text`` with one segment spanning the audio; records every call."""

    def __init__(self, text: str = "hello", language: str = "en") -> None:
        self.text, self.language = text, language
        self.calls: list[np.ndarray] = []

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
        self.calls.append(audio)
        length = len(audio) / SAMPLE_RATE
        segment = Segment(0.0, length, self.text)
        return Transcript(self.text, self.language, 0.99, (segment,), length)


class FakeSynthesizer:
    """10 ms of tone per character; text containing ``fail_on`` raises SynthesisError."""

    name = "fake"

    def __init__(self, fail_on: str = "\0", log: list[str] | None = None) -> None:
        self.fail_on = fail_on
        self.log = log if log is not None else []

    def synthesize(self, text: str) -> np.ndarray:
        self.log.append(f"synth:{text}")
        if self.fail_on in text:
            raise SynthesisError(f"cannot say {text!r}")
        samples = len(text) * SAMPLE_RATE // 100
        return (0.1 * np.sin(np.arange(samples) * 0.05)).astype(np.float32)


class FakeSpeaker:
    """Plays instantly: every clip counts as fully heard at drain(), unless stopped first."""

    def __init__(self, log: list[str] | None = None, on_play: Callable[[], None] | None = None):
        self.log = log if log is not None else []
        self.on_play = on_play
        self.clips: list[tuple[int, np.ndarray]] = []
        self.stopped = False

    def play(self, audio: np.ndarray, clip_id: int) -> None:
        self.log.append(f"play:{clip_id}")
        self.clips.append((clip_id, audio))
        if self.on_play:
            self.on_play()

    def drain(self, timeout_s: float | None = None) -> list[PlayedClip]:
        played = [
            PlayedClip(i, len(a), 0 if self.stopped else len(a), 0.0, self.stopped)
            for i, a in self.clips
        ]
        self.clips = []
        return played

    def stop(self) -> list[PlayedClip]:
        self.stopped = True
        return [PlayedClip(i, len(a), 0, 0.0, True) for i, a in self.clips]


class FakeMicrophone:
    """Frames of a prepared signal, then the end of the stream."""

    def __init__(self, frames: Iterable[np.ndarray]) -> None:
        self._frames = list(frames)
        self.closed = threading.Event()

    def frames(self) -> Iterator[np.ndarray]:
        for frame in self._frames:
            if self.closed.is_set():
                return
            yield frame

    def close(self) -> None:
        self.closed.set()
