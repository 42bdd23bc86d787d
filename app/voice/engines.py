"""The engines a voice session drives, as the small protocols the session needs of them.

The session depends only on these; ``app.voice.build`` wraps the real engines from
``speech`` and ``dialogue`` to fit, and ``tests/app/voice/fakes.py`` has fakes. The device
boundary (microphone, speaker) reports times on the monotonic clock, because echo gating and
latency both compare what was played with what was heard.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from speech.asr import Recognizer
from speech.vad import Vad

log = logging.getLogger(__name__)

__all__ = [
    "Conversation",
    "Engines",
    "MicBlock",
    "Microphone",
    "Played",
    "Recognizer",
    "ReplyInfo",
    "SentenceStream",
    "Speaker",
    "Synthesizer",
    "Vad",
]


@dataclass(frozen=True)
class MicBlock:
    """Captured samples (mono float32, 16 kHz); ``start_s``: when the first one was heard."""

    samples: np.ndarray = field(repr=False)
    start_s: float


class Microphone(Protocol):
    """A live or replayed input stream."""

    def start(self) -> None:
        """Begin capturing (may take a moment: devices open here)."""
        ...

    def read(self) -> MicBlock | None:
        """The next block, waiting for it; None once the stream is closed or has ended."""
        ...

    def close(self) -> None:
        """Stop capturing; a waiting :meth:`read` returns None. Safe from any thread."""
        ...


@dataclass(frozen=True)
class Played:
    """How one :meth:`Speaker.play` ended. ``started_s`` is when the first sample reached
    the output (None if nothing was played), ``ended_s`` when the last one did (after a stop:
    when the output fell silent); ``interrupted`` when ``stop`` cut it short."""

    started_s: float | None
    played_samples: int
    total_samples: int
    interrupted: bool
    ended_s: float | None = None

    @property
    def fraction(self) -> float:
        return 1.0 if self.total_samples == 0 else self.played_samples / self.total_samples


class Speaker(Protocol):
    """Interruptible playback of one sentence at a time."""

    def stop(self) -> None:
        """Silence now (from any thread); the :meth:`play` in progress returns."""
        ...

    def play(
        self,
        audio: np.ndarray,
        stop: threading.Event,
        on_start: Callable[[float], None] | None = None,
    ) -> Played:
        """Play mono float32 16 kHz ``audio`` and wait until it has been heard or stopped.
        If ``stop`` is already set nothing is played (the session sets it before calling
        :meth:`stop`, so a sentence starting just then is caught either way).
        ``on_start(t)`` is called, from any thread, when the first sample reaches the
        output; it must only hand the time on."""
        ...


class SentenceStream(Protocol):
    """Collects reply pieces and releases whole sentences (``speech.sentences``)."""

    def push(self, piece: str) -> list[str]:
        """Add text; the sentences it completed."""
        ...

    def flush(self) -> list[str]:
        """The text is complete: the rest."""
        ...


class Synthesizer(Protocol):
    """Text to speech, one sentence at a time."""

    def synthesize(self, text: str) -> np.ndarray:
        """Mono float32 audio at 16 kHz (empty for text with nothing to say)."""
        ...


@dataclass(frozen=True)
class ReplyInfo:
    """What a finished reply was: the intent it answered and where its words came from
    (template, kb, generator, ...); ``extra`` is shown in ``wenda talk --json``."""

    intent: str
    source: str
    extra: dict[str, object] = field(default_factory=dict)


class Conversation(Protocol):
    """The dialogue: understands a user turn and replies; remembers what was heard."""

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        """Understand ``text``, update the dialogue state, and yield the reply in pieces of
        any size (a template sentence, generator tokens), then one :class:`ReplyInfo`. Ends
        early (still with the info) once ``stop`` is set."""
        ...

    def heard(self, text: str) -> None:
        """The last reply was cut short: the user heard only ``text`` of it (maybe nothing),
        and the history must keep just that. Called after the reply's stream has ended."""
        ...


@dataclass
class Engines:
    """Everything a session runs, loaded by the caller (``app.voice.build``) or faked."""

    microphone: Microphone
    speaker: Speaker
    vad: Vad
    recognizer: Recognizer
    synthesizer: Synthesizer
    conversation: Conversation
    sentences: Callable[[], SentenceStream]  # a fresh aggregator per reply
