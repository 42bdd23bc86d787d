"""What every voice shares: its config, the protocol, and audio in the app's form.

The voices (``speech.tts_piper``, ``speech.tts_kokoro``, ``speech.tts_espeak``) and the
factory (``speech.tts``) all import from here, so none of them imports another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from speech.audio import SAMPLE_RATE, resample

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
