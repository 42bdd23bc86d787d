"""Fakes for the voice session's engines: a live-paced microphone, a speaker that logs what
it played and when, and scripted VAD, ASR, TTS and dialogue.

Audio carries its meaning in its level, so the fakes need no models: the user's speech is
a square wave whose amplitude codes which sentence it is (``utterance(code)``), the VAD
calls any loud frame speech, and the recogniser reads the codes back.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from app.voice.engines import MicBlock, Played, ReplyInfo
from speech.asr import Transcript
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
SPEECH_LEVEL = 0.3  # code c is spoken at SPEECH_LEVEL + c * CODE_STEP
CODE_STEP = 0.05
TTS_LEVEL = 0.1


def utterance(code: int, seconds: float = 0.4) -> np.ndarray:
    """A fake spoken sentence: a square wave at the level coding ``code``."""
    n = int(seconds * SAMPLE_RATE)
    level = SPEECH_LEVEL + code * CODE_STEP
    return (level * np.where(np.arange(n) % 40 < 20, 1.0, -1.0)).astype(np.float32)


class PacedMicrophone:
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


class LoudVad:
    """P(speech) = 1 for frames louder than the TTS could make them alone, else 0."""

    def probability(self, frame: np.ndarray) -> float:
        return 1.0 if float(np.sqrt(np.mean(frame**2))) > 0.05 else 0.0

    def reset(self) -> None:
        pass


class CodeRecognizer:
    """Reads the codes of the fake sentences in the audio and returns their texts, in order."""

    def __init__(self, texts: dict[int, str], delay_s: float = 0.0) -> None:
        self.texts, self.delay_s = texts, delay_s
        self.heard: list[str] = []

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
        time.sleep(self.delay_s)  # stands in for the model's compute time
        peaks = np.round((np.abs(audio) - SPEECH_LEVEL) / CODE_STEP)
        loud = np.abs(audio) >= SPEECH_LEVEL - 1e-3
        codes: list[int] = []
        for c in peaks[loud].astype(int):
            if not codes or codes[-1] != c:
                codes.append(int(c))
        text = " ".join(self.texts.get(c, "") for c in codes).strip()
        self.heard.append(text)
        if not text:
            return Transcript.silent(len(audio) / SAMPLE_RATE)
        return Transcript(text, "en", 1.0, (), len(audio) / SAMPLE_RATE)


class ToneSynthesizer:
    """``words_s`` seconds of a quiet tone per word; remembers which text made which audio."""

    def __init__(self, word_s: float = 0.08, delay_s: float = 0.0) -> None:
        self.word_s, self.delay_s = word_s, delay_s
        self.made: list[tuple[str, np.ndarray]] = []

    def synthesize(self, text: str) -> np.ndarray:
        time.sleep(self.delay_s)
        n = int(max(1, len(text.split())) * self.word_s * SAMPLE_RATE)
        audio = (TTS_LEVEL * np.sin(np.arange(n) * 0.3)).astype(np.float32)
        self.made.append((text, audio))
        return audio

    def text_of(self, audio: np.ndarray) -> str:
        return next(t for t, a in self.made if np.shares_memory(a, audio))


@dataclass(frozen=True)
class PlayedBlock:
    at_s: float
    text: str


class LoggingSpeaker:
    """Plays in real time in 10 ms blocks and logs every block it let out, with its text."""

    BLOCK = SAMPLE_RATE // 100

    def __init__(self, text_of: Callable[[np.ndarray], str]) -> None:
        self.text_of = text_of
        self.blocks: list[PlayedBlock] = []
        self.stopped_at: list[float] = []

    def stop(self) -> None:
        pass  # play() waits on the turn's stop event, which the session sets first

    def play(
        self,
        audio: np.ndarray,
        stop: threading.Event,
        on_start: Callable[[float], None] | None = None,
    ) -> Played:
        if stop.is_set():
            return Played(None, 0, len(audio), True)
        started = time.monotonic()
        if on_start:
            on_start(started)
        text = self.text_of(audio)
        pos = 0
        while pos < len(audio):
            if stop.wait(self.BLOCK / SAMPLE_RATE):
                self.stopped_at.append(time.monotonic())
                break
            self.blocks.append(PlayedBlock(time.monotonic(), text))
            pos += self.BLOCK
        played = min(pos, len(audio))
        return Played(started, played, len(audio), pos < len(audio), time.monotonic())


class ScriptedConversation:
    """Replies from a script ``{user text: (intent, reply)}``; streams word by word with
    ``word_delay_s`` between words (a generator), else the whole reply at once (a template)."""

    def __init__(self, script: dict[str, tuple[str, str]], word_delay_s: float = 0.0) -> None:
        self.script, self.word_delay_s = script, word_delay_s
        self.calls: list[tuple[str, str]] = []  # ("respond" | "heard", text)
        self.history: list[tuple[str, str]] = []

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        """Like the real manager, the history gets the reply once the stream has ended."""
        self.calls.append(("respond", text))
        intent, reply = self.script.get(text, ("oos", "Sorry, I did not get that."))
        produced = []
        if self.word_delay_s <= 0:
            produced.append(reply)
            yield reply
        else:
            for word in reply.split():
                if stop.wait(self.word_delay_s):
                    break
                produced.append(word)
                yield word + " "
        self.history += [("user", text), ("assistant", " ".join(produced))]
        self.calls.append(("replied", text))
        yield ReplyInfo(intent, "generator" if self.word_delay_s else "template")

    def heard(self, text: str) -> None:
        self.calls.append(("heard", text))
        if self.history and self.history[-1][0] == "assistant":
            self.history[-1] = ("assistant", text)


class EventLog:
    """Collects a session's events; tests wait on a condition instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self._cond = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cond:
            self.events.append((time.monotonic(), event))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[object]], bool], timeout: float = 10.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.of_all()), timeout)
        assert ok, f"timed out; events: {[type(e).__name__ for e in self.of_all()]}"

    def of_all(self) -> list[object]:
        return [e for _, e in self.events]

    def of(self, kind: type) -> list:
        return [e for e in self.of_all() if isinstance(e, kind)]

    def time_of(self, event: object) -> float:
        return next(t for t, e in self.events if e is event)
