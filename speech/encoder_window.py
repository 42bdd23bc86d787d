"""How much of Whisper's 30 s window the encoder reads for a short recording.

Whisper's encoder always reads 30 s (3,000 mel frames): a two-second answer is padded with
28 s of nothing, and on two CPU cores that padding is most of a turn's wait (tiny.en int8:
~450 ms for the full window, ~45 ms for 10 s). CTranslate2 accepts a shorter window
(the whisper.cpp ``audio_ctx`` trick); the positional embeddings were trained at 30 s, so too
short a window costs words. A floor of 10 s plus 2 s of margin after the audio is the least
that held up on the installed recordings of people (5-7.5 s lost more), but even 10 s costs
tiny.en a few words now and then, so the app reads the full window unless ``asr.window_s``
asks for less (BENCHMARKS.md, Voice loop).

``faster_whisper`` pads every segment to 3,000 frames before its ``encode``, so the window is
applied there (:class:`WindowedEncoder` wraps that method); decoding is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

FULL_FRAMES = 3000  # Whisper's 30 s window, 100 mel frames a second
FRAMES_PER_S = 100
MARGIN_S = 2.0  # read this much past the end of the audio (the decoder looks for its end)
MIN_WINDOW_S = 5.0  # the shortest floor a setting may ask for
FULL_WINDOW_S = FULL_FRAMES / FRAMES_PER_S


def window_frames(audio_s: float, floor_s: float) -> int:
    """Mel frames the encoder reads for ``audio_s`` seconds of audio: the audio plus
    :data:`MARGIN_S`, at least ``floor_s``, at most the full window (``floor_s >= 30``:
    always the full window, Whisper's own behaviour)."""
    if floor_s >= FULL_WINDOW_S:
        return FULL_FRAMES
    wanted = max(floor_s, audio_s + MARGIN_S)
    return min(FULL_FRAMES, int(math.ceil(wanted * FRAMES_PER_S)))


class WindowedEncoder:
    """Wraps a faster-whisper model's ``encode`` so it reads only the first ``frames`` frames
    of each (padded) segment; ``frames`` is set per recording by the recogniser, which calls
    the model from one thread at a time."""

    def __init__(self, encode: Callable[[np.ndarray], Any]) -> None:
        self._encode = encode
        self.frames = FULL_FRAMES

    def __call__(self, features: np.ndarray) -> Any:
        if features.shape[-1] > self.frames:
            features = np.ascontiguousarray(features[..., : self.frames])
        return self._encode(features)
