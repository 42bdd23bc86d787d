"""The listening side of a turn: microphone frames in, speech-start and utterances out.

Pure logic around the speech layer's endpointer: the caller runs the VAD (on its executor)
and hands each frame with its probability; the echo gate first zeroes the probability of
frames that Wenda's own voice explains, so echo can neither start a turn nor barge in. A ring
of recent frames gives every utterance its pre-roll, so the first syllable survives even
though the VAD notices speech a frame or two late.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from app.voice.echo import EchoGate
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.endpoint import EndpointConfig, Endpointer, SpeechEnded, SpeechStarted

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeardStart:
    """The user started talking at ``at_s`` (first speech frame), noticed at ``noticed_s``."""

    at_s: float
    noticed_s: float


@dataclass(frozen=True)
class HeardPause:
    """The user has been quiet for ``early_ms`` mid-utterance: the audio so far (with
    pre-roll), for recognising early. If the silence goes on to end the turn, the utterance
    is this audio plus silence, and the early transcript stands."""

    audio: np.ndarray = field(repr=False)
    speech_end_s: float


@dataclass(frozen=True)
class HeardUtterance:
    """A finished utterance with its pre-roll; times in monotonic seconds."""

    audio: np.ndarray = field(repr=False)
    speech_start_s: float
    speech_end_s: float
    endpoint_s: float
    reason: str


class FrameClock:
    """Cut microphone blocks of any size into VAD frames, each with the time it began."""

    def __init__(self) -> None:
        self._rest = np.zeros(0, dtype=np.float32)
        self._rest_start_s = 0.0

    def push(self, samples: np.ndarray, start_s: float) -> Iterator[tuple[np.ndarray, float]]:
        if len(self._rest) == 0:
            self._rest_start_s = start_s
        data = np.concatenate([self._rest, np.asarray(samples, dtype=np.float32)])
        whole = len(data) // FRAME_SAMPLES * FRAME_SAMPLES
        for at in range(0, whole, FRAME_SAMPLES):
            yield data[at : at + FRAME_SAMPLES], self._rest_start_s + at / SAMPLE_RATE
        self._rest = data[whole:]
        self._rest_start_s += whole / SAMPLE_RATE


Heard = HeardStart | HeardPause | HeardUtterance


class Listener:
    """Feed ``(frame, start_s, probability)``; get :class:`HeardStart`, :class:`HeardPause`
    (after ``early_ms`` of silence; 0: never) and :class:`HeardUtterance`."""

    def __init__(
        self, endpoint: EndpointConfig, gate: EchoGate | None = None, early_ms: int = 0
    ) -> None:
        self.endpoint_config = endpoint
        self.gate = gate
        self._endpointer = Endpointer(endpoint)
        self._early_frames = (
            -(-early_ms // (FRAME_SAMPLES * 1000 // SAMPLE_RATE)) if early_ms else 0
        )
        self._start = 0  # first frame (pre-roll included) of the utterance being heard
        self._quiet = 0  # consecutive quiet frames in it
        keep = endpoint.max_frames + endpoint.pre_roll_frames + endpoint.end_frames + 4
        # (frame index, samples, start time); pre-roll that the echo gate explained is kept
        # silent, so Wenda's last words do not open the user's utterance.
        self._ring: deque[tuple[int, np.ndarray, float]] = deque(maxlen=keep)
        self._echo: deque[int] = deque(maxlen=keep)  # indices of frames the gate explained
        self._speech_start = 0
        self.gated_frames = 0  # frames whose speech the echo gate attributed to Wenda

    @property
    def speaking(self) -> bool:
        return self._endpointer.speaking

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
        event = self._endpointer.push(probability)
        if isinstance(event, SpeechStarted):
            self._start = max(0, event.frame - self.endpoint_config.pre_roll_frames)
            self._speech_start = event.frame
            self._quiet = 0
            return HeardStart(self._time_of(event.frame, start_s), start_s + self._frame_s)
        if isinstance(event, SpeechEnded):
            return self._cut(event, start_s + self._frame_s)
        if self._endpointer.speaking:
            quiet = probability < self.endpoint_config.release_threshold
            self._quiet = self._quiet + 1 if quiet else 0
            if self._early_frames and self._quiet == self._early_frames:
                return self._pause(index)
        return None

    def _pause(self, index: int) -> HeardPause:
        frames = self._audio(self._start, index + 1)
        first_quiet = index - self._quiet + 1
        return HeardPause(frames, self._time_of(first_quiet, 0.0))

    def _audio(self, start: int, end: int) -> np.ndarray:
        """Frames ``[start, end)`` joined; pre-roll frames that were echo are silenced."""
        echo = set(self._echo)
        frames = [
            np.zeros_like(f) if i < self._speech_start and i in echo else f
            for i, f, _ in self._ring
            if start <= i < end
        ]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32)

    def flush(self, now_s: float) -> HeardUtterance | None:
        """The input ended: the utterance in progress, if any."""
        event = self._endpointer.flush()
        return self._cut(event, now_s) if event else None

    @property
    def _frame_s(self) -> float:
        return FRAME_SAMPLES / SAMPLE_RATE

    def _time_of(self, index: int, fallback_s: float) -> float:
        for i, _, t in reversed(self._ring):
            if i == index:
                return t
            if i < index:
                break
        if not self._ring:
            return fallback_s
        first_index, _, first_t = self._ring[0]
        return first_t + (index - first_index) * self._frame_s

    def _cut(self, event: SpeechEnded, now_s: float) -> HeardUtterance:
        return HeardUtterance(
            audio=self._audio(event.start, event.end),
            speech_start_s=self._time_of(event.speech_start, now_s),
            speech_end_s=self._time_of(event.speech_end, now_s),
            endpoint_s=now_s,
            reason=event.reason,
        )
