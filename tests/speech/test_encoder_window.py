"""How much of Whisper's window the encoder reads (pure: no model)."""

from __future__ import annotations

import numpy as np
import pytest

from speech.encoder_window import FULL_FRAMES, WindowedEncoder, window_frames
from speech.recognition import RecognizerConfig


@pytest.mark.parametrize(
    ("audio_s", "floor_s", "frames"),
    [
        (0.4, 10.0, 1000),  # a one-word answer: the floor
        (7.9, 10.0, 1000),  # just fits with its 2 s margin
        (8.5, 10.0, 1050),  # the audio + 2 s
        (28.5, 10.0, FULL_FRAMES),  # never past the full window
        (95.0, 10.0, FULL_FRAMES),  # a long file: each 30 s segment in full
        (1.0, 30.0, FULL_FRAMES),  # 30: Whisper's own behaviour
        (1.0, 5.0, 500),
    ],
)
def test_window_frames(audio_s: float, floor_s: float, frames: int) -> None:
    assert window_frames(audio_s, floor_s) == frames


def test_windowed_encoder_trims_the_padding_only() -> None:
    seen: list[tuple[int, ...]] = []

    def encode(features: np.ndarray) -> str:
        seen.append(features.shape)
        assert features.flags["C_CONTIGUOUS"]  # CTranslate2 reads the memory as it lies
        return "encoded"

    windowed = WindowedEncoder(encode)
    features = np.arange(2 * 80 * FULL_FRAMES, dtype=np.float32).reshape(2, 80, FULL_FRAMES)
    assert windowed(features) == "encoded" and seen[-1] == (2, 80, FULL_FRAMES)
    windowed.frames = 1000
    windowed(features)
    assert seen[-1] == (2, 80, 1000)
    windowed(features[0])  # one segment, no batch axis
    assert seen[-1] == (80, 1000)


@pytest.mark.parametrize("window_s", [4.9, 30.5, float("nan")])
def test_recognizer_config_refuses_windows_out_of_range(window_s: float) -> None:
    with pytest.raises(ValueError, match="window_s"):
        RecognizerConfig(model_path="x", window_s=window_s)
