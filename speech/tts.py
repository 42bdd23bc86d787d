"""Text to speech: one interface over Piper, Kokoro and espeak-ng, chosen by language.

Piper (the bundled US English voice) is the default for English, Kokoro with misaki's
Mandarin phonemes speaks Chinese, and espeak-ng, a system package with no weights, is the
fallback that always works: when a neural voice cannot load, the factory logs why and
returns espeak-ng rather than leaving the app mute. Every engine returns the app's audio
(mono float32, 16 kHz), resampled once from the voice's own rate. The config and the
protocol live in ``speech.synthesis``; the voices are imported only inside the factory.
"""

from __future__ import annotations

import logging

from speech.errors import ModelLoadError
from speech.synthesis import Synthesizer, VoiceConfig

__all__ = ["Synthesizer", "VoiceConfig", "make_synthesizer"]
log = logging.getLogger(__name__)


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
