"""Microphone capture with sounddevice: the callback copies, everything else happens outside.

The audio callback copies each block into a bounded queue and returns; when the consumer
falls behind, the oldest block is dropped (and counted) so the callback never blocks and
the newest audio, the one that matters for a reply, is kept. Conversion to 16 kHz mono
32 ms frames happens in the consumer's thread, as does everything downstream (VAD, Whisper).
Devices that cannot record at 16 kHz or in mono are opened at their own rate and channel
count and converted there.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from speech.audio import FRAME_MS, SAMPLE_RATE, FrameChunker, StreamResampler, to_mono
from speech.devices import find_device, import_sounddevice
from speech.errors import AudioDeviceError

log = logging.getLogger(__name__)


class Microphone(Protocol):
    """A live stream of 32 ms frames."""

    def frames(self) -> Iterator[np.ndarray]:
        """``FRAME_SAMPLES`` float32 frames at 16 kHz, blocking for each, until close()."""
        ...

    def close(self) -> None:
        """Stop recording; ``frames()`` ends after the frames already captured."""
        ...


@dataclass(frozen=True)
class MicrophoneConfig:
    device: str = ""  # name (or part of it) or index; empty: the system default
    queue_s: float = 2.0  # audio the queue holds before dropping the oldest
    stall_timeout_s: float = 3.0  # no audio for this long: the device has failed


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
    """Records from one input device from construction until close()."""

    def __init__(self, config: MicrophoneConfig | None = None) -> None:
        self.config = config or MicrophoneConfig()
        sd = import_sounddevice()
        index = find_device(self.config.device, "input")
        self.sample_rate, self.channels = _open_settings(sd, index)
        block = self.sample_rate * FRAME_MS // 1000
        capacity = max(2, int(self.config.queue_s * 1000 / FRAME_MS))
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=capacity)
        self.overruns = 0  # blocks dropped because the consumer fell behind
        self.device_overflows = 0  # blocks the device itself reported as lost
        self._closed = False
        try:
            self._stream = sd.InputStream(
                samplerate=self.sample_rate,
                channels=self.channels,
                dtype="float32",
                device=index,
                blocksize=block,
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as e:
            raise AudioDeviceError(
                f"cannot open microphone {sd.query_devices(index)['name']!r}: {e}; "
                f"choose another (audio.input_device) or close the program holding it"
            ) from e
        log.info("microphone %d open at %d Hz x%d", index, self.sample_rate, self.channels)

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Audio thread: copy the block into the queue, dropping the oldest if full."""
        try:
            if status.input_overflow:
                self.device_overflows += 1
            block = indata.copy()
            try:
                self._queue.put_nowait(block)
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass
                self.overruns += 1
                self._queue.put_nowait(block)
        except Exception:  # raising here would kill the stream; the consumer sees the gap
            self.overruns += 1

    def frames(self) -> Iterator[np.ndarray]:
        chunker = FrameChunker()
        resampler = StreamResampler(self.sample_rate) if self.sample_rate != SAMPLE_RATE else None
        while True:
            try:
                block = self._queue.get(timeout=self.config.stall_timeout_s)
            except queue.Empty:
                if self._closed:
                    return
                raise AudioDeviceError(
                    f"the microphone sent no audio for {self.config.stall_timeout_s:.0f} s; "
                    f"it may have been unplugged or taken by another program"
                ) from None
            if block is None:
                return
            mono = to_mono(block)
            yield from chunker.push(resampler.process(mono) if resampler else mono)

    def close(self) -> None:
        """Stop the stream and end ``frames()`` (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._stream.abort()
            self._stream.close()
        except Exception as e:  # closing a dead stream must not mask the real error
            log.debug("closing the microphone: %s", e)
        while True:  # the end marker must get in, even past a full queue
            try:
                self._queue.put_nowait(None)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    def __enter__(self) -> SoundDeviceMicrophone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_microphone(config: MicrophoneConfig | None = None) -> SoundDeviceMicrophone:
    """Open the configured input device (sounddevice is imported here)."""
    return SoundDeviceMicrophone(config)
