"""Echo-aware gating: Wenda's own voice coming back through the microphone is not the user.

Without acoustic echo cancellation the microphone hears the speaker, and the VAD rightly
calls that speech. We know exactly what was played and when, so for each microphone frame
we predict how loud the echo can be and let the VAD's verdict through only when the
microphone is clearly louder than that (``margin_db``): the user talking over Wenda.

The prediction works on energy envelopes in 8 ms blocks on one clock (monotonic seconds):
echo energy at block ``b`` is ``gain**2 * max(reference[b - lag])`` over lags around the
loopback delay, with a decaying tail for room reverberation. Delay and gain are measured
online while Wenda speaks: the delay by normalised cross-correlation of the microphone and
reference log-envelopes, the gain from the energy ratio at that delay (frames much louder than
the prediction are double talk and are left out). Until the delay is known every lag up to
``max_delay_ms`` counts, which is safe but makes barge-in need a louder voice.
Pure numpy, no threads: the listener calls it from the loop.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 128  # 8 ms envelope resolution
BLOCK_S = BLOCK_SAMPLES / SAMPLE_RATE
HISTORY_BLOCKS = 2048  # 16 s of envelope kept (ring buffers)
SILENT_POWER = 1e-9  # -90 dBFS: an empty block
ONSET_GAP_BLOCKS = 32  # a pause in Wenda's speech this long (256 ms) makes the next an onset


class HearsPlayback(Protocol):
    """Told what the speaker plays and when (the gate; the canceller, speech.echo_cancel)."""

    def add_reference(self, audio: np.ndarray, start_s: float) -> None: ...

    def cut_reference(self, at_s: float) -> None: ...


@dataclass(frozen=True)
class EchoGateConfig:
    """How cautious the gate is; the defaults were measured on the virtual loopback."""

    margin_db: float = 6.0  # the mic must be this much louder than the predicted echo
    max_delay_ms: float = 400.0  # longest speaker -> mic delay searched before it is measured
    # Negative delays too: the devices' reported latencies place the two clocks only roughly.
    min_delay_ms: float = -120.0
    jitter_ms: float = 64.0  # tolerance around the measured delay (buffer timing jitter)
    reverb_ms: float = 150.0  # echo tail after the reference stops (decays 60 dB over this)
    initial_gain: float = 1.0  # echo path amplitude gain assumed before it is measured
    min_correlation: float = 0.6  # a delay estimate needs at least this NCC peak
    estimate_every_blocks: int = 64  # re-measure the delay about twice a second while playing
    # Seconds of Wenda's speech before the gain is measured at all: behind an echo canceller,
    # which leaks while it converges, a gain measured on its first clean second is far too low.
    settle_s: float = 0.0
    # After a silence, the first this-many ms of Wenda's speech are judged at the initial gain:
    # a canceller leaks for a moment while it picks the echo up again.
    onset_guard_ms: float = 0.0

    def __post_init__(self) -> None:
        if self.margin_db < 0 or self.initial_gain <= 0:
            raise ValueError("margin_db must be >= 0 and initial_gain > 0")
        if not self.min_delay_ms < self.max_delay_ms:
            raise ValueError("min_delay_ms must be below max_delay_ms")


@dataclass(frozen=True)
class EchoVerdict:
    """The gate's view of one mic frame (powers are mean squares)."""

    mic_power: float
    echo_power: float  # predicted echo (already times gain**2)
    explained: bool  # True: the frame is no louder than Wenda's own echo could be


def block_powers(audio: np.ndarray) -> np.ndarray:
    """Mean square of each whole 8 ms block (the remainder is ignored)."""
    n = len(audio) // BLOCK_SAMPLES
    blocks = np.asarray(audio[: n * BLOCK_SAMPLES], dtype=np.float64).reshape(n, BLOCK_SAMPLES)
    return (blocks**2).mean(axis=1)


