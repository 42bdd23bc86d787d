"""Silero VAD on real recordings: where speech is, where it is not, and what a frame costs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, frames_of
from speech.audio_file import load_audio
from speech.endpoint import EndpointConfig, speech_spans
from speech.vad import frame_probabilities
from tests.speech.recordings import ALSA_SOUNDS, LIBRIVOX_0880, NOISE_WAV, white_noise

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("recordings_installed")]
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


def energy_span(clip: np.ndarray) -> tuple[float, float]:
    """Where a clip's speech is, by energy: the first and last 50 ms stretch within 20 dB of
    the loudest (the LibriVox clip has room noise and a click at -20 to -25 dB)."""
    hop = SAMPLE_RATE // 100
    rms = np.sqrt(np.mean(frames_of(clip, hop) ** 2, axis=1))
    smooth = np.convolve(rms, np.ones(5) / 5, mode="same")
    loud = np.nonzero(smooth > smooth.max() * 10 ** (-20 / 20))[0]
    return loud[0] * hop / SAMPLE_RATE, (loud[-1] + 1) * hop / SAMPLE_RATE


def test_finds_the_speech_in_a_recording_padded_with_silence(vad) -> None:  # type: ignore[no-untyped-def]
    clips = [load_audio(LIBRIVOX_0880), load_audio(ALSA_SOUNDS / "Front_Left.wav")]
    gaps = [1.0, 1.5, 1.0]  # seconds of silence before, between and after
    parts, expected, at = [], [], 0.0
    for gap, clip in zip(gaps, [*clips, None], strict=True):
        parts.append(np.zeros(int(gap * SAMPLE_RATE), dtype=np.float32))
        at += gap
        if clip is not None:
            start, end = energy_span(clip)
            expected.append((at + start, at + end))
            parts.append(clip)
            at += len(clip) / SAMPLE_RATE
    audio = np.concatenate(parts) + white_noise(at, level=0.001)  # a quiet room, not zeros
    spans = speech_spans(frame_probabilities(audio, vad), EndpointConfig())
    found = [(start * FRAME_S, end * FRAME_S) for start, end in spans]
    print(f"\nexpected {expected}\nfound    {found}")
    assert len(found) == len(expected)
    for (start, end), (want_start, want_end) in zip(found, expected, strict=True):
        # Ends are looser: a final "t" or breath is quiet for energy but speech for the VAD.
        assert abs(start - want_start) <= 0.15 and abs(end - want_end) <= 0.35


@pytest.mark.parametrize(
    "audio",
    [
        pytest.param(lambda: np.zeros(2 * SAMPLE_RATE, dtype=np.float32), id="zeros"),
        pytest.param(lambda: white_noise(2.0, level=0.1), id="white noise"),
        pytest.param(lambda: load_audio(NOISE_WAV), id="Noise.wav"),
    ],
)
def test_no_speech_in_silence_and_noise(vad, audio) -> None:  # type: ignore[no-untyped-def]
    probabilities = frame_probabilities(audio(), vad)
    assert probabilities.max() < 0.2 and speech_spans(probabilities) == []


def test_state_carries_over_and_resets(vad) -> None:  # type: ignore[no-untyped-def]
    """The same frame scores differently mid-speech than cold: the model keeps state."""
    frames = frames_of(load_audio(LIBRIVOX_0880))
    vad.reset()
    streamed = [vad.probability(f) for f in frames[:40]]
    vad.reset()
    cold = vad.probability(frames[39])
    assert abs(streamed[39] - cold) > 1e-4
    np.testing.assert_allclose(frame_probabilities(frames[:40].ravel(), vad), streamed, atol=1e-6)
    with pytest.raises(ValueError):
        vad.probability(np.zeros(100, dtype=np.float32))


def test_cost_per_frame(vad) -> None:  # type: ignore[no-untyped-def]
    frames = frames_of(load_audio(LIBRIVOX_0880))
    vad.reset()
    started = time.perf_counter()
    for frame in frames:
        vad.probability(frame)
    per_frame_ms = (time.perf_counter() - started) / len(frames) * 1000
    print(f"\nVAD: {per_frame_ms:.2f} ms per 32 ms frame")
    assert per_frame_ms < 16  # real time with room to spare, even on a busy machine
