"""Recordings in place of the microphone: for scripts and CI.

``wenda talk --input a.wav b.wav`` plays each recording into the session in real time, as if
someone said it into the microphone, so the whole pipeline (VAD, endpointing, barge-in
timing) runs exactly as it does live. Between recordings the input is silent until the
front end says the turn is over (:meth:`ReplayMicrophone.next_turn`), like a person waiting
for the answer. Pacing waits on an event with a deadline, so closing ends it at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.microphone import MicBlock

log = logging.getLogger(__name__)

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


class ReplayMicrophone:
    """Plays ``recordings`` (16 kHz mono float32) one per turn; ends after the last turn.

    ``lead_s`` of silence comes first; after each recording the input stays silent until
    :meth:`next_turn` or ``wait_s``; ``tail_s`` of silence ends the stream.
    """

    def __init__(
        self,
        recordings: Sequence[np.ndarray],
        lead_s: float = 0.5,
        wait_s: float = 30.0,
        tail_s: float = 0.5,
    ) -> None:
        self.recordings = [np.asarray(r, dtype=np.float32) for r in recordings]
        self.lead_s, self.wait_s, self.tail_s = lead_s, wait_s, tail_s
        self._closed = threading.Event()
        self._advance = threading.Event()
        self._t0 = 0.0
        self._n = 0  # blocks read so far
        self._plan = self._blocks()
        self.started_at: list[float] = []  # when each recording began to be heard

    def start(self) -> None:
        self._t0 = time.monotonic()

    def next_turn(self) -> None:
        """The reply to the last recording is over: play the next one."""
        self._advance.set()

    def _silence(self, seconds: float) -> Iterator[np.ndarray]:
        for _ in range(round(seconds / FRAME_S)):
            yield np.zeros(FRAME_SAMPLES, dtype=np.float32)

    def _blocks(self) -> Iterator[np.ndarray]:
        yield from self._silence(self.lead_s)
        for recording in self.recordings:
            self._advance.clear()
            self.started_at.append(self._t0 + self._n * FRAME_S)
            padded = np.zeros(-(-len(recording) // FRAME_SAMPLES) * FRAME_SAMPLES, np.float32)
            padded[: len(recording)] = recording
            yield from padded.reshape(-1, FRAME_SAMPLES)
            waited = 0.0
            while not self._advance.is_set() and waited < self.wait_s:
                yield np.zeros(FRAME_SAMPLES, dtype=np.float32)
                waited += FRAME_S
        yield from self._silence(self.tail_s)

    def read(self) -> MicBlock | None:
        deadline = self._t0 + (self._n + 1) * FRAME_S
        if self._closed.wait(max(0.0, deadline - time.monotonic())):
            return None
        samples = next(self._plan, None)
        if samples is None:
            return None
        block = MicBlock(samples, self._t0 + self._n * FRAME_S)
        self._n += 1
        return block

    def close(self) -> None:
        self._closed.set()
