"""The speech layer's microphone and speaker behind the session's protocols, with times.

The echo gate and the latency numbers compare when things were heard with when they were
played, so both devices must report monotonic times. ``speech.microphone`` yields frames
without times: frame ``n`` is given ``anchor + n * 32 ms``, the anchor being the earliest
time consistent with every read so far (a frame cannot be read before it has been captured),
moved forward when frames were lost. ``speech.speaker`` tells, from its audio callback,
when a clip's first sample reaches the output (the stream's own DAC time), which is what the
gate and the first-audio latency need.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from app.voice.engines import MicBlock, Played
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE

log = logging.getLogger(__name__)

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
JUMP_S = 0.2  # reads later than this behind the clock mean frames were lost: re-anchor


class ReadClock:
    """Times for a stream of equal frames from the moments they were read."""

    def __init__(self) -> None:
        self.anchor_s: float | None = None
        self.frames = 0

    def stamp(self, read_s: float) -> float:
        """The capture time of the next frame, read at ``read_s``."""
        earliest = read_s - (self.frames + 1) * FRAME_S  # its end cannot be after the read
        if self.anchor_s is None or earliest < self.anchor_s or earliest - self.anchor_s > JUMP_S:
            self.anchor_s = earliest
        start = self.anchor_s + self.frames * FRAME_S
        self.frames += 1
        return start


class TimedMicrophone:
    """``speech.microphone`` (opened on :meth:`start`) as a session Microphone."""

    def __init__(self, device: str = "") -> None:
        self.device = device
        self._mic: Any = None
        self._frames: Iterator[np.ndarray] | None = None
        self._clock = ReadClock()
        self._closed = threading.Event()

    def start(self) -> None:
        from speech.microphone import MicrophoneConfig, make_microphone

        self._closed.clear()
        self._clock = ReadClock()
        self._mic = make_microphone(MicrophoneConfig(device=self.device))
        self._frames = self._mic.frames()

    def read(self) -> MicBlock | None:
        if self._frames is None or self._closed.is_set():
            return None
        frame = next(self._frames, None)
        if frame is None:
            return None
        return MicBlock(frame, self._clock.stamp(time.monotonic()))

    def close(self) -> None:
        self._closed.set()
        if self._mic is not None:
            self._mic.close()

    @property
    def overruns(self) -> int:
        return int(getattr(self._mic, "overruns", 0))


class QueueSpeaker:
    """``speech.speaker`` as a session Speaker: one sentence at a time, stoppable."""

    def __init__(self, device: str = "") -> None:
        from speech.speaker import SpeakerConfig, make_speaker

        self._speaker = make_speaker(SpeakerConfig(device=device))
        self._clip = 0
        self._lock = threading.Lock()

    def play(
        self,
        audio: np.ndarray,
        stop: threading.Event,
        on_start: Callable[[float], None] | None = None,
    ) -> Played:
        if stop.is_set() or len(audio) == 0:
            return Played(None, 0, len(audio), stop.is_set())
        with self._lock:
            self._clip += 1
            clip = self._clip
        self._speaker.play(audio, clip, on_start)
        if stop.is_set():  # stop() may have run just before the clip was queued
            self._speaker.stop()
        reports = self._speaker.drain(timeout_s=len(audio) / SAMPLE_RATE + 5.0)
        report = next((r for r in reports if r.clip_id == clip), None)
        if report is None or report.started_at is None:
            return Played(None, 0, len(audio), True)
        ended = report.started_at + report.played / SAMPLE_RATE
        return Played(report.started_at, report.played, len(audio), report.interrupted, ended)

    def stop(self) -> None:
        self._speaker.stop()

    def close(self) -> None:
        self._speaker.close()

    @property
    def underflows(self) -> int:
        """Blocks the device filled with silence because the callback came late."""
        return int(self._speaker.underflows)
