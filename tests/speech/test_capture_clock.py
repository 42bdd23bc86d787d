"""The microphone's capture clock: block times from the callbacks' own (late, bursty) times."""

from __future__ import annotations

import numpy as np
import pytest

from speech.microphone import CaptureClock

RATE, BLOCK = 16_000, 512
BLOCK_S = BLOCK / RATE


def deliver(clock: CaptureClock, lateness_s: list[float], origin_s: float = 100.0) -> list[float]:
    """Stamps of blocks captured back to back from ``origin_s``, each delivered that late
    after its last sample."""
    return [
        clock.stamp(origin_s + (n + 1) * BLOCK_S + late, BLOCK) for n, late in enumerate(lateness_s)
    ]


def test_bursts_and_late_callbacks_do_not_move_the_stamps() -> None:
    rng = np.random.default_rng(0)
    lateness = list(rng.uniform(0.002, 0.060, 200))
    lateness[50:53] = [0.400, 0.368, 0.336]  # a stall, then three blocks in one burst
    stamps = deliver(CaptureClock(RATE), lateness)
    truth = [100.0 + n * BLOCK_S for n in range(200)]
    error_ms = (np.array(stamps) - truth) * 1000
    assert error_ms.min() >= 0  # never before the block was captured
    # Late by the most prompt callback so far in the window (the very first blocks have
    # only their own), never by the stall's 400 ms.
    assert error_ms[:3].max() <= 60 and error_ms[3:].max() < 6


def test_the_window_follows_a_device_clock_that_runs_slow() -> None:
    """A device that captures 0.1 % fewer samples per second than the monotonic clock (ten
    times what a poor crystal is off): an all-time minimum would stamp the blocks 0.1 s
    early after 100 s; the 5 s window keeps within 10 ms."""
    clock = CaptureClock(RATE)
    n_blocks = int(100 / BLOCK_S)
    stamps = [
        clock.stamp(100.0 + (n + 1) * BLOCK_S * 1.001 + 0.003, BLOCK) for n in range(n_blocks)
    ]
    truth_last = 100.0 + (n_blocks - 1) * BLOCK_S * 1.001
    assert abs(stamps[-1] - truth_last) < 0.01


def test_lost_input_restarts_the_estimate() -> None:
    clock = CaptureClock(RATE)
    deliver(clock, [0.005] * 10)
    # Ten blocks were lost by the device: the next block was captured 10 blocks later
    # than the sample count says.
    late = 100.0 + (10 + 10 + 1) * BLOCK_S + 0.005
    stale = CaptureClock(RATE)
    deliver(stale, [0.005] * 10)
    truth = 100.0 + 20 * BLOCK_S
    assert stale.stamp(late, BLOCK) - truth == pytest.approx(-0.315)  # 10 blocks early
    clock.restart()
    assert clock.stamp(late, BLOCK) - truth == pytest.approx(0.005)
