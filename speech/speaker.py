"""Interruptible playback through sounddevice, reporting what was really heard.

The output stream runs from open to close and its callback only copies the next block from
the :class:`~speech.playback.PlaybackQueue` (silence when there is none), so starting a clip
costs no device start-up and stopping is a flag the very next block obeys: the sound ends
about one block plus the device buffer after ``stop()``. Measured through PulseAudio (the
stop test in tests/speech/test_pulse_audio.py): 10 ms blocks with a 30 ms buffer 33-36 ms,
with 40 ms 57 ms, with 60 ms 76 ms; 5 ms blocks with 30 ms 33-37 ms but half the time
between callbacks, which underflowed on two cores under training load. Hence 10 ms and
30 ms. (Dropping the buffered audio on a stop does not work here: a PulseAudio stream
aborted and started again, or a fresh spare one, stalls ~1.9 s and then underruns.)
PortAudio's "high" default can be 100 ms or more on bare ALSA hardware, which is why the
buffer is set explicitly.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from speech.audio import SAMPLE_RATE
from speech.devices import find_device, import_sounddevice
from speech.errors import AudioDeviceError
from speech.playback import OnStart, PlaybackClock, PlaybackQueue, PlayedClip

log = logging.getLogger(__name__)

WARMUP_TIMEOUT_S = 5.0  # a device that takes longer to start playing is reported broken
DRAIN_MARGIN_S = 5.0  # a clip not heard this long after its own length is given up on


@dataclass(frozen=True)
class Played:
    """How one :meth:`Speaker.play` ended. ``started_s`` is when the first sample reached
    the output (None if nothing was played), ``ended_s`` when the last one did (after a stop:
    when the output fell silent); ``interrupted`` when ``stop`` cut it short. Monotonic
    seconds, the clock the microphone stamps its blocks on."""

    started_s: float | None
    played_samples: int
    total_samples: int
    interrupted: bool
    ended_s: float | None = None

    @property
    def fraction(self) -> float:
        return 1.0 if self.total_samples == 0 else self.played_samples / self.total_samples


class Speaker(Protocol):
    """Interruptible playback of one clip at a time, reporting what was heard."""

    def play(self, audio: np.ndarray, stop: threading.Event, on_start: OnStart = None) -> Played:
        """Play mono float32 16 kHz ``audio`` and wait until it has been heard or stopped.
        If ``stop`` is already set nothing is played (callers set it before calling
        :meth:`stop`, so a clip starting just then is caught either way). ``on_start(t)``
        is called, from any thread, with the monotonic time the first sample reaches the
        output, and again with a later time if playback slipped; it must only hand the
        time on."""
        ...

    def stop(self) -> None:
        """Silence now (from any thread, e.g. on barge-in); the :meth:`play` in progress
        returns."""
        ...


@dataclass(frozen=True)
class SpeakerConfig:
    device: str = ""  # name (or part of it) or index; empty: the system default
    block_ms: int = 10  # callback block: a stop is heard after at most this plus the buffer
    latency: float | str | None = 0.03  # device buffer in s ("low"/"high"/None: PortAudio's)


class SoundDeviceSpeaker:
    """A running sounddevice OutputStream fed from a PlaybackQueue. Close it when done."""

    def __init__(self, config: SpeakerConfig | None = None) -> None:
        config = config or SpeakerConfig()
        sd = import_sounddevice()
        index = find_device(config.device, "output")
        self._queue = PlaybackQueue(SAMPLE_RATE)
        self._clock = PlaybackClock(SAMPLE_RATE)
        self.underflows = 0  # blocks the device had to fill with silence itself
        self.callback_errors = 0
        self._blocks = 0
        self._warm = threading.Event()
        self._warm_blocks = 1_000_000  # set once the stream's buffer size is known
        self._clip = 0  # the id of the last clip played, for finding its report
        self._lock = threading.Lock()
        try:
            self._stream = sd.OutputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="float32",
                device=index,
                blocksize=SAMPLE_RATE * config.block_ms // 1000,
                latency=config.latency,
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as e:
            raise AudioDeviceError(
                f"cannot open speaker {sd.query_devices(index)['name']!r}: {e}; "
                f"choose another (audio.output_device) or close the program holding it"
            ) from e
        self._latency_s = float(self._stream.latency)
        self._warm_up(config.block_ms / 1000)
        log.info("speaker %d open, %.0f ms buffer", index, self._latency_s * 1000)

    def _warm_up(self, block_s: float) -> None:
        """Wait until the device really consumes audio in real time.

        A new stream first fills its buffer in a burst, then may stall (PulseAudio took
        up to 2 s here) before it plays; a clip queued in that window would be reported as
        started when it was not. So the stream starts on silence and clips are taken only
        once more blocks have been requested than the buffer holds.
        """
        self._warm_blocks = math.ceil((self._latency_s + 0.05) / block_s)
        if not self._warm.wait(WARMUP_TIMEOUT_S):
            self.close()
            raise AudioDeviceError(
                f"the speaker did not start playing within {WARMUP_TIMEOUT_S:.0f} s; "
                f"check the sound server (e.g. `pactl info`) or choose another device"
            )

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Audio thread: copy one block and return. Never raises."""
        try:
            delay = time_info.outputBufferDacTime - time_info.currentTime
            if not 0.0 <= delay < 1.0:  # some host APIs report no usable DAC time
                delay = self._latency_s
            if status.output_underflow:
                self.underflows += 1
                self._clock.restart()
            self._queue.fill(outdata[:, 0], self._clock.heard_at(time.monotonic() + delay, frames))
            self._blocks += 1
            if self._blocks >= self._warm_blocks:
                self._warm.set()
        except Exception:  # an exception here would kill the stream; count it instead
            outdata.fill(0.0)
            self.callback_errors += 1

    def play(self, audio: np.ndarray, stop: threading.Event, on_start: OnStart = None) -> Played:
        if stop.is_set() or len(audio) == 0:
            return Played(None, 0, len(audio), stop.is_set())
        if not self._stream.active:
            raise AudioDeviceError("the speaker stopped working; open it again")
        with self._lock:
            self._clip += 1
            clip = self._clip
        self._queue.add(clip, audio, on_start)
        if stop.is_set():  # stop() may have run just before the clip was queued
            self.stop()
        reports = self._drain(timeout_s=len(audio) / SAMPLE_RATE + DRAIN_MARGIN_S)
        report = next((r for r in reports if r.clip_id == clip), None)
        if report is None or report.started_at is None:
            return Played(None, 0, len(audio), True)
        ended = report.started_at + report.played / SAMPLE_RATE
        return Played(report.started_at, report.played, len(audio), report.interrupted, ended)

    def _drain(self, timeout_s: float) -> list[PlayedClip]:
        """Wait until everything queued has been heard (or stopped); report every clip
        since the last drain, then forget the finished ones."""
        deadline = time.monotonic() + timeout_s
        self._queue.drained.wait(timeout_s)
        end = self._queue.end_time()
        if end is not None:
            # The last samples are still in the device buffer; wait until they are heard.
            wait_s = min(end, deadline) - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
        return self._queue.reports(time.monotonic(), forget=True)

    def stop(self) -> None:
        self._queue.stop(time.monotonic())

    def close(self) -> None:
        """Stop and release the device (idempotent)."""
        self._queue.stop(time.monotonic())
        try:
            self._stream.abort()
            self._stream.close()
        except Exception as e:  # closing a dead stream must not mask the real error
            log.debug("closing the speaker: %s", e)

    def __enter__(self) -> SoundDeviceSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SilentSpeaker:
    """A speaker with no device (``wenda talk`` with replies printed only, typed chat):
    playing takes as long as the audio lasts, in ``block_s`` steps, and stops when told."""

    block_s = 0.01

    def stop(self) -> None:
        pass  # play() waits on the stop event, which callers set before calling this

    def play(self, audio: np.ndarray, stop: threading.Event, on_start: OnStart = None) -> Played:
        if stop.is_set():
            return Played(None, 0, len(audio), True)
        started = time.monotonic()
        if on_start is not None:
            on_start(started)
        block, played = round(self.block_s * SAMPLE_RATE), 0
        while played < len(audio) and not stop.wait(self.block_s):
            played = min(len(audio), played + block)
            self.heard(audio, played)
        return Played(started, played, len(audio), played < len(audio), time.monotonic())

    def heard(self, audio: np.ndarray, until: int) -> None:
        """Samples ``[:until]`` of ``audio`` have been played (a hook for tests)."""


def make_speaker(config: SpeakerConfig | None = None) -> SoundDeviceSpeaker:
    """Open the configured output device (sounddevice is imported here)."""
    return SoundDeviceSpeaker(config)
