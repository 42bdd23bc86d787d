"""Acoustic echo cancellation: Wenda's own voice taken out of the microphone signal.

The echo gate (``speech.echo``) can only decide whether a frame is louder than Wenda's echo
could be, so a user talking over Wenda must out-shout the speaker, and what they say comes
through mixed with Wenda's words. A canceller subtracts the echo instead: it learns the
speaker -> room -> microphone path (an adaptive filter) from what was played, removes its
prediction, and suppresses what is left. Then the VAD hears only the user, barge-in works
at a normal voice, and the recogniser gets the user's words without Wenda's.

The canceller is WebRTC's AEC3 (the one in every browser), through the ``livekit`` wheel's
``AudioProcessingModule``; its own delay estimator finds the acoustic delay, so the
reference only has to be fed in the right order: for the 10 ms of microphone captured at
``t``, the reference is what the speaker plays at ``t + lead_ms`` (the lead covers a
reported device latency that places playback later than it really is; AEC3 then finds
``lead + acoustic delay``, well inside its range). Blocks of any size go in; whole 10 ms
chunks go through; the output is the input's length, ``CHUNK`` samples late.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np

from speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

CHUNK = SAMPLE_RATE // 100  # the canceller's frame: 10 ms
HISTORY_S = 20.0  # reference kept behind the microphone's clock
GAP = SAMPLE_RATE // 50  # blocks further apart than this (20 ms) restart the chunking


class EchoUnavailable(RuntimeError):
    """The canceller's library is not installed; the echo gate serves alone."""


class Apm(Protocol):
    """One echo canceller: the far end (what is played) and the near end (the mic), 10 ms at a
    time, in step."""

    def reverse(self, chunk: np.ndarray) -> None: ...

    def forward(self, chunk: np.ndarray) -> np.ndarray: ...


class WebRtcApm:
    """WebRTC's audio processing (AEC3; optionally noise suppression) on 16 kHz mono float."""

    def __init__(self, noise_suppression: bool = False, delay_ms: int = 0) -> None:
        try:
            from livekit import rtc
        except ImportError as error:
            missing = "the livekit package (WebRTC audio processing) is missing"
            raise EchoUnavailable(missing) from error
        self._frame = rtc.AudioFrame
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True, noise_suppression=noise_suppression, high_pass_filter=True
        )
        self._delay_ms = delay_ms

    def _as_frame(self, chunk: np.ndarray):  # noqa: ANN202 (livekit's type)
        pcm = np.clip(np.round(chunk * 32767.0), -32768, 32767).astype(np.int16)
        return self._frame(bytearray(pcm.tobytes()), SAMPLE_RATE, 1, len(pcm))

    def reverse(self, chunk: np.ndarray) -> None:
        self._apm.process_reverse_stream(self._as_frame(chunk))

    def forward(self, chunk: np.ndarray) -> np.ndarray:
        frame = self._as_frame(chunk)
        self._apm.set_stream_delay_ms(self._delay_ms)
        self._apm.process_stream(frame)
        return np.frombuffer(bytes(frame.data), dtype=np.int16).astype(np.float32) / 32768.0


class Reference:
    """What the speaker plays, on the shared clock (monotonic seconds), sample by sample;
    written from the play stage's thread, read from the microphone's."""

    def __init__(self, origin_s: float) -> None:
        self.origin_s = origin_s
        self._segments: list[tuple[int, np.ndarray]] = []  # (first sample, samples)
        self._lock = threading.Lock()

    def index(self, t_s: float) -> int:
        return round((t_s - self.origin_s) * SAMPLE_RATE)

    def add(self, audio: np.ndarray, start_s: float) -> None:
        first = self.index(start_s)
        with self._lock:
            horizon = first - round(HISTORY_S * SAMPLE_RATE)
            kept = [(f, a) for f, a in self._segments if f + len(a) > horizon]
            self._segments = [*kept, (first, np.asarray(audio, dtype=np.float32))]

    def cut(self, at_s: float) -> None:
        """Nothing planned after ``at_s`` will be played."""
        cut = self.index(at_s)
        with self._lock:
            self._segments = [(f, a[: max(0, cut - f)]) for f, a in self._segments if f < cut]

    def samples(self, first: int, count: int) -> np.ndarray:
        """Samples ``[first, first + count)``: silence where nothing plays."""
        out = np.zeros(count, dtype=np.float32)
        with self._lock:
            segments = list(self._segments)
        for start, audio in segments:
            lo, hi = max(first, start), min(first + count, start + len(audio))
            if lo < hi:
                out[lo - first : hi - first] = audio[lo - start : hi - start]
        return out


class EchoCanceller:
    """Cleans microphone blocks of Wenda's echo. ``add_reference``/``cut_reference`` as for
    the echo gate (the play stage tells both); ``process`` on the microphone's thread."""

    def __init__(self, apm: Apm, origin_s: float, lead_ms: float = 120.0) -> None:
        self.apm = apm
        self.reference = Reference(origin_s)
        self.lead = round(lead_ms / 1000 * SAMPLE_RATE)
        self.delay_s = CHUNK / SAMPLE_RATE  # the output lags the input by one chunk
        self._pending = np.zeros(0, dtype=np.float32)  # mic samples short of a whole chunk
        self._next: int | None = None  # clock index of the first pending sample
        self.gaps = 0  # times the microphone's stream jumped (a device stall)
        self._out = np.zeros(CHUNK, dtype=np.float32)  # cleaned samples not yet returned

    def add_reference(self, audio: np.ndarray, start_s: float) -> None:
        self.reference.add(audio, start_s)

    def cut_reference(self, at_s: float) -> None:
        self.reference.cut(at_s)

    def process(self, samples: np.ndarray, start_s: float) -> np.ndarray:
        """The block with the echo taken out; its first sample was captured at
        ``start_s - delay_s``."""
        first = self.reference.index(start_s)
        expected = first if self._next is None else self._next + len(self._pending)
        # The stream is continuous: its samples are counted, not placed by each block's time
        # stamp, whose jitter of a millisecond would move the reference under the echo by 16
        # samples (a linear canceller then starts over). Only a gap re-anchors the count.
        if self._next is None or abs(first - expected) > GAP:
            if self._next is not None:
                self.gaps += 1
                log.debug("microphone gap of %d samples: re-anchored", first - expected)
            self._pending, self._next = self._pending[:0], first
        joined = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        whole = len(joined) - len(joined) % CHUNK
        chunks = range(0, whole, CHUNK)
        cleaned = [self._chunk(joined[i : i + CHUNK], self._next + i) for i in chunks]
        self._pending = joined[whole:]
        self._next += whole
        self._out = np.concatenate([self._out, *cleaned])
        block, self._out = self._out[: len(samples)], self._out[len(samples) :]
        return block

    def _chunk(self, mic: np.ndarray, index: int) -> np.ndarray:
        self.apm.reverse(self.reference.samples(index + self.lead, CHUNK))
        return self.apm.forward(mic)


def make_canceller(origin_s: float) -> EchoCanceller | None:
    """The WebRTC canceller, or None where its library is missing (the gate serves alone)."""
    try:
        return EchoCanceller(WebRtcApm(), origin_s)
    except EchoUnavailable as error:
        log.warning("%s: Wenda's echo is gated, not cancelled", error)
        return None
