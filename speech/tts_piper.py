"""Piper voices (VITS exported to ONNX) through the piper-tts 1.8 Python API.

Piper phonemizes with its own embedded espeak-ng and synthesizes about 30x faster than real
time on one core; the bundled voice is en_US "joe" (22.05 kHz), resampled to 16 kHz.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from speech.audio import DTYPE
from speech.errors import ModelLoadError, SynthesisError
from speech.onnx_session import onnx_session
from speech.tts import VoiceConfig, to_app_audio

log = logging.getLogger(__name__)


def find_voice_file(path: Path) -> Path:
    """``path`` if it is an ``.onnx`` file, else the single ``.onnx`` voice in that folder."""
    if path.is_file():
        return path
    voices = sorted(path.glob("*.onnx")) if path.is_dir() else []
    if len(voices) != 1:
        found = "none" if not voices else ", ".join(v.name for v in voices)
        raise ModelLoadError(
            f"need exactly one Piper voice (.onnx with its .onnx.json) in {path}, found {found}; "
            f"run `wenda models prepare tts` or give the .onnx file itself"
        )
    return voices[0]


class PiperSynthesizer:
    def __init__(self, config: VoiceConfig) -> None:
        from piper import PiperConfig, PiperVoice, SynthesisConfig

        model = find_voice_file(Path(config.model_path))
        settings = model.with_name(model.name + ".json")
        try:
            voice_config = PiperConfig.from_dict(json.loads(settings.read_text(encoding="utf-8")))
            # PiperVoice.load does the same, but with onnxruntime's default (spinning) threads.
            self._voice = PiperVoice(session=onnx_session(model), config=voice_config)
        except (OSError, ValueError, KeyError) as e:
            raise ModelLoadError(
                f"cannot load the Piper voice {model} with {settings.name}: {e}; "
                f"prepare it again with `wenda models prepare tts --force`"
            ) from e
        except Exception as e:  # onnxruntime's errors are not subclasses of anything useful
            raise ModelLoadError(f"cannot load the Piper voice {model}: {e}") from e
        self._options = SynthesisConfig(length_scale=1.0 / config.speed)
        self._rate = int(self._voice.config.sample_rate)
        self.name = f"piper:{model.stem}"

    def synthesize(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, dtype=DTYPE)
        try:
            chunks = [c.audio_float_array for c in self._voice.synthesize(text, self._options)]
        except Exception as e:  # phonemizer and onnxruntime raise assorted types
            raise SynthesisError(f"Piper could not speak {text[:60]!r}: {e}") from e
        if not chunks:
            return np.zeros(0, dtype=DTYPE)
        return to_app_audio(np.concatenate(chunks), self._rate)
