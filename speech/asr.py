"""Speech recognition: one interface over two Whisper engines, with guards against invented text.

``make_recognizer(config)`` gives a :class:`Recognizer` backed by faster-whisper (CTranslate2:
int8 on CPU, float16 on CUDA; the default, for speed) or openai-whisper (the converted
PyTorch checkpoint, for users who ask for it by name). Both are wrapped in a VAD gate:
Silero VAD runs first, and audio without speech returns an empty transcript without waking
Whisper, which is where most hallucinations ("Thank you.") come from.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, seconds
from speech.cpu import cpu_count, prefer_passive_openmp
from speech.endpoint import EndpointConfig, speech_spans
from speech.errors import LanguageError
from speech.hallucination import HallucinationGuard, ScoredText, keep_segments
from speech.vad import Vad, VadConfig, frame_probabilities, make_vad

log = logging.getLogger(__name__)

Engine = Literal["faster", "openai"]
NO_SPACE_LANGUAGES = ("zh", "ja", "th", "lo", "my", "yue")  # scripts written without spaces
# Speech spans for the gate: the normal turn rules but a shorter silence, so a long file is
# cropped tightly; the crop keeps GATE_PAD_S around the speech so no word is clipped.
GATE_ENDPOINT = EndpointConfig(end_silence_ms=300, pre_roll_ms=0)
GATE_PAD_S = 0.3


@dataclass(frozen=True)
class Segment:
    """A stretch of recognized speech; times in seconds from the start of the audio."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said. ``language`` is None when there was no speech to identify."""

    text: str
    language: str | None
    language_probability: float
    segments: tuple[Segment, ...]
    audio_seconds: float

    @property
    def empty(self) -> bool:
        return not self.text

    @classmethod
    def silent(cls, audio_seconds: float) -> Transcript:
        return cls("", None, 0.0, (), audio_seconds)


@dataclass(frozen=True)
class RecognizerConfig:
    """Which Whisper to run and how; paths come from the caller (the app's model store)."""

    model_path: str  # faster: folder with model.bin; openai: model.pt or its folder
    engine: Engine = "faster"
    language: str = "auto"  # "auto" to detect, or a Whisper language code
    languages: tuple[str, ...] = ()  # what "auto" may choose; empty: any Whisper language
    device: str = "auto"  # auto (CUDA when present), cpu or cuda
    beam_size: int = 5
    threads: int = 0  # CPU threads; 0: every core this process may use
    vad_path: str = ""  # Silero VAD model for the gate; empty: no gate
    guard: HallucinationGuard = field(default_factory=HallucinationGuard)
    # Prompts that set the written form; Whisper otherwise writes Chinese in either script.
    prompts: tuple[tuple[str, str], ...] = (("zh", "以下是普通话的句子。"),)

    def __post_init__(self) -> None:
        if self.engine not in ("faster", "openai"):
            raise ValueError(f"engine must be faster or openai, not {self.engine!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be auto, cpu or cuda, not {self.device!r}")
        if self.beam_size < 1 or self.threads < 0:
            raise ValueError("beam_size must be >= 1 and threads >= 0")

    def prompt(self, language: str) -> str | None:
        return dict(self.prompts).get(language)

    def cpu_threads(self) -> int:
        return self.threads or cpu_count()


class Recognizer(Protocol):
    """Turns one recording (mono float32, 16 kHz, any length up to the caller's limit) into text."""

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
        """``language`` overrides the configured one for this call ("auto" to detect)."""
        ...


def resolve_language(requested: str, multilingual: bool) -> str | None:
    """The language to decode in, or None to detect it. English-only models know only en."""
    if requested in ("", "auto"):
        return None if multilingual else "en"
    if not multilingual and requested != "en":
        raise LanguageError(
            f"this Whisper model understands English only, not {requested!r}; "
            f"use the multilingual model (--model base) for {requested}"
        )
    return requested


def pick_language(probabilities: dict[str, float], allowed: tuple[str, ...]) -> tuple[str, float]:
    """Most likely language among ``allowed`` (any when empty) and Whisper's probability of it.

    Restricting matters on short clips, where Whisper often hears English as Welsh or
    Maori; an app that speaks en and zh should choose between those.
    """
    pool = {k: v for k, v in probabilities.items() if not allowed or k in allowed}
    pool = pool or probabilities
    best = max(pool, key=pool.__getitem__)
    return best, float(pool[best])


def build_transcript(
    decoded: list[tuple[float, float, ScoredText]],
    language: str,
    language_probability: float,
    audio_seconds: float,
    guard: HallucinationGuard,
) -> Transcript:
    """Filter decoded ``(start_s, end_s, scored)`` segments and join what is left."""
    keep = keep_segments([s for _, _, s in decoded], guard)
    # Whisper's timestamps are on a 20 ms grid and its last one may pass the end of the audio.
    segments = tuple(
        Segment(round(min(start, audio_seconds), 3), round(min(end, audio_seconds), 3), text)
        for (start, end, s), ok in zip(decoded, keep, strict=True)
        if ok and (text := s.text.strip())
    )
    joiner = "" if language in NO_SPACE_LANGUAGES else " "
    text = joiner.join(s.text for s in segments).strip()
    if not text:
        return Transcript.silent(audio_seconds)
    return Transcript(text, language, round(language_probability, 4), segments, audio_seconds)


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
