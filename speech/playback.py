"""The playback queue: clips in order, the position in the current one, and what was heard.

Pure bookkeeping with explicit times, kept apart from the audio device so it can be tested
without one. The speaker's audio callback calls :meth:`PlaybackQueue.fill` once per block
with the time that block will reach the listener; from those times the queue knows when each
clip really started and, when playback is cut short, how much of it was heard (what a
dialogue history should keep after a barge-in).

When the device falls behind (an underflow on a busy machine: the sound server plays
silence, then the rest of the clip comes later), a block's time shows it: the rest of the
clip is now heard later than its start promised. The queue then moves the clip's start by
that slip and tells ``on_start`` again, so what was heard stays right and the echo gate
expects the echo where it now is, not where it was planned (a stale plan let the assistant's
own voice through as the user barging in).
"""

from __future__ import annotations

import logging
import statistics
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from speech.audio import DTYPE, SAMPLE_RATE

log = logging.getLogger(__name__)

DRIFT_S = 0.001  # the playback grid follows its estimate once they are this far apart
SLIP_S = 0.02  # a block heard this much later than planned is a slip (two 10 ms blocks)
# Told, from the audio thread, when a clip's first sample is heard (monotonic seconds).
OnStart = Callable[[float], None] | None


class PlaybackClock:
    """When each block of a continuous output stream is heard, on a steady sample grid.

    Each callback gives a time for its block (the device's DAC time): good to a fraction of
    a millisecond, but not steady to the sample. The stream itself is continuous, so block
    ``n`` is heard at ``origin + samples before it / rate``, with the origin the median of
    the recent callbacks' estimates; an echo canceller, whose filter sits on the sample
    grid, then sees each clip where the previous one left off. An underflow (the device
    played silence of its own) moves the grid: the estimates start over.
    """

    def __init__(self, sample_rate: int, window: int = 64) -> None:
        self.sample_rate = sample_rate
        self._samples = 0
        self._origins: deque[float] = deque(maxlen=window)
        self._origin: float | None = None

    def heard_at(self, dac_s: float, frames: int) -> float:
        """The time the first of ``frames`` samples, to be heard at about ``dac_s``, is heard."""
        first, self._samples = self._samples, self._samples + frames
        self._origins.append(dac_s - first / self.sample_rate)
        estimate = statistics.median(self._origins)
        if self._origin is None or abs(estimate - self._origin) > DRIFT_S:
            self._origin = estimate  # held, so the grid does not wobble by a sample or two
        return self._origin + first / self.sample_rate

    def restart(self) -> None:
        """The device lost its place (an underflow): forget the old estimates."""
        self._origins.clear()
        self._origin = None


@dataclass(frozen=True)
class PlayedClip:
    """How one clip went. ``started_at`` is ``time.monotonic()`` when its first sample
    reached the speaker (None if it never started); ``played`` counts samples heard."""

    clip_id: int
    samples: int
    played: int
    started_at: float | None
    interrupted: bool

    @property
    def played_s(self) -> float:
        return self.played / SAMPLE_RATE


@dataclass
class _Clip:
    clip_id: int
    audio: np.ndarray
    handed: int = 0  # samples given to the device so far
    started_at: float | None = None
    stopped_at: float | None = None  # when stop() cut it (None: not cut)
    on_start: OnStart = None  # told started_at, from fill()


