"""A room between the virtual speaker and the virtual microphone: a harder echo path than
PulseAudio's loopback (one delayed copy at one gain).

Offline (the canceller's tests), :func:`impulse_response` is the room: a direct path after
``delay_ms`` at ``gain_db``, then reverberation, decaying noise that falls 60 dB over
``rt60_ms`` starting ``reverb_db`` under the direct sound; :class:`RoomFilter` applies it.

Live (:class:`EchoRoom`), the same room is built inside PulseAudio, where nothing stalls:
the direct path and a train of reflections are ``module-loopback``s from ``speaker.monitor``
into ``micfeed`` (the reverberation's decay sampled every ``REFLECTION_MS``), and steady
noise at ``noise_dbfs`` plays into ``micfeed`` the whole time. (A Python pump between
``parec`` and ``pacat`` was tried first: whenever it was descheduled on two busy cores
``pacat`` ran dry and the echo path jumped in time, which no room does, and every jump made
the canceller start over.)
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.bench.virtual_audio import VirtualAudio
from speech.audio import SAMPLE_RATE
from speech.audio_file import write_wav

BLOCK = SAMPLE_RATE // 50  # the filter's usual block: 20 ms
REFLECTION_MS = 40.0  # spacing of the live room's reflections
NOISE_S = 20.0  # the noise clip, looped


@dataclass(frozen=True)
class Room:
    """The echo path; the defaults are a laptop on a desk in a furnished room."""

    delay_ms: float = 30.0
    gain_db: float = -3.0
    rt60_ms: float = 300.0
    reverb_db: float = -10.0
    noise_dbfs: float = -60.0
    seed: int = 7


def impulse_response(room: Room) -> np.ndarray:
    """The room's impulse response at 16 kHz: a direct tap, then an exponentially decaying
    noise tail (seeded: the same room every run)."""
    rng = np.random.default_rng(room.seed)
    direct = round(room.delay_ms / 1000 * SAMPLE_RATE)
    tail = round(room.rt60_ms / 1000 * SAMPLE_RATE)
    t = np.arange(tail) / SAMPLE_RATE
    decay = 10 ** (-3.0 * t / (room.rt60_ms / 1000))  # amplitude: -60 dB at rt60
    reverb = rng.standard_normal(tail) * decay
    reverb *= 10 ** (room.reverb_db / 20) / np.sqrt((reverb**2).sum())  # energy vs the direct tap
    ir = np.zeros(direct + 1 + tail)
    ir[direct] = 1.0
    ir[direct + 1 :] = reverb
    return ir * 10 ** (room.gain_db / 20)


class RoomFilter:
    """Streaming convolution by overlap-add (FFT): blocks in, as many filtered samples out."""

    def __init__(self, ir: np.ndarray) -> None:
        self.ir = ir
        self._size = 1 << int(np.ceil(np.log2(len(ir) + BLOCK)))
        self._spectrum = np.fft.rfft(ir, self._size)
        self._tail = np.zeros(len(ir) - 1)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        size = self._size if n <= BLOCK else 1 << int(np.ceil(np.log2(len(self.ir) + n)))
        spectrum = self._spectrum if size == self._size else np.fft.rfft(self.ir, size)
        out = np.fft.irfft(np.fft.rfft(block, size) * spectrum, size)[: n + len(self.ir) - 1]
        out[: len(self._tail)] += self._tail
        self._tail = out[n:].copy()
        return out[:n]


class EchoRoom:
    """``with EchoRoom(audio, Room()):`` Wenda's voice reaches its microphone through the room."""

    def __init__(self, audio: VirtualAudio, room: Room) -> None:
        self.audio, self.room = audio, room
        self._modules: list[str] = []
        self._noise: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def taps(self) -> list[tuple[float, float]]:
        """(delay ms, gain dB) of the direct path and each reflection down to -40 dB."""
        room, taps = self.room, [(self.room.delay_ms, self.room.gain_db)]
        k = 1
        while (decay := -60.0 * k * REFLECTION_MS / room.rt60_ms) > -40.0:
            taps.append((room.delay_ms + k * REFLECTION_MS, room.gain_db + room.reverb_db + decay))
            k += 1
        return taps

    def __enter__(self) -> EchoRoom:
        for delay_ms, gain_db in self.taps():
            self._modules.append(self.audio.loopback(round(delay_ms), _pulse_volume(gain_db)))
        self._dir = tempfile.TemporaryDirectory(prefix="wenda-room-")
        noise = Path(self._dir.name) / "noise.wav"
        rng = np.random.default_rng(self.room.seed + 1)
        level = 10 ** (self.room.noise_dbfs / 20)
        samples = level * rng.standard_normal(int(NOISE_S * SAMPLE_RATE))
        write_wav(noise, samples.astype(np.float32))
        loop = f"while paplay --device=micfeed {noise}; do :; done"
        self._noise = subprocess.Popen(["bash", "-c", loop], start_new_session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._noise is not None:
            subprocess.run(["pkill", "-g", str(self._noise.pid)], check=False)
            self._noise.wait(timeout=5)
            self._noise = None
        for module in self._modules:
            self.audio.pactl("unload-module", module)
        self._modules = []
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def _pulse_volume(gain_db: float) -> str:
    """PulseAudio's software volume is cubic: amplitude ``(v / 100%) ** 3``."""
    return f"{100 * 10 ** (gain_db / 60):.1f}%"
