"""What every Whisper engine shares: its config, the protocol, language choice and the
transcript built from decoded segments.

The engines (``speech.asr_faster``, ``speech.asr_openai``) and the factory (``speech.asr``)
all import from here, so none of them imports another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from speech.cpu import cpu_count
from speech.encoder_window import FULL_WINDOW_S, MIN_WINDOW_S
from speech.errors import LanguageError
from speech.expectation import Expectation
from speech.hallucination import HallucinationGuard, ScoredText, keep_segments
from speech.transcript import Segment, Transcript

log = logging.getLogger(__name__)

Engine = Literal["faster", "openai"]
NO_SPACE_LANGUAGES = ("zh", "ja", "th", "lo", "my", "yue")  # scripts written without spaces


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
    # The encoder reads max(window_s, audio + 2 s) of Whisper's 30 s window (faster engine;
    # speech.encoder_window): 30 reads it all, as Whisper itself does.
    window_s: float = FULL_WINDOW_S
    # Prompts that set the written form; Whisper otherwise writes Chinese in either script.
    prompts: tuple[tuple[str, str], ...] = (("zh", "以下是普通话的句子。"),)

    def __post_init__(self) -> None:
        if self.engine not in ("faster", "openai"):
            raise ValueError(f"engine must be faster or openai, not {self.engine!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be auto, cpu or cuda, not {self.device!r}")
        if self.beam_size < 1 or self.threads < 0:
            raise ValueError("beam_size must be >= 1 and threads >= 0")
        if not MIN_WINDOW_S <= self.window_s <= FULL_WINDOW_S:
            raise ValueError(
                f"window_s must be {MIN_WINDOW_S:g}-{FULL_WINDOW_S:g} s, not {self.window_s}"
            )

    def prompt(self, language: str) -> str | None:
        return dict(self.prompts).get(language)

    def cpu_threads(self) -> int:
        return self.threads or cpu_count()


class Recognizer(Protocol):
    """Turns one recording (mono float32, 16 kHz, any length up to the caller's limit) into text."""

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: Expectation | None = None
    ) -> Transcript:
        """``language`` overrides the configured one for this call ("auto" to detect);
        ``expect`` names the words the dialogue's open question expects (a hint, not a
        grammar: anything else said still comes through)."""
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
