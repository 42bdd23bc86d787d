"""Which model store role holds which model: per language, and per name a user can type.

The roles themselves are listed in ``assets/models.toml`` (the manifest); these tables are
the one place that maps a language or a setting's value ("tiny.en", "joe") onto them.
"""

from __future__ import annotations

ENCODER_ROLES = {"en": "nlu-encoder", "zh": "nlu-encoder-zh"}  # NLU base and retrieval
GENERATOR_ROLES = {"en": "generator", "zh": "generator-zh"}  # the chat model
ASR_ROLES = {"base": "asr", "tiny.en": "asr-fast"}  # asr.model values
PIPER_VOICES = {"joe": "tts"}  # tts.voice values spoken by Piper
KOKORO_ROLE = "tts-zh"  # every Kokoro voice lives in this one model
TURN_ROLE = "turn"  # Smart Turn v3.2, optional (assets/models.toml)
VAD_ROLE = "vad"


def generator_role(language: str) -> str:
    """The role of the chat model for ``language`` (the English model otherwise)."""
    return GENERATOR_ROLES.get(language, GENERATOR_ROLES["en"])
