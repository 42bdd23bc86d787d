"""Utterances with a pause in the middle, spliced from real read speech.

People stop mid-sentence ("my order number is one two three ... four five") and a turn
that ends there cuts them off. These recordings put ``pause_s`` of near-silence into a real
sentence at the end of a word in its middle (Whisper's word timestamps say where), so the
speaker stops where the sentence cannot be over yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.audio import SAMPLE_RATE


@dataclass(frozen=True)
class Paused:
    audio: np.ndarray  # speech, the pause, the rest of the speech, then trailing silence
    pause_start_s: float
    pause_s: float


def word_ends(audio: np.ndarray, model_dir: str) -> list[float]:
    """End times (s) of the words of ``audio``, from faster-whisper's word timestamps."""
    from faster_whisper import WhisperModel

    whisper = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = whisper.transcribe(audio, language="en", word_timestamps=True, beam_size=5)
    return [w.end for s in segments for w in (s.words or [])]


def cut_points(ends_s: list[float], keep_words: int = 2, most: int = 6) -> list[float]:
    """Word boundaries mid-sentence: not before the first ``keep_words`` words nor after
    the last ``keep_words``, at most ``most`` of them spread evenly."""
    inner = ends_s[keep_words - 1 : -keep_words - 1] if len(ends_s) > 2 * keep_words else []
    if len(inner) <= most:
        return inner
    step = len(inner) / most
    return [inner[int(i * step)] for i in range(most)]


def with_pause(audio: np.ndarray, at_s: float, pause_s: float, tail_s: float = 2.0) -> Paused:
    """``audio`` with ``pause_s`` of near-silence (quiet noise, like a room) inserted at
    ``at_s``, and ``tail_s`` of it at the end."""
    at = int(at_s * SAMPLE_RATE)
    rng = np.random.default_rng(at)

    def quiet(seconds: float) -> np.ndarray:
        return (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 1e-4).astype(np.float32)

    spliced = np.concatenate([audio[:at], quiet(pause_s), audio[at:], quiet(tail_s)])
    return Paused(spliced.astype(np.float32), at / SAMPLE_RATE, pause_s)
