"""Piper voices (VITS exported to ONNX) through the piper-tts 1.8 Python API.

Piper phonemizes with its own embedded espeak-ng and synthesizes about 30x faster than real
time on one core; the bundled voice is en_US "joe" (22.05 kHz), resampled to 16 kHz.

A long sentence is synthesized in pieces of at most ``MAX_PHONEMES``, cut at a pause (comma,
semicolon, colon) where there is one in reach, else between words. The voice's working
memory grows with the length of what it says in one call, about 30 MB per second of speech
(measured: +330 MB for one 10 s sentence of opening hours, which set the desktop app's peak
memory); pieces keep it near 150 MB. The pieces are joined and normalised together, as
Piper normalises a whole sentence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from speech.audio import DTYPE
from speech.errors import ModelLoadError, SynthesisError
from speech.onnx_session import onnx_session
from speech.sentences import cut_points, spoken_clock_times
from speech.synthesis import VoiceConfig, to_app_audio

log = logging.getLogger(__name__)

MAX_PHONEMES = 100  # per synthesis call: about 5 s of speech
PAUSES = ",;:"  # espeak keeps these in its phonemes: the natural places to cut


def phoneme_pieces(phonemes: Sequence[str], limit: int = MAX_PHONEMES) -> list[list[str]]:
    """One sentence's phonemes in pieces of at most ``limit``, none of them only spaces."""
    bounds = [0, *cut_points(phonemes, limit, PAUSES), len(phonemes)]
    pieces = [list(phonemes[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    return [p for p in pieces if any(not ph.isspace() for ph in p)]


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
            self._voice = PiperVoice(
                session=onnx_session(model, shrink_arena=True), config=voice_config
            )
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
        self._english = config.language == "en"

    def synthesize(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, dtype=DTYPE)
        if self._english:
            text = spoken_clock_times(text)
        try:
            pieces = [phoneme_pieces(p) for p in self._voice.phonemize(text)]
            sentences = [self._sentence(p) for p in pieces if p]
        except Exception as e:  # phonemizer and onnxruntime raise assorted types
            raise SynthesisError(f"Piper could not speak {text[:60]!r}: {e}") from e
        if not sentences:
            return np.zeros(0, dtype=DTYPE)
        return to_app_audio(np.concatenate(sentences), self._rate)

    def _sentence(self, pieces: list[list[str]]) -> np.ndarray:
        """One sentence, piece by piece, then scaled as ``PiperVoice.synthesize`` does."""
        voice, options = self._voice, self._options
        audio = np.concatenate(
            [
                np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(piece), options))
                for piece in pieces
            ]
        ).astype(np.float32)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if options.normalize_audio:
            audio = audio / peak if peak >= 1e-8 else np.zeros_like(audio)
        return np.clip(audio * options.volume, -1.0, 1.0).astype(np.float32)
