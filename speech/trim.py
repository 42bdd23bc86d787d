"""Trim the silence a voice puts around each sentence.

Piper starts a sentence with up to 200 ms of near-silence and ends it with more; at the
start of a reply that is pure latency, and between sentences it doubles the pause. Keep a
little of each so words are not clipped.
"""

from __future__ import annotations

import logging

import numpy as np

from speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

LEVEL = 0.01  # -40 dBFS: quieter than any speech sound a voice makes
KEEP_LEAD_S = 0.02
KEEP_TAIL_S = 0.12


def trim_silence(audio: np.ndarray) -> np.ndarray:
    """``audio`` without its leading and trailing silence (a margin is kept); all-silent
    audio becomes empty."""
    loud = np.flatnonzero(np.abs(audio) > LEVEL)
    if len(loud) == 0:
        return audio[:0]
    start = max(0, int(loud[0] - KEEP_LEAD_S * SAMPLE_RATE))
    end = min(len(audio), int(loud[-1] + 1 + KEEP_TAIL_S * SAMPLE_RATE))
    return audio[start:end]
