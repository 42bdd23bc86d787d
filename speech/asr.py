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

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, seconds
from speech.cpu import prefer_passive_openmp
from speech.endpoint import EndpointConfig, speech_spans
from speech.recognition import Recognizer, RecognizerConfig
from speech.transcript import Segment, Transcript
from speech.vad import Vad, VadConfig, frame_probabilities, make_vad

__all__ = ["GatedRecognizer", "Recognizer", "RecognizerConfig", "Transcript", "make_recognizer"]
log = logging.getLogger(__name__)

# Speech spans for the gate: the normal turn rules but a shorter silence, so a long file is
# cropped tightly; the crop keeps GATE_PAD_S around the speech so no word is clipped.
GATE_ENDPOINT = EndpointConfig(end_silence_ms=300, pre_roll_ms=0)
GATE_PAD_S = 0.3


class GatedRecognizer:
    """Runs the VAD over the audio first: no speech, no Whisper; otherwise Whisper sees only
    the stretch from the first to the last speech (plus a margin), timestamps shifted back."""

    def __init__(self, inner: Recognizer, vad: Vad, endpoint: EndpointConfig = GATE_ENDPOINT):
        self.inner, self.vad, self.endpoint = inner, vad, endpoint
        self._lock = threading.Lock()  # the VAD follows one stream at a time

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
        total_s = seconds(audio)
        with self._lock:
            spans = speech_spans(frame_probabilities(audio, self.vad), self.endpoint)
        if not spans:
            log.info("no speech in %.2f s of audio; Whisper not run", total_s)
            return Transcript.silent(total_s)
        pad = int(GATE_PAD_S * SAMPLE_RATE)
        start = max(0, spans[0][0] * FRAME_SAMPLES - pad)
        end = min(len(audio), spans[-1][1] * FRAME_SAMPLES + pad)
        result = self.inner.transcribe(audio[start:end], language)
        offset = start / SAMPLE_RATE
        shifted = tuple(
            Segment(round(s.start_s + offset, 3), round(s.end_s + offset, 3), s.text)
            for s in result.segments
        )
        return replace(result, segments=shifted, audio_seconds=total_s)


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
    if not config.vad_path:
        return engine
    return GatedRecognizer(engine, make_vad(VadConfig(config.vad_path)))
