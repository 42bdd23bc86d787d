"""Microphone capture with sounddevice: timestamped blocks, the callback copies, nothing more.

The audio callback stamps each block with its capture time, copies it into a bounded queue
and returns; when the consumer falls behind, the oldest block is dropped (and counted) so
the callback never blocks and the newest audio, the one that matters for a reply, is kept.
Conversion to 16 kHz mono happens in the consumer's thread (:meth:`read`), as does
everything downstream (VAD, Whisper). Devices that cannot record at 16 kHz or in mono are
opened at their own rate and channel count and converted there.

Capture times are on ``time.monotonic()``, the clock the speaker reports playback on, so
the echo gate and the latency figures can compare what was heard with what was played.
PortAudio's own ``inputBufferAdcTime`` is not usable through PulseAudio (the ALSA pulse
plugin): measured on the virtual microphone it was 584 ms off for the first blocks and
jittered by -330..+200 ms with the cores busy, while its ``currentTime`` is the monotonic
clock itself. So :class:`CaptureClock` takes ``time.monotonic()`` in the callback, which
can only be late (a block is delivered after its last sample was captured), and stamps
each block from the most prompt callback of the last five seconds plus the samples counted
since: clicks 0.5 s apart in one recording came out 0..32 ms late (38 ms with three busy
threads on two cores), where the raw callback time was off by -92..+900 ms under that load.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from speech.audio import DTYPE, FRAME_MS, SAMPLE_RATE, StreamResampler, to_mono
from speech.devices import find_device, import_sounddevice
from speech.errors import AudioDeviceError

log = logging.getLogger(__name__)

CLOCK_WINDOW_BLOCKS = 160  # about 5 s of 32 ms blocks: a device clock 0.01 % off drifts 0.5 ms


@dataclass(frozen=True)
class MicBlock:
    """Captured samples (mono float32, 16 kHz); ``start_s``: when the first one was heard
    (``time.monotonic()`` seconds)."""

    samples: np.ndarray = field(repr=False)
    start_s: float


class Microphone(Protocol):
    """A live or replayed input stream of timestamped blocks."""

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
class MicrophoneConfig:
    device: str = ""  # name (or part of it) or index; empty: the system default
    queue_s: float = 2.0  # audio the queue holds before dropping the oldest
    stall_timeout_s: float = 3.0  # no audio for this long: the device has failed


class CaptureClock:
    """Capture times of a stream's blocks from the times their callbacks ran.

    Block ``n`` cannot be delivered before its last sample was captured, so every callback
    gives an upper bound of when the stream's first sample was: ``now - samples so far``.
    The lowest bound of the last ``window`` callbacks is the best estimate; a window rather
    than all time, so the clock follows the device's drift, and cleared when the device
    lost input (the sample count no longer matches the time). A burst of blocks delivered
    at once (a stream starting: PulseAudio held the first 1.7 s back here) has nothing
    better than its own delivery time, so its blocks share about one stamp.
    """

    def __init__(self, sample_rate: int, window: int = CLOCK_WINDOW_BLOCKS) -> None:
        self.sample_rate, self.window = sample_rate, window
        self._samples = 0
        self._blocks = 0
        self._lowest: deque[tuple[int, float]] = deque()  # (block, origin), origins rising

    def stamp(self, now_s: float, frames: int) -> float:
        """The capture time of the first of ``frames`` samples delivered at ``now_s``."""
        first, self._samples = self._samples, self._samples + frames
        block, self._blocks = self._blocks, self._blocks + 1
        origin = now_s - self._samples / self.sample_rate
        while self._lowest and self._lowest[-1][1] >= origin:
            self._lowest.pop()  # a bound that is both older and higher never wins again
        self._lowest.append((block, origin))
        if self._lowest[0][0] <= block - self.window:
            self._lowest.popleft()
        return self._lowest[0][1] + first / self.sample_rate

    def restart(self) -> None:
        """Input was lost: forget the estimates made before the gap."""
        self._lowest.clear()


def _open_settings(sd: Any, index: int) -> tuple[int, int]:
    """(sample rate, channels) the device accepts: 16 kHz mono if it can, else its own."""
    info = sd.query_devices(index)
    for rate, channels in ((SAMPLE_RATE, 1), (int(info["default_samplerate"]), 1)):
        for ch in (channels, min(2, int(info["max_input_channels"]))):
            try:
                sd.check_input_settings(device=index, samplerate=rate, channels=ch, dtype="float32")
                return rate, ch
            except sd.PortAudioError:
                continue
    raise AudioDeviceError(
        f"microphone {info['name']!r} accepts neither 16 kHz nor its own "
        f"{info['default_samplerate']:.0f} Hz in mono or stereo; choose another device"
    )


class SoundDeviceMicrophone:
    """Records from one input device from :meth:`start` until :meth:`close`."""

    def __init__(self, config: MicrophoneConfig | None = None) -> None:
        self.config = config or MicrophoneConfig()
        self.sample_rate, self.channels = SAMPLE_RATE, 1
        self.overruns = 0  # blocks dropped because the consumer fell behind
        self.device_overflows = 0  # blocks the device itself reported as lost
        self._queue: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue(maxsize=2)
        self._clock = CaptureClock(SAMPLE_RATE)
        self._resampler: StreamResampler | None = None
        self._stream: Any = None
        self._closed = True

    def start(self) -> None:
        """Open the device and start capturing (AudioDeviceError if it cannot)."""
        if self._stream is not None and not self._closed:
            return
        sd = import_sounddevice()
        index = find_device(self.config.device, "input")
        self.sample_rate, self.channels = _open_settings(sd, index)
        capacity = max(2, int(self.config.queue_s * 1000 / FRAME_MS))
        self._queue = queue.Queue(maxsize=capacity)
        self._clock = CaptureClock(self.sample_rate)
        rate = self.sample_rate
        self._resampler = StreamResampler(rate) if rate != SAMPLE_RATE else None
        self._closed = False
        try:
            self._stream = sd.InputStream(
                samplerate=rate,
                channels=self.channels,
                dtype="float32",
                device=index,
                blocksize=rate * FRAME_MS // 1000,
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as e:
            self._closed = True
            raise AudioDeviceError(
                f"cannot open microphone {sd.query_devices(index)['name']!r}: {e}; "
                f"choose another (audio.input_device) or close the program holding it"
            ) from e
        log.info("microphone %d open at %d Hz x%d", index, rate, self.channels)

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Audio thread: stamp and copy the block into the queue, dropping the oldest if
        full. Never raises."""
        try:
            now_s = time.monotonic()
            if status.input_overflow:
                self.device_overflows += 1
                self._clock.restart()
            self._put((indata.copy(), self._clock.stamp(now_s, frames)))
        except Exception:  # raising here would kill the stream; the consumer sees the gap
            self.overruns += 1

    def _put(self, item: tuple[np.ndarray, float] | None) -> None:
        """Queue ``item``, dropping the oldest block when the queue is full."""
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    continue
                if item is not None:  # a block was lost to make room for another
                    self.overruns += 1

    def read(self) -> MicBlock | None:
        """The next block as app audio, waiting for it; None after :meth:`close`."""
        while not self._closed or not self._queue.empty():
            try:
                item = self._queue.get(timeout=self.config.stall_timeout_s)
            except queue.Empty:
                if self._closed:
                    return None
                raise AudioDeviceError(
                    f"the microphone sent no audio for {self.config.stall_timeout_s:.0f} s; "
                    f"it may have been unplugged or taken by another program"
                ) from None
            if item is None:
                return None
            block, start_s = item
            mono = to_mono(block)
            samples = self._resampler.process(mono) if self._resampler else mono
            if len(samples):
                return MicBlock(np.asarray(samples, dtype=DTYPE), start_s)
        return None

    def close(self) -> None:
        """Stop the stream; a waiting :meth:`read` returns None (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._stream.abort()
            self._stream.close()
        except Exception as e:  # closing a dead stream must not mask the real error
            log.debug("closing the microphone: %s", e)
        self._put(None)  # the end marker must get in, even past a full queue

    def __enter__(self) -> SoundDeviceMicrophone:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SilentMicrophone:
    """No microphone (typed chat only): an input that stays silent until it is closed."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    def start(self) -> None:
        pass

    def read(self) -> MicBlock | None:
        self._closed.wait()
        return None

    def close(self) -> None:
        self._closed.set()


def make_microphone(config: MicrophoneConfig | None = None) -> SoundDeviceMicrophone:
    """The configured input device, opened by its ``start()`` (sounddevice is imported there)."""
    return SoundDeviceMicrophone(config)
