"""Conversions into the app's audio format (pure): scaling, mixing, resampling, framing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from speech.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    FrameClock,
    StreamResampler,
    frames_of,
    resample,
    to_float32,
    to_mono,
)


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        (np.array([-32768, 0, 16384], dtype=np.int16), [-1.0, 0.0, 0.5]),
        (np.array([0, 128, 255], dtype=np.uint8), [-1.0, 0.0, 127 / 128]),
        (np.array([-(2**31), 2**30], dtype=np.int32), [-1.0, 0.5]),
        (np.array([np.nan, np.inf, -np.inf, 0.25]), [0.0, 1.0, -1.0, 0.25]),
    ],
)
def test_to_float32(samples: np.ndarray, expected: list[float]) -> None:
    out = to_float32(samples)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_to_mono_averages_channels() -> None:
    stereo = np.array([[1.0, 0.0], [0.5, 0.5]], dtype=np.float32)
    np.testing.assert_allclose(to_mono(stereo), [0.5, 0.5])
    assert to_mono(stereo[:, :1]).shape == (2,)
    with pytest.raises(ValueError):
        to_mono(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 24_000, 44_100, 48_000])
def test_resample_keeps_a_tone(rate: int) -> None:
    t = np.arange(rate) / rate
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = resample(tone, rate)
    assert out.dtype == np.float32 and abs(len(out) - SAMPLE_RATE) <= 1
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(out) - 440) < 2


@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 44_100, 48_000])
def test_stream_resampler_equals_whole_signal(rate: int) -> None:
    rng = np.random.default_rng(rate)
    signal = rng.standard_normal(rate // 2).astype(np.float32)
    resampler = StreamResampler(rate)
    pieces, start = [], 0
    while start < len(signal):
        size = int(rng.integers(1, 2000))
        pieces.append(resampler.process(signal[start : start + size]))
        start += size
    pieces.append(resampler.process(np.zeros(0, dtype=np.float32), final=True))
    whole = resample(signal, rate)
    streamed = np.concatenate(pieces)
    assert len(streamed) == len(whole)
    np.testing.assert_allclose(streamed, whole, atol=1e-5)
    if rate != SAMPLE_RATE:  # the same filter as scipy's own
        np.testing.assert_allclose(whole, resample_poly(signal, SAMPLE_RATE, rate), atol=1e-5)


def test_frame_clock_cuts_exact_frames() -> None:
    clock = FrameClock()
    signal = np.arange(3 * FRAME_SAMPLES + 100, dtype=np.float32)
    frames = [f for block in np.array_split(signal, 7) for f, _ in clock.push(block)]
    assert len(frames) == 3
    np.testing.assert_array_equal(np.concatenate(frames), signal[: 3 * FRAME_SAMPLES])


def test_frame_clock_keeps_time_across_odd_blocks() -> None:
    clock = FrameClock()
    frames = list(clock.push(np.zeros(700, np.float32), 10.0))
    frames += list(clock.push(np.zeros(324, np.float32), 99.0))  # the leftover goes first
    frames += list(clock.push(np.zeros(FRAME_SAMPLES, np.float32), 20.0))  # nothing left over
    assert [t for _, t in frames] == pytest.approx([10.0, 10.0 + FRAME_SAMPLES / SAMPLE_RATE, 20.0])


def test_frames_of_pads_the_last_frame() -> None:
    frames = frames_of(np.ones(FRAME_SAMPLES + 1, dtype=np.float32))
    assert frames.shape == (2, FRAME_SAMPLES)
    assert frames[1, 0] == 1.0 and frames[1, 1:].sum() == 0.0