class PlaybackQueue:
    """Thread-safe: the audio callback fills, other threads add, stop and report."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        self.sample_rate = sample_rate
        self._lock = threading.Lock()  # held only for list operations and one block's copy
        self._clips: list[_Clip] = []  # every clip since the last take_reports()
        self._next = 0  # index in _clips of the clip being handed out
        self.drained = threading.Event()  # set when everything queued has been handed out
        self.drained.set()

    def add(
        self,
        clip_id: int,
        audio: np.ndarray,
        on_start: OnStart = None,
    ) -> None:
        """Queue mono ``audio`` to play after what is already queued. ``on_start(t)`` is
        called from :meth:`fill` (the audio thread) with the time its first sample will be
        heard, and again with a later time if playback slipped (see the module docstring),
        so it must only hand the time on; what it raises is ignored."""
        with self._lock:
            self._clips.append(_Clip(clip_id, np.asarray(audio, dtype=DTYPE), on_start=on_start))
            self.drained.clear()

    def fill(self, out: np.ndarray, heard_at: float) -> None:
        """Write the next ``len(out)`` samples (silence when idle or stopped) into ``out``.

        ``heard_at`` is the monotonic time at which ``out[0]`` will reach the listener.
        Never raises; called from the audio thread.
        """
        out.fill(0.0)
        written = 0
        started: list[_Clip] = []
        with self._lock:
            while written < len(out) and self._next < len(self._clips):
                clip = self._clips[self._next]
                now_at = heard_at + written / self.sample_rate  # when this sample is heard
                if clip.started_at is None:
                    clip.started_at = now_at
                    started.append(clip)
                elif now_at - (clip.started_at + clip.handed / self.sample_rate) > SLIP_S:
                    clip.started_at = now_at - clip.handed / self.sample_rate
                    started.append(clip)
                take = min(len(out) - written, len(clip.audio) - clip.handed)
                out[written : written + take] = clip.audio[clip.handed : clip.handed + take]
                clip.handed += take
                written += take
                if clip.handed >= len(clip.audio):
                    self._next += 1
            if self._next >= len(self._clips):
                self.drained.set()
        for clip in started:  # outside the lock: the callback may take a lock of its own
            if clip.on_start is not None and clip.started_at is not None:
                try:
                    clip.on_start(clip.started_at)
                except Exception:  # the audio thread must go on; the clip plays regardless
                    clip.on_start = None

    def stop(self, now: float) -> None:
        """Hand out no more audio: queued clips are dropped, the current one is cut at ``now``
        (the speaker silences the device at once, so nothing after ``now`` is heard)."""
        with self._lock:
            for clip in self._clips:
                if clip.stopped_at is None and not self._heard_all(clip, now):
                    clip.stopped_at = now
            self._next = len(self._clips)
            self.drained.set()

    def end_time(self) -> float | None:
        """When the last handed-out sample will have been heard (None if nothing started)."""
        with self._lock:
            started = [c for c in self._clips if c.started_at is not None]
            if not started:
                return None
            last = started[-1]
            return (last.started_at or 0.0) + last.handed / self.sample_rate

    def reports(self, now: float, forget: bool = False) -> list[PlayedClip]:
        """What was heard of each clip by ``now``; ``forget`` drops the finished ones."""
        with self._lock:
            reports = [self._report(c, now) for c in self._clips]
            if forget:
                keep = [not self._finished(c, now) for c in self._clips]
                self._next -= sum(1 for k in keep[: self._next] if not k)
                self._clips = [c for c, k in zip(self._clips, keep, strict=True) if k]
            return reports

    def _heard_all(self, clip: _Clip, now: float) -> bool:
        if clip.started_at is None or clip.handed < len(clip.audio):
            return False
        return (now - clip.started_at) * self.sample_rate >= len(clip.audio)

    def _finished(self, clip: _Clip, now: float) -> bool:
        return clip.stopped_at is not None or self._heard_all(clip, now)

    def _report(self, clip: _Clip, now: float) -> PlayedClip:
        played = 0
        if clip.started_at is not None:
            until = now if clip.stopped_at is None else min(now, clip.stopped_at)
            heard = int(round((until - clip.started_at) * self.sample_rate))
            played = max(0, min(clip.handed, heard))
        return PlayedClip(
            clip.clip_id,
            len(clip.audio),
            played,
            clip.started_at,
            interrupted=clip.stopped_at is not None,
        )
