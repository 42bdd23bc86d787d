"""Listening: frames with their VAD probabilities in, the start of speech and utterances out.

Pure logic around the endpointer: the caller runs the VAD (on its own thread) and hands
each 32 ms frame with its start time and probability. While the user speaks, the audio so far
comes out every ``partial_ms`` (:class:`HeardSoFar`), so a window can show their words as they
speak; nothing else depends on it. The echo gate first zeroes the
probability of frames that Wenda's own voice explains, so echo can neither start a turn
nor barge in. A ring of recent frames gives every utterance its pre-roll, so the first
syllable survives even though the VAD notices speech a frame or two late. The start of
speech is passed on at once (``speech.endpoint.SpeechStarted``), so a caller can stop
playback the moment the user starts talking.

The caller's echo canceller (``speech.echo_cancel``) has cleaned the frames before its VAD
saw them, so the gate here judges what the canceller left; a turn-completion model judges
the audio of a :class:`HeardPause` and, when the user is done, calls :meth:`Listener.end`
instead of waiting for the silence rule.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.echo import EchoGate
from speech.endpoint import EndpointConfig, Endpointer, EndReason, SpeechEnded, SpeechStarted

log = logging.getLogger(__name__)

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class HeardPause:
    """The user has been quiet for ``early_ms`` mid-utterance: the audio so far (with
    pre-roll), for recognising early. If the silence goes on to end the turn, the utterance
    is this audio plus silence, and the early transcript stands."""

    audio: np.ndarray = field(repr=False)
    speech_end_s: float


@dataclass(frozen=True)
class Utterance:
    """A finished utterance: pre-roll from ``start_s``, speech from ``speech_start_s`` to
    ``speech_end_s``, then the silence that ended it, judged over at ``endpoint_s``.

    The one type this fact has: the voice pipeline sends it on to recognition as a data
    frame, with ``turn_id`` set to the turn it belongs to.
    """

    audio: np.ndarray = field(repr=False, compare=False)
    start_s: float = 0.0
    speech_start_s: float = 0.0
    speech_end_s: float = 0.0
    endpoint_s: float = 0.0
    reason: EndReason = "silence"
    turn_id: int = 0


@dataclass(frozen=True)
class HeardSoFar:
    """The user is still speaking: the audio so far (with pre-roll), for a partial transcript.
    Only ever handed out on a voiced frame, so it never stands where a pause would."""

    audio: np.ndarray = field(repr=False)
    at_s: float


Heard = SpeechStarted | HeardPause | HeardSoFar | Utterance


class Listener:
    """Feed ``(frame, start_s, probability)``; get :class:`~speech.endpoint.SpeechStarted`,
    :class:`HeardPause` (after ``early_ms`` of silence; 0: never), :class:`HeardSoFar` (every
    ``partial_ms`` of an utterance; 0: never) and :class:`Utterance`."""

    def __init__(
        self,
        endpoint: EndpointConfig,
        gate: EchoGate | None = None,
        early_ms: int = 0,
        partial_ms: int = 0,
    ) -> None:
        self.endpoint_config = endpoint
        self.gate = gate
        self._endpointer = Endpointer(endpoint)
        self._early_frames = _frames(early_ms)
        self._partial_frames = _frames(partial_ms)
        self._last_partial = 0  # frame index of the latest HeardSoFar (or the speech start)
        self._start = 0  # first frame (pre-roll included) of the utterance being heard
        self._quiet = 0  # consecutive quiet frames in it
        keep = endpoint.max_frames + endpoint.pre_roll_frames + endpoint.end_frames + 4
        # (frame index, samples, start time); pre-roll that the echo gate explained is kept
        # silent, so Wenda's last words do not open the user's utterance.
        self._ring: deque[tuple[int, np.ndarray, float]] = deque(maxlen=keep)
        self._echo: deque[int] = deque(maxlen=keep)  # indices of frames the gate explained
        self.gated_frames = 0  # frames whose speech the echo gate attributed to Wenda

    @property
    def speaking(self) -> bool:
        return self._endpointer.speaking

    @property
    def quiet(self) -> bool:
        """In a pause: speaking, and the latest frames were silence."""
        return self._endpointer.speaking and self._quiet > 0

    def reset(self) -> None:
        """Forget a half-heard utterance (after mute)."""
        self._endpointer = Endpointer(self.endpoint_config)
        self._ring.clear()
        self._echo.clear()

    def push(self, frame: np.ndarray, start_s: float, probability: float) -> Heard | None:
        index = self._endpointer.frame
        self._ring.append((index, frame, start_s))
        if self.gate is not None:
            verdict = self.gate.judge(frame, start_s)
            if verdict.explained:
                self._echo.append(index)
                if probability >= self.endpoint_config.release_threshold:
                    self.gated_frames += 1
                probability = 0.0
        event = self._endpointer.push(probability, start_s)
        if isinstance(event, SpeechStarted):
            first = self._endpointer.speech_start
            self._start = max(0, first - self.endpoint_config.pre_roll_frames)
            self._quiet, self._last_partial = 0, index
            return event
        if isinstance(event, SpeechEnded):
            return self._cut(event, start_s + FRAME_S)
        if self._endpointer.speaking:
            quiet = probability < self.endpoint_config.release_threshold
            self._quiet = self._quiet + 1 if quiet else 0
            if self._early_frames and self._quiet == self._early_frames:
                return self._pause(index)
            due = self._partial_frames and index - self._last_partial >= self._partial_frames
            if due and not quiet:
                self._last_partial = index
                return HeardSoFar(self._audio(self._start, index + 1), start_s + FRAME_S)
        return None

    def end(self, now_s: float) -> Utterance | None:
        """End the utterance in progress now, if any: the input ended, push-to-talk was
        released, or (issue 17) a turn-completion model judged the user done."""
        event = self._endpointer.flush()
        return self._cut(event, now_s) if event else None

    def _pause(self, index: int) -> HeardPause:
        frames = self._audio(self._start, index + 1)
        first_quiet = index - self._quiet + 1
        return HeardPause(frames, self._time_of(first_quiet, 0.0))

    def _audio(self, start: int, end: int) -> np.ndarray:
        """Frames ``[start, end)`` joined; pre-roll frames that were echo are silenced."""
        echo = set(self._echo)
        speech_start = self._endpointer.speech_start
        frames = [
            np.zeros_like(f) if i < speech_start and i in echo else f
            for i, f, _ in self._ring
            if start <= i < end
        ]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32)

    def _time_of(self, index: int, fallback_s: float) -> float:
        for i, _, t in reversed(self._ring):
            if i == index:
                return t
            if i < index:
                break
        if not self._ring:
            return fallback_s
        first_index, _, first_t = self._ring[0]
        return first_t + (index - first_index) * FRAME_S

    def _cut(self, event: SpeechEnded, now_s: float) -> Utterance:
        return Utterance(
            audio=self._audio(event.start, event.end),
            start_s=self._time_of(event.start, now_s),
            speech_start_s=self._time_of(event.speech_start, now_s),
            speech_end_s=self._time_of(event.speech_end, now_s),
            endpoint_s=now_s,
            reason=event.reason,
        )


def _frames(ms: int) -> int:
    """Whole frames that cover ``ms`` (0: 0)."""
    return -(-ms // round(FRAME_S * 1000)) if ms > 0 else 0
