"""Audio as the app uses it: mono float32 at 16 kHz, and the pure conversions into that form.

Everything that enters (a file, a microphone block, a voice's output) is converted once, here,
so no other module ever has to ask what rate or layout an array is in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from math import gcd

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz: Whisper's and Silero VAD's rate, and the app's everywhere
FRAME_SAMPLES = 512  # one Silero VAD frame at SAMPLE_RATE
FRAME_MS = FRAME_SAMPLES * 1000 // SAMPLE_RATE  # 32 ms
DTYPE = np.float32


def seconds(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """Duration of ``audio`` (first axis is time) in seconds."""
    return len(audio) / sample_rate


def to_float32(audio: np.ndarray) -> np.ndarray:
    """Samples in [-1, 1] as float32: integers are scaled by their full range, NaN/inf zeroed."""
    audio = np.asarray(audio)
    if audio.dtype.kind == "i":
        audio = audio.astype(DTYPE) / -float(np.iinfo(audio.dtype).min)
    elif audio.dtype.kind == "u":
        info = np.iinfo(audio.dtype)
        mid = (info.max + 1) / 2
        audio = (audio.astype(DTYPE) - mid) / mid
    audio = audio.astype(DTYPE, copy=False)
    if not np.isfinite(audio).all():
        audio = np.nan_to_num(audio, nan=0.0, posinf=1.0, neginf=-1.0)
    return audio


def to_mono(audio: np.ndarray) -> np.ndarray:
    """Mix ``(samples,)`` or ``(samples, channels)`` down to ``(samples,)`` by averaging."""
    if audio.ndim == 1:
        return audio
    if audio.ndim != 2:
        raise ValueError(f"audio must be (samples,) or (samples, channels), got {audio.shape}")
    if audio.shape[1] == 1:
        return audio[:, 0]
    return audio.mean(axis=1, dtype=DTYPE)


def resample(audio: np.ndarray, from_hz: int, to_hz: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited polyphase resampling of a whole mono signal (scipy's ``resample_poly``).

    Polyphase filtering keeps speech intact where naive interpolation would alias; it is
    exact for the integer ratios of common rates (8, 22.05, 24, 44.1, 48 kHz).
    """
    if from_hz == to_hz or len(audio) == 0:
        return audio.astype(DTYPE, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(from_hz), int(to_hz))
    out = resample_poly(audio, int(to_hz) // g, int(from_hz) // g)
    return np.asarray(out, dtype=DTYPE)


def _lowpass(up: int, down: int) -> np.ndarray:
    """The anti-aliasing filter ``resample_poly`` designs for this ratio (same taps)."""
    from scipy.signal import firwin

    max_rate = max(up, down)
    half_len = 10 * max_rate
    return firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * up


class StreamResampler:
    """Resample a stream block by block with the same result as resampling it all at once.

    Used for microphones that cannot deliver 16 kHz themselves. Output sample ``m`` is
    ``sum_n x[n] * h[half + m*down - n*up]``; it is emitted once every input it needs has
    arrived, so the stream lags by half the filter (about 1 ms at 48 kHz).
    """

    def __init__(self, from_hz: int, to_hz: int = SAMPLE_RATE) -> None:
        g = gcd(int(from_hz), int(to_hz))
        self.up, self.down = int(to_hz) // g, int(from_hz) // g
        self.taps = _lowpass(self.up, self.down) if self.up != self.down else np.ones(1)
        self.half = (len(self.taps) - 1) // 2
        self._buf = np.zeros(0, dtype=np.float64)
        self._buf_start = 0  # absolute index of _buf[0]
        self._received = 0  # inputs seen so far
        self._next_out = 0  # index of the next output sample

    def _ready_until(self, final: bool) -> int:
        """One past the last output whose inputs have all arrived (all of them when final)."""
        if final:
            return -(-self._received * self.up // self.down)
        # y[m] needs x[n] up to n = (m*down + half) // up, which must be < received.
        return max(0, (self._received * self.up - self.half - 1) // self.down + 1)

    def process(self, block: np.ndarray, final: bool = False) -> np.ndarray:
        """Feed mono ``block``; returns the output samples that are now complete (float32)."""
        self._buf = np.concatenate([self._buf, np.asarray(block, dtype=np.float64)])
        self._received += len(block)
        end = self._ready_until(final)
        m = np.arange(self._next_out, end)
        if len(m) == 0:
            return np.zeros(0, dtype=DTYPE)
        width = -(-len(self.taps) // self.up) + 1
        first = -(-(m * self.down - self.half) // self.up)  # ceil: first input touching y[m]
        n = first[:, None] + np.arange(width)[None, :]
        k = self.half + m[:, None] * self.down - n * self.up
        valid = (k >= 0) & (k < len(self.taps)) & (n >= 0) & (n < self._received)
        local = np.clip(n - self._buf_start, 0, len(self._buf) - 1)
        weights = np.where(valid, self.taps[np.clip(k, 0, len(self.taps) - 1)], 0.0)
        out = (self._buf[local] * weights).sum(axis=1)
        self._next_out = end
        keep_from = max(0, -(-(end * self.down - self.half) // self.up) - 1)
        drop = min(max(0, keep_from - self._buf_start), len(self._buf))
        self._buf, self._buf_start = self._buf[drop:], self._buf_start + drop
        return out.astype(DTYPE)


class FrameClock:
    """Cut blocks of any length into exact ``FRAME_SAMPLES`` frames, each with the time it
    began: a block's own start time when nothing was left over from the block before, else
    counted on in samples from the leftover's (a microphone block of 32 ms at 16 kHz is one
    frame, so live frames keep the capture times the microphone gave them)."""

    def __init__(self, frame_samples: int = FRAME_SAMPLES) -> None:
        self.frame_samples = frame_samples
        self._rest = np.zeros(0, dtype=DTYPE)
        self._rest_start_s = 0.0

    def push(self, block: np.ndarray, start_s: float = 0.0) -> Iterator[tuple[np.ndarray, float]]:
        """Yield ``(frame, start_s)`` for every whole frame now available (copies)."""
        if len(self._rest) == 0:
            self._rest_start_s = start_s
        data = np.concatenate([self._rest, np.asarray(block, dtype=DTYPE)])
        whole = len(data) // self.frame_samples * self.frame_samples
        for at in range(0, whole, self.frame_samples):
            frame = data[at : at + self.frame_samples].copy()
            yield frame, self._rest_start_s + at / SAMPLE_RATE
        self._rest = data[whole:]
        self._rest_start_s += whole / SAMPLE_RATE


def frames_of(audio: np.ndarray, frame_samples: int = FRAME_SAMPLES) -> np.ndarray:
    """``(n_frames, frame_samples)`` view of a mono signal, the last frame zero-padded."""
    n = -(-len(audio) // frame_samples)
    padded = np.zeros(n * frame_samples, dtype=DTYPE)
    padded[: len(audio)] = audio
    return padded.reshape(n, frame_samples)
