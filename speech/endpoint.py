"""The endpointer: a pure state machine that turns per-frame speech probabilities into turns.

It sees only numbers (one VAD probability per 32 ms frame, and when the frame began) and
emits events, so every timing rule is unit-testable without audio or a model. The start of
speech is a :class:`SpeechStarted` with times, the one type that fact has on its way to the
window; the end is a :class:`SpeechEnded` with frame indices, by which the listener
(``speech.listen``) cuts the audio.

Rules: a turn starts after ``start_ms`` of consecutive speech; it ends after
``end_silence_ms`` of silence (low latency: a reply can start about half a second after the
user stops), or when it reaches ``max_utterance_s``. Each utterance keeps ``pre_roll_ms`` of
audio before the first speech frame, because the VAD reacts a frame or two after the first
syllable has begun. Two thresholds (hysteresis) keep a word's quiet tail from ending a turn.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from speech.audio import FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE

log = logging.getLogger(__name__)

EndReason = Literal["silence", "max_length", "end_of_stream"]
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class EndpointConfig:
    """Timing of turns; every duration is rounded up to whole 32 ms frames."""

    threshold: float = 0.5  # a frame is speech at or above this probability
    release_threshold: float = 0.35  # while talking, only frames below this count as silence
    start_ms: int = 64  # consecutive speech that starts a turn (ignores clicks)
    end_silence_ms: int = 550  # silence that ends a turn
    pre_roll_ms: int = 320  # audio kept from before the first speech frame
    max_utterance_s: float = 30.0  # a turn is cut here even if the speaker goes on

    def __post_init__(self) -> None:
        if not 0.0 < self.release_threshold <= self.threshold < 1.0:
            raise ValueError("need 0 < release_threshold <= threshold < 1")
        if self.start_ms <= 0 or self.end_silence_ms <= 0 or self.pre_roll_ms < 0:
            raise ValueError("start_ms and end_silence_ms must be > 0, pre_roll_ms >= 0")
        if self.max_utterance_s * 1000 < self.start_ms + FRAME_MS:
            raise ValueError("max_utterance_s is shorter than one turn can be")

    @property
    def start_frames(self) -> int:
        return math.ceil(self.start_ms / FRAME_MS)

    @property
    def end_frames(self) -> int:
        return math.ceil(self.end_silence_ms / FRAME_MS)

    @property
    def pre_roll_frames(self) -> int:
        return math.ceil(self.pre_roll_ms / FRAME_MS)

    @property
    def max_frames(self) -> int:
        return math.ceil(self.max_utterance_s * 1000 / FRAME_MS)


@dataclass(frozen=True)
class SpeechStarted:
    """The user started talking at ``at_s`` (when the first speech frame began); the
    endpointer was sure at ``noticed_s`` (``start_ms`` later, when the frame that made it
    sure ended). Times are the caller's clock: monotonic seconds live, seconds from the
    start of a recording offline.

    One type from here to the window: the voice pipeline sets ``turn_id`` (the turn this
    starts) and ``barge_in`` (it interrupted Wenda) and passes this same object on as its
    control frame and its event, pickled across the process pipe (so this module imports
    nothing heavy).
    """

    at_s: float
    noticed_s: float = 0.0
    turn_id: int = 0
    barge_in: bool = False


@dataclass(frozen=True)
class SpeechEnded:
    """A turn is over. Frames ``[start, end)`` are its audio: pre-roll, speech
    ``[speech_start, speech_end)``, then the trailing silence that ended it."""

    start: int
    speech_start: int
    speech_end: int
    end: int
    reason: EndReason


EndpointEvent = SpeechStarted | SpeechEnded


class Endpointer:
    """Feed one probability per frame with :meth:`push`; read events as they come.

    Later (issue 17) a turn-completion model may end a turn sooner than the silence rule:
    the listener's ``end`` is where it does.
    """

    def __init__(self, config: EndpointConfig | None = None) -> None:
        self.config = config or EndpointConfig()
        self.frame = 0  # index of the next frame to be pushed
        self._run = 0  # consecutive speech frames while idle
        self._run_start_s = 0.0  # when the first of them began
        self._speaking = False
        self._speech_start = 0
        self._last_speech = 0  # index of the last frame above release_threshold
        self._silence = 0

    @property
    def speaking(self) -> bool:
        return self._speaking

    @property
    def speech_start(self) -> int:
        """Index of the first speech frame of the turn in progress (or the last one)."""
        return self._speech_start

    def push(self, probability: float, start_s: float | None = None) -> EndpointEvent | None:
        """Advance one frame that began at ``start_s`` (default: ``frame * 32 ms``, time
        from the start of the stream); returns the event it caused, if any."""
        index, self.frame = self.frame, self.frame + 1
        start_s = index * FRAME_S if start_s is None else start_s
        cfg = self.config
        if not self._speaking:
            self._run = self._run + 1 if probability >= cfg.threshold else 0
            if self._run == 1:
                self._run_start_s = start_s
            if self._run < cfg.start_frames:
                return None
            self._speaking, self._silence = True, 0
            self._speech_start, self._last_speech = index - self._run + 1, index
            self._run = 0
            return SpeechStarted(at_s=self._run_start_s, noticed_s=start_s + FRAME_S)
        if probability >= cfg.release_threshold:
            self._silence, self._last_speech = 0, index
        else:
            self._silence += 1
        if self._silence >= cfg.end_frames:
            return self._end("silence")
        if self.frame - self._speech_start >= cfg.max_frames:
            return self._end("max_length")
        return None

    def flush(self) -> SpeechEnded | None:
        """The stream ended: close an open turn (reason ``end_of_stream``)."""
        return self._end("end_of_stream") if self._speaking else None

    def _end(self, reason: EndReason) -> SpeechEnded:
        self._speaking, self._run, self._silence = False, 0, 0
        start = max(0, self._speech_start - self.config.pre_roll_frames)
        return SpeechEnded(start, self._speech_start, self._last_speech + 1, self.frame, reason)


def speech_spans(
    probabilities: Iterable[float], config: EndpointConfig | None = None
) -> list[tuple[int, int]]:
    """``[speech_start, speech_end)`` frame ranges of every turn in a finished recording."""
    endpointer = Endpointer(config)
    spans = []
    for p in probabilities:
        event = endpointer.push(float(p))
        if isinstance(event, SpeechEnded):
            spans.append((event.speech_start, event.speech_end))
    last = endpointer.flush()
    if last is not None:
        spans.append((last.speech_start, last.speech_end))
    return spans
