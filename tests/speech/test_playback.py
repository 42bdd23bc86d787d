"""The playback queue's bookkeeping (pure, explicit times): order, start times, heard parts."""

from __future__ import annotations

import numpy as np
import pytest

from speech.playback import PlaybackClock, PlaybackQueue

RATE = 1000  # samples per second, to keep the arithmetic readable


def block(queue: PlaybackQueue, size: int, at: float) -> np.ndarray:
    out = np.full(size, np.nan, dtype=np.float32)
    queue.fill(out, at)
    return out


def test_clips_play_in_order_and_report_their_start() -> None:
    queue = PlaybackQueue(RATE)
    queue.add(1, np.ones(150, dtype=np.float32))
    queue.add(2, np.full(100, 2.0, dtype=np.float32))
    assert not queue.drained.is_set()
    first = block(queue, 100, at=10.0)
    second = block(queue, 100, at=10.1)
    third = block(queue, 100, at=10.2)
    np.testing.assert_array_equal(
        np.concatenate([first, second, third])[:250], [1] * 150 + [2] * 100
    )
    assert (third[50:] == 0).all() and queue.drained.is_set()
    reports = queue.reports(now=10.4)
    assert [r.started_at for r in reports] == [10.0, 10.15]
    assert [(r.played, r.samples, r.interrupted) for r in reports] == [
        (150, 150, False),
        (100, 100, False),
    ]


def test_stop_cuts_and_reports_what_was_heard() -> None:
    queue = PlaybackQueue(RATE)
    queue.add(1, np.ones(500, dtype=np.float32))
    queue.add(2, np.ones(500, dtype=np.float32))
    block(queue, 100, at=5.0)
    block(queue, 100, at=5.1)  # 200 samples handed out, heard from 5.0
    queue.stop(now=5.12)
    assert (block(queue, 100, at=5.2) == 0).all()  # silence at once
    first, second = queue.reports(now=6.0, forget=True)
    assert (first.played, first.interrupted) == (120, True)
    assert (second.played, second.started_at, second.interrupted) == (0, None, True)
    assert queue.reports(now=6.0) == []  # forgotten once reported finished


def test_idle_queue_writes_silence_and_new_clips_play_after_stop() -> None:
    queue = PlaybackQueue(RATE)
    assert (block(queue, 64, at=0.0) == 0).all()
    queue.add(1, np.ones(10, dtype=np.float32))
    queue.stop(now=0.1)
    queue.add(2, np.ones(10, dtype=np.float32))
    out = block(queue, 20, at=0.2)
    assert out[:10].sum() == 10 and out[10:].sum() == 0
    assert queue.end_time() == 0.2 + 10 / RATE


def test_on_start_tells_each_clip_when_it_is_first_heard_once() -> None:
    queue = PlaybackQueue(RATE)
    told: list[tuple[int, float]] = []
    queue.add(1, np.ones(150, dtype=np.float32), lambda t: told.append((1, t)))
    queue.add(2, np.ones(50, dtype=np.float32), lambda t: told.append((2, t)))
    block(queue, 100, at=3.0)
    assert told == [(1, 3.0)]
    block(queue, 100, at=3.1)  # clip 1 ends and clip 2 starts inside this block
    block(queue, 100, at=3.2)
    assert told == [(1, 3.0), (2, 3.15)]


def test_a_failing_on_start_does_not_stop_the_audio() -> None:
    queue = PlaybackQueue(RATE)

    def broken(t: float) -> None:
        raise RuntimeError("a listener that breaks")

    queue.add(1, np.ones(50, dtype=np.float32), broken)
    out = block(queue, 100, at=1.0)
    assert out[:50].sum() == 50 and out[50:].sum() == 0
    assert queue.reports(now=2.0)[0].started_at == 1.0


def test_a_slip_moves_the_clip_start_and_is_told_again() -> None:
    queue = PlaybackQueue(RATE)
    told: list[float] = []
    queue.add(1, np.ones(500, dtype=np.float32), told.append)
    block(queue, 100, at=5.0)
    block(queue, 100, at=5.11)  # 10 ms of callback jitter: not a slip
    assert told == [5.0]
    block(queue, 100, at=5.3)  # an underflow: the third block is heard 100 ms late
    assert told == [5.0, 5.1]  # as if the clip had started 100 ms later
    block(queue, 100, at=5.4)
    assert told == [5.0, 5.1]
    queue.stop(now=5.45)
    (report,) = queue.reports(now=5.45)
    assert report.started_at == 5.1 and report.played == 350  # heard until the stop, no more
    assert report.interrupted


def test_the_playback_clock_puts_blocks_on_a_steady_sample_grid() -> None:
    """DAC times jitter by a millisecond from callback to callback; the stream is continuous,
    so each block is heard exactly one block after the previous one (an echo canceller's
    filter sits on that grid). An underflow moves the grid."""
    clock = PlaybackClock(16_000)
    rng = np.random.default_rng(0)
    times = [clock.heard_at(5.0 + 0.01 * n + rng.uniform(-0.001, 0.001), 160) for n in range(200)]
    steps = np.diff(times[64:])
    assert np.allclose(steps, 0.01, atol=1e-9)  # exactly 160 samples apart
    assert abs(times[100] - (5.0 + 1.0)) < 0.0005
    clock.restart()  # the device played 50 ms of silence of its own
    late = clock.heard_at(5.0 + 2.0 + 0.05, 160)
    assert late == pytest.approx(7.05, abs=1e-9)
