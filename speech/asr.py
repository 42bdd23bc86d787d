"""Speech recognition: one interface over two Whisper engines, with guards against invented text.

``make_recognizer(config)`` gives a :class:`Recognizer` backed by faster-whisper (CTranslate2:
int8 on CPU, float16 on CUDA; the default, for speed) or openai-whisper (the converted
PyTorch checkpoint, for users who ask for it by name). Both are wrapped in a VAD gate:
Silero VAD runs first, and audio without speech returns an empty transcript without waking
Whisper, which is where most hallucinations ("Thank you.") come from. The config, the
protocol and the transcript types live in ``speech.recognition`` and ``speech.transcript``,
which the engines import; this module imports the engines only inside the factory.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, seconds
from speech.cpu import prefer_passive_openmp
from speech.endpoint import EndpointConfig, speech_spans
from speech.expectation import Expectation
from speech.recognition import Recognizer, RecognizerConfig
from speech.transcript import Segment, Transcript
from speech.vad import Vad, VadConfig, frame_probabilities, make_vad

__all__ = [
    "GatedRecognizer",
    "PaddedRecognizer",
    "Recognizer",
    "RecognizerConfig",
    "Transcript",
    "make_recognizer",
]
log = logging.getLogger(__name__)

# Speech spans for the gate: the normal turn rules but a shorter silence, so a long file is
# cropped tightly; the crop keeps GATE_PAD_S around the speech so no word is clipped.
GATE_ENDPOINT = EndpointConfig(end_silence_ms=300, pre_roll_ms=0)
GATE_PAD_S = 0.3
# A clip this short is one or two words with little around them (a trimmed "yes", a digit):
# Whisper decodes it far more often right with half a second of silence on either side.
SHORT_CLIP_S = 1.5
SHORT_PAD_S = 0.5


def pad_short(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """``audio`` with ``SHORT_PAD_S`` of silence before and after when it is shorter than
    ``SHORT_CLIP_S``, and the seconds added in front (to shift timestamps back)."""
    if seconds(audio) >= SHORT_CLIP_S:
        return audio, 0.0
    pad = np.zeros(int(SHORT_PAD_S * SAMPLE_RATE), dtype=audio.dtype)
    return np.concatenate([pad, audio, pad]), SHORT_PAD_S


class GatedRecognizer:
    """Runs the VAD over the audio first: no speech, no Whisper; otherwise Whisper sees only
    the stretch from the first to the last speech (plus a margin), timestamps shifted back."""

    def __init__(self, inner: Recognizer, vad: Vad, endpoint: EndpointConfig = GATE_ENDPOINT):
        self.inner, self.vad, self.endpoint = inner, vad, endpoint
        self._lock = threading.Lock()  # the VAD follows one stream at a time

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: Expectation | None = None
    ) -> Transcript:
        total_s = seconds(audio)
        with self._lock:
            spans = speech_spans(frame_probabilities(audio, self.vad), self.endpoint)
        if not spans:
            log.info("no speech in %.2f s of audio; Whisper not run", total_s)
            return Transcript.silent(total_s)
        pad = int(GATE_PAD_S * SAMPLE_RATE)
        start = max(0, spans[0][0] * FRAME_SAMPLES - pad)
        end = min(len(audio), spans[-1][1] * FRAME_SAMPLES + pad)
        result = self.inner.transcribe(audio[start:end], language, expect)
        return shift(result, start / SAMPLE_RATE, total_s)


class PaddedRecognizer:
    """Pads a short clip with silence before Whisper hears it (:func:`pad_short`): measured
    on short answers cut from real recordings, 11 of 12 right instead of 9 (BENCHMARKS.md)."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        """The engine's own attributes (``config``, ``model``) as they were before wrapping."""
        if name == "inner":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: Expectation | None = None
    ) -> Transcript:
        clip, padded_s = pad_short(audio)
        if not padded_s:
            return self.inner.transcribe(audio, language, expect)
        return shift(self.inner.transcribe(clip, language, expect), -padded_s, seconds(audio))


def shift(result: Transcript, offset_s: float, total_s: float) -> Transcript:
    """``result`` of a piece of the audio, its timestamps moved by ``offset_s`` and kept
    inside ``total_s`` (Whisper may place words in padding)."""

    def clamp(t_s: float) -> float:
        return round(min(max(t_s + offset_s, 0.0), total_s), 3)

    segments = tuple(Segment(clamp(s.start_s), clamp(s.end_s), s.text) for s in result.segments)
    return replace(result, segments=segments, audio_seconds=total_s)


def make_recognizer(config: RecognizerConfig) -> Recognizer:
    """Load the configured engine (its library is imported here) behind the VAD gate."""
    prefer_passive_openmp()  # before torch / ctranslate2 start OpenMP, if they have not yet
    engine: Recognizer
    if config.engine == "faster":
        from speech.asr_faster import FasterWhisperRecognizer

        engine = FasterWhisperRecognizer(config)
    else:
        from speech.asr_openai import OpenAIWhisperRecognizer

        engine = OpenAIWhisperRecognizer(config)
    engine = PaddedRecognizer(engine)
    if not config.vad_path:
        return engine
    return GatedRecognizer(engine, make_vad(VadConfig(config.vad_path)))
