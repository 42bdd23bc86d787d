"""Text to speech: one interface over Piper, Kokoro and espeak-ng, chosen by language.

Piper (the bundled US English voice) is the default for English, Kokoro with misaki's
Mandarin phonemes speaks Chinese, and espeak-ng, a system package with no weights, is the
fallback that always works: when a neural voice cannot load, the factory logs why and
returns espeak-ng rather than leaving the app mute. Every engine returns the app's audio
(mono float32, 16 kHz), resampled once from the voice's own rate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from speech.audio import SAMPLE_RATE, resample
from speech.errors import ModelLoadError

log = logging.getLogger(__name__)

VoiceEngine = Literal["piper", "kokoro", "espeak-ng"]
ENGINES: tuple[VoiceEngine, ...] = ("piper", "kokoro", "espeak-ng")


class Synthesizer(Protocol):
    """Speaks one sentence at a time, so playback can start after the first."""

    name: str  # engine and voice, for logs and reports

    def synthesize(self, text: str) -> np.ndarray:
        """Audio of ``text`` (mono float32, 16 kHz); empty for text with nothing to say.

        Raises SynthesisError when the engine fails on this text.
        """
        ...


@dataclass(frozen=True)
class VoiceConfig:
    """Which voice speaks; model paths come from the caller (the app's model store)."""

    engine: VoiceEngine = "piper"
    model_path: str = ""  # piper: the .onnx file or its folder; kokoro: its folder
    voice: str = ""  # kokoro voice id or espeak-ng voice; empty: the language's default
    language: str = "en"  # en or zh
    speed: float = 1.0  # 1.0 is the voice's natural pace
    fallback: bool = True  # use espeak-ng if this voice cannot load

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"voice engine must be one of {', '.join(ENGINES)}")
        if not 0.5 <= self.speed <= 2.0:
            raise ValueError(f"speed must be between 0.5 and 2.0, not {self.speed}")


def to_app_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """A voice's output as app audio: 16 kHz, and clipped to [-1, 1], since voices that
    normalise to full scale overshoot slightly once resampled."""
    return np.clip(resample(np.asarray(audio, dtype=np.float32), sample_rate, SAMPLE_RATE), -1, 1)


def _load(config: VoiceConfig) -> Synthesizer:
    if config.engine == "piper":
        from speech.tts_piper import PiperSynthesizer

        return PiperSynthesizer(config)
    if config.engine == "kokoro":
        from speech.tts_kokoro import KokoroSynthesizer

        return KokoroSynthesizer(config)
    from speech.tts_espeak import EspeakSynthesizer

    return EspeakSynthesizer(config)


def make_synthesizer(config: VoiceConfig) -> Synthesizer:
    """Load the configured voice, or espeak-ng (with a warning) if it cannot load."""
    try:
        return _load(config)
    except ModelLoadError as e:
        if not config.fallback or config.engine == "espeak-ng":
            raise
        log.warning("%s; speaking with espeak-ng instead", e)
        return _load(VoiceConfig(engine="espeak-ng", language=config.language, speed=config.speed))
