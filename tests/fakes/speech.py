"""Fakes of the speech engines' protocols, one per protocol, for unit tests of the logic
around them.

Each records what it was asked so a test can check order and content. Feature tests use
the real engines; these only stand in where the point is the code in between (the VAD
gate, sentence streaming, the listener, the voice pipeline). Audio carries its meaning in
its level, so the fakes need no models: a user's sentence is a square wave whose amplitude
codes which sentence it is (:func:`utterance`), the VAD calls any loud frame speech, and
the recognizer reads the codes back.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.errors import SynthesisError
from speech.microphone import MicBlock
from speech.playback import OnStart
from speech.speaker import Played, SilentSpeaker
from speech.transcript import Segment, Transcript

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
SPEECH_LEVEL = 0.3  # code c is spoken at SPEECH_LEVEL + c * CODE_STEP
CODE_STEP = 0.05
TTS_LEVEL = 0.1  # the fake voice: quieter than any fake user


def utterance(code: int, seconds: float = 0.4) -> np.ndarray:
    """A fake spoken sentence: a square wave at the level coding ``code``."""
    n = int(seconds * SAMPLE_RATE)
    level = SPEECH_LEVEL + code * CODE_STEP
    return (level * np.where(np.arange(n) % 40 < 20, 1.0, -1.0)).astype(np.float32)


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
    """Returns ``text`` with one segment spanning the audio; with ``codes``, the texts of
    the coded utterances in the audio, in order (empty: nothing coded was heard). Takes
    ``delay_s`` (the model's compute time); records every call and what it heard."""

    def __init__(
        self,
        text: str = "hello",
        language: str = "en",
        codes: dict[int, str] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.text, self.language, self.codes, self.delay_s = text, language, codes, delay_s
        self.calls: list[np.ndarray] = []
        self.heard: list[str] = []
        self.expected: list[object] = []  # the expectation each call carried

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: object = None
    ) -> Transcript:
        self.calls.append(audio)
        self.expected.append(expect)
        time.sleep(self.delay_s)
        text = self.text if self.codes is None else self._decode(audio)
        self.heard.append(text)
        length = len(audio) / SAMPLE_RATE
        if not text:
            return Transcript.silent(length)
        return Transcript(text, self.language, 0.99, (Segment(0.0, length, text),), length)

    def _decode(self, audio: np.ndarray) -> str:
        assert self.codes is not None
        peaks = np.round((np.abs(audio) - SPEECH_LEVEL) / CODE_STEP)
        loud = np.abs(audio) >= SPEECH_LEVEL - 1e-3
        codes: list[int] = []
        for c in peaks[loud].astype(int):
            if not codes or codes[-1] != c:
                codes.append(int(c))
        return " ".join(self.codes.get(c, "") for c in codes).strip()


class FakeSynthesizer:
    """``word_s`` seconds of a quiet tone per word, after ``delay_s``; text containing
    ``fail_on`` raises SynthesisError. Logs what it was asked and remembers which text made
    which audio (:meth:`text_of`); ``after(text)`` runs once a text is synthesized."""

    name = "fake"

    def __init__(
        self,
        word_s: float = 0.08,
        delay_s: float = 0.0,
        fail_on: str = "\0",
        log: list[str] | None = None,
        after: Callable[[str], object] | None = None,
    ) -> None:
        self.word_s, self.delay_s, self.fail_on, self.after = word_s, delay_s, fail_on, after
        self.log = log if log is not None else []
        self.made: list[tuple[str, np.ndarray]] = []

    def synthesize(self, text: str) -> np.ndarray:
        self.log.append(f"synth:{text}")
        time.sleep(self.delay_s)
        if self.fail_on in text:
            raise SynthesisError(f"cannot say {text!r}")
        n = int(max(1, len(text.split())) * self.word_s * SAMPLE_RATE)
        audio = (TTS_LEVEL * np.sin(np.arange(n) * 0.3)).astype(np.float32)
        self.made.append((text, audio))
        if self.after is not None:
            self.after(text)
        return audio

    def text_of(self, audio: np.ndarray) -> str:
        return next(t for t, a in self.made if np.shares_memory(a, audio))


class FakeMicrophone:
    """A live microphone: one 32 ms frame every 32 ms of real time, silence unless told to
    :meth:`say` something. ``end_after_s``: the stream ends (None) after that much input."""

    def __init__(self, end_after_s: float | None = None) -> None:
        self._pending: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._closed = threading.Event()
        self._t0 = 0.0
        self._n = 0
        self.end_after_s = end_after_s
        self.said_at: list[float] = []  # when each said() audio started to be heard

    def start(self) -> None:
        self._t0 = time.monotonic()

    def say(self, audio: np.ndarray) -> None:
        self._pending.put(audio)

    def read(self) -> MicBlock | None:
        deadline = self._t0 + (self._n + 1) * FRAME_S
        if self._closed.wait(max(0.0, deadline - time.monotonic())):
            return None
        if self.end_after_s is not None and self._n * FRAME_S >= self.end_after_s:
            return None
        if len(self._buffer) == 0:
            try:
                self._buffer = self._pending.get_nowait()
                self.said_at.append(self._t0 + self._n * FRAME_S)
            except queue.Empty:
                pass
        frame = np.zeros(FRAME_SAMPLES, dtype=np.float32)
        take = self._buffer[:FRAME_SAMPLES]
        frame[: len(take)] = take
        self._buffer = self._buffer[len(take) :]
        start = self._t0 + self._n * FRAME_S
        self._n += 1
        return MicBlock(frame, start)

    def close(self) -> None:
        self._closed.set()


@dataclass(frozen=True)
class PlayedBlock:
    at_s: float
    text: str


class FakeSpeaker(SilentSpeaker):
    """The speech layer's speaker with no device, logging what it let out: in real time
    (``realtime``), every 10 ms block with when it was played and (``text_of``) the text it
    was made from, so a test can check what a listener heard and when; else at once."""

    def __init__(
        self,
        text_of: Callable[[np.ndarray], str] | None = None,
        realtime: bool = True,
        log: list[str] | None = None,
        on_play: Callable[[], object] | None = None,
    ) -> None:
        self.text_of, self.realtime, self.on_play = text_of, realtime, on_play
        self.log = log if log is not None else []
        self.blocks: list[PlayedBlock] = []
        self.plays: list[Played] = []

    def play(self, audio: np.ndarray, stop: threading.Event, on_start: OnStart = None) -> Played:
        self.log.append(f"play:{len(self.plays)}")
        if self.on_play is not None:
            self.on_play()
        if self.realtime or stop.is_set():
            played = super().play(audio, stop, on_start)
        else:
            now = time.monotonic()
            played = Played(now, len(audio), len(audio), False, now)
        self.plays.append(played)
        return played

    def heard(self, audio: np.ndarray, until: int) -> None:
        text = self.text_of(audio) if self.text_of is not None else ""
        self.blocks.append(PlayedBlock(time.monotonic(), text))
