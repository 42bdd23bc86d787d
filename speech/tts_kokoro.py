"""Kokoro-82M (ONNX, int8) speaking Mandarin from misaki's phonemes, or English via espeak.

The bundled voices are named for Japanese but the model is multilingual: fed pinyin-derived
IPA from misaki's Chinese G2P (``is_phonemes=True``) it speaks clear Mandarin. English
words inside Chinese text are phonemized by Kokoro's own espeak-ng front end.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from speech.audio import DTYPE
from speech.errors import ModelLoadError, SynthesisError
from speech.onnx_session import onnx_session
from speech.synthesis import VoiceConfig, to_app_audio

log = logging.getLogger(__name__)

MODEL_FILE = "kokoro-v1.0.int8.onnx"
VOICES_FILE = "voices.npz"
VOCAB_FILE = "vocab.json"
# Chosen by ear and by Whisper: of the five bundled voices, jm_kumo's Mandarin came back
# from Whisper base with the most characters right (tones included).
DEFAULT_VOICE = "jm_kumo"
ESPEAK_LANGUAGES = {"en": "en-us"}


class KokoroSynthesizer:
    def __init__(self, config: VoiceConfig) -> None:
        folder = Path(config.model_path)
        missing = [n for n in (MODEL_FILE, VOICES_FILE, VOCAB_FILE) if not (folder / n).is_file()]
        if missing:
            raise ModelLoadError(
                f"the Kokoro voice folder {folder} lacks {', '.join(missing)}; "
                f"run `wenda models prepare tts-zh`"
            )
        try:
            from kokoro_onnx import Kokoro

            self._kokoro = Kokoro.from_session(
                onnx_session(folder / MODEL_FILE, shrink_arena=True),
                str(folder / VOICES_FILE),
                vocab_config=str(folder / VOCAB_FILE),
            )
        except Exception as e:  # onnxruntime, numpy and espeak loading all raise their own
            raise ModelLoadError(f"cannot load the Kokoro voice in {folder}: {e}") from e
        self._voice = config.voice or DEFAULT_VOICE
        voices = self._kokoro.get_voices()
        if self._voice not in voices:
            raise ModelLoadError(
                f"Kokoro has no voice {self._voice!r}; voices: {', '.join(voices)}"
            )
        self._language, self._speed = config.language, config.speed
        self._g2p = self._chinese_g2p() if config.language == "zh" else None
        self.name = f"kokoro:{self._voice}"

    def _chinese_g2p(self) -> Any:
        from misaki import zh

        # misaki's word segmenter (jieba) logs its dictionary loading to stderr at DEBUG.
        logging.getLogger("jieba").setLevel(logging.WARNING)

        def english(word: str) -> str:
            return str(self._kokoro.tokenizer.phonemize(word, "en-us"))

        return zh.ZHG2P(en_callable=english)

    def _phonemes(self, text: str) -> str:
        if self._g2p is not None:
            phonemes, _ = self._g2p(text)
            return str(phonemes)
        language = ESPEAK_LANGUAGES.get(self._language, self._language)
        return str(self._kokoro.tokenizer.phonemize(text, language))

    def synthesize(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, dtype=DTYPE)
        try:
            phonemes = self._phonemes(text)
            if not self._kokoro.tokenizer.tokenize(phonemes, limit=None):
                return np.zeros(0, dtype=DTYPE)  # nothing the voice can pronounce
            audio, rate = self._kokoro.create(
                phonemes, voice=self._voice, speed=self._speed, is_phonemes=True
            )
        except Exception as e:  # misaki, espeak and onnxruntime raise assorted types
            raise SynthesisError(f"Kokoro could not speak {text[:60]!r}: {e}") from e
        return to_app_audio(audio, rate)