def lag_correlations(mic: np.ndarray, ref: np.ndarray, lags: range) -> np.ndarray:
    """Normalised cross-correlation of ``mic[t]`` with ``ref[t - lag]`` for each lag
    (equal-length envelopes; -1 where undefined)."""
    n = len(mic)
    out = np.full(len(lags), -1.0)
    for i, lag in enumerate(lags):
        if abs(lag) > n - 8:
            continue
        a, b = (mic[lag:], ref[: n - lag]) if lag >= 0 else (mic[: n + lag], ref[-lag:])
        a, b = a - a.mean(), b - b.mean()
        denom = math.sqrt(float((a * a).sum() * (b * b).sum()))
        if denom > 0:
            out[i] = float((a * b).sum()) / denom
    return out


def best_lag(mic: np.ndarray, ref: np.ndarray, lags: range) -> tuple[int, float]:
    """The lag (blocks) with the highest correlation, and that correlation."""
    r = lag_correlations(mic, ref, lags)
    i = int(np.argmax(r))
    return lags[i], float(r[i])


class EchoGate:
    """Predicts Wenda's echo in the microphone from what the speaker played.

    ``origin_s`` anchors block 0 of the shared clock; all times are monotonic seconds.
    """

    def __init__(self, config: EchoGateConfig | None = None, origin_s: float = 0.0) -> None:
        self.config = config or EchoGateConfig()
        self.origin_s = origin_s
        self._segments: list[tuple[int, np.ndarray]] = []  # (first block, block powers)
        self._mic = np.full(HISTORY_BLOCKS, SILENT_POWER)
        self._mic_until = -1
        self.delay_blocks: int | None = None
        self.gain = self.config.initial_gain
        self._since_estimate = 0
        self._heard_s = 0.0  # microphone time judged while echo was expected
        self._onset = -(10**9)  # first block of the latest speech after a silence
        cfg = self.config
        self._guard = _blocks(cfg.onset_guard_ms) if cfg.onset_guard_ms > 0 else None
        self._lags = range(_blocks(cfg.min_delay_ms), _blocks(cfg.max_delay_ms) + 1)
        self._jitter = max(1, _blocks(cfg.jitter_ms))
        self._tail = max(0, _blocks(cfg.reverb_ms))
        self._margin = 10 ** (cfg.margin_db / 10)

    def _block(self, t_s: float) -> int:
        return round((t_s - self.origin_s) / BLOCK_S)

    @property
    def _ref_until(self) -> int:
        """Last block with reference (-1: nothing played yet)."""
        return max((first + len(p) - 1 for first, p in self._segments), default=-1)

    def add_reference(self, audio: np.ndarray, start_s: float) -> None:
        """``audio`` is being played with its first sample leaving the speaker at ``start_s``."""
        first = self._block(start_s)
        if first - self._ref_until > ONSET_GAP_BLOCKS:
            self._onset = first
        self._segments.append((first, block_powers(audio)))
        horizon = first - HISTORY_BLOCKS
        self._segments = [(f, p) for f, p in self._segments if f + len(p) > horizon]

    def cut_reference(self, at_s: float) -> None:
        """Playback stopped at ``at_s``: nothing planned after it will be heard."""
        cut = self._block(at_s)
        self._segments = [(f, p[: max(0, cut - f)]) for f, p in self._segments if f < cut]

    def _reference(self, blocks: np.ndarray) -> np.ndarray:
        """Reference power at each block index (0 where nothing was played)."""
        out = np.zeros(len(blocks))
        for first, powers in self._segments:
            inside = (blocks >= first) & (blocks < first + len(powers))
            out[inside] = powers[blocks[inside] - first]
        return out

    def active(self, t_s: float) -> bool:
        """Whether echo of something played may still reach the mic at ``t_s``."""
        until = self._ref_until
        return until >= 0 and self._block(t_s) <= until + self._lags[-1] + self._tail

    def _lag_window(self) -> tuple[int, int]:
        if self.delay_blocks is None:
            return self._lags[0], self._lags[-1]
        return self.delay_blocks - self._jitter, self.delay_blocks + self._jitter

    def _predict(self, block: int) -> float:
        """Predicted echo power at ``block`` (before gain): the loudest reference block in the
        lag window, or in the reverberant tail after it, which decays 60 dB over ``reverb_ms``."""
        lo, hi = self._lag_window()
        lags = np.arange(lo, hi + self._tail + 1)
        powers = self._reference(block - lags)
        beyond = np.maximum(0, lags - hi)  # blocks into the tail
        return float((powers * 10 ** (-6.0 * beyond / max(1, self._tail))).max())

    def judge(self, frame: np.ndarray, start_s: float) -> EchoVerdict:
        """Record one mic frame that began at ``start_s`` and say whether echo explains it."""
        powers = block_powers(frame)
        first = self._block(start_s)
        blocks = np.arange(first, first + len(powers))
        self._mic[blocks % HISTORY_BLOCKS] = np.maximum(powers, SILENT_POWER)
        self._mic_until = max(self._mic_until, int(blocks[-1]))
        mic_power = float(powers.mean())
        if not self.active(start_s):
            return EchoVerdict(mic_power, 0.0, explained=False)
        gain = self.gain
        if self._guard is not None and first <= self._onset + self._lags[-1] + self._guard:
            gain = max(gain, self.config.initial_gain)  # just after a silence: full echo
        echo = float(np.mean([self._predict(int(b)) for b in blocks])) * gain**2
        self._heard_s += len(frame) / SAMPLE_RATE
        self._learn(len(powers))
        return EchoVerdict(mic_power, echo, explained=mic_power <= self._margin * echo)

    def _learn(self, new_blocks: int) -> None:
        """Re-measure delay and gain every ``estimate_every_blocks`` while echo is expected."""
        self._since_estimate += new_blocks
        if self._since_estimate < self.config.estimate_every_blocks:
            return
        if self._heard_s < self.config.settle_s:
            return  # still settling: the initial gain stands
        self._since_estimate = 0
        span = 256  # about 2 s of envelope
        blocks = np.arange(self._mic_until - span + 1, self._mic_until + 1)
        if blocks[0] < 0:
            return
        mic, ref = self._mic[blocks % HISTORY_BLOCKS], self._reference(blocks)
        if (ref > 1e-6).mean() < 0.3:
            return  # too little of Wenda's voice in the window to measure anything
        # Fourth root of power (square root of amplitude): log would let the silences
        # between words dominate, and their rhythm repeats at wrong lags.
        r = lag_correlations(mic**0.25, ref**0.25, self._lags)
        i = int(np.argmax(r))
        if r[i] < self.config.min_correlation:
            self._bound_gain(blocks, mic)
            return
        lag = self._lags[i]
        if self.delay_blocks is not None:
            current = r[self.delay_blocks - self._lags[0]]
            if r[i] < current + 0.05:
                lag = self.delay_blocks  # hysteresis: a delay moves only for a clearly better one
        self.delay_blocks = lag
        self._learn_gain(mic, self._reference(blocks - lag))
        log.debug("echo delay %.0f ms, gain %.2f (r=%.2f)", lag * BLOCK_S * 1e3, self.gain, r[i])

    def _bound_gain(self, blocks: np.ndarray, mic: np.ndarray) -> None:
        """No clear echo (headphones, a quiet speaker): the gain is at most what the mic
        heard against the loudest reference it could be hearing. The 75th percentile lets
        the user talk over a quarter of the window without raising the bound (a barge-in
        stops playback long before that)."""
        if self.delay_blocks is not None:
            return  # a measured echo path beats a bound
        predicted = np.array([self._predict(int(b)) for b in blocks])
        loud = predicted > 1e-5
        if loud.sum() >= 32:
            self.gain = float(math.sqrt(np.quantile(mic[loud] / predicted[loud], 0.75)))

    def _learn_gain(self, mic: np.ndarray, ref: np.ndarray) -> None:
        loud = ref > 1e-5
        if loud.sum() >= 16:
            # Echo-only blocks sit at gain**2; double talk only adds energy and is brief
            # (barge-in stops playback), so the median ignores it.
            self.gain = float(math.sqrt(np.median(mic[loud] / ref[loud])))


def _blocks(ms: float) -> int:
    return round(ms / 1000 / BLOCK_S)
