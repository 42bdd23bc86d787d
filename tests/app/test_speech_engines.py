"""Settings and model store -> speech engine configs (no models are loaded here)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.config import Config, ConfigError, config_from_dict
from app.speech_engines import endpoint_config, recognizer_config, voice_config
from app.store.errors import ModelStoreError
from app.store.store import ModelStore
from speech.errors import LanguageError


@pytest.fixture(scope="module")
def store() -> ModelStore:
    return ModelStore(config=Config())


@pytest.fixture
def empty_store(tmp_path: Path) -> ModelStore:
    return ModelStore(root=tmp_path, config=Config())


def test_recognizer_config_from_settings(store: ModelStore) -> None:
    config = config_from_dict({"asr": {"engine": "openai", "beam_size": 3}})
    settings = recognizer_config(config, store)
    assert settings.engine == "openai" and settings.beam_size == 3
    assert settings.model_path == store.path("asr") and settings.vad_path == store.path("vad")
    assert settings.languages == ("en", "zh") and settings.language == "auto"
    fast = recognizer_config(config, store, engine="faster", model="tiny.en", language="en")
    assert (fast.engine, fast.model_path, fast.language) == ("faster", store.path("asr-fast"), "en")


def test_recognizer_config_errors(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(LanguageError, match="English only"):
        recognizer_config(Config(), store, model="tiny.en", language="zh")
    with pytest.raises(ModelStoreError, match="no Whisper model"):
        recognizer_config(Config(), store, model=str(tmp_path / "nothing"))
    assert recognizer_config(Config(), store, model=str(tmp_path)).model_path == str(tmp_path)


@pytest.mark.parametrize(
    ("language", "voice", "engine", "kokoro_voice"),
    [
        ("en", None, "piper", ""),
        ("zh", None, "kokoro", "jm_kumo"),
        ("zh", "jf_alpha", "kokoro", "jf_alpha"),
        ("en", "espeak-ng", "espeak-ng", ""),
        ("zh", "espeak", "espeak-ng", ""),
    ],
)
def test_voice_choice(
    store: ModelStore, language: str, voice: str | None, engine: str, kokoro_voice: str
) -> None:
    settings = voice_config(Config(), store, language, voice)
    assert (settings.engine, settings.voice, settings.language) == (engine, kokoro_voice, language)


def test_voice_from_settings_and_errors(store: ModelStore) -> None:
    config = config_from_dict({"tts": {"voice": "espeak-ng", "speed": 1.5}})
    assert voice_config(config, store, "en").engine == "espeak-ng"
    assert voice_config(config, store, "en").speed == 1.5
    with pytest.raises(ModelStoreError, match="unknown voice 'bob'"):
        voice_config(Config(), store, "en", "bob")
    with pytest.raises(ConfigError, match="tts.speed"):
        config_from_dict({"tts": {"speed": 5.0}})


def test_unprepared_voice_falls_back_to_espeak(empty_store: ModelStore, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING):
        settings = voice_config(Config(), empty_store, "en")
    assert settings.engine == "espeak-ng" and "joe unavailable" in caplog.text


def test_endpoint_settings() -> None:
    config = config_from_dict({"audio": {"end_silence_ms": 800, "max_utterance_s": 12.0}})
    settings = endpoint_config(config)
    assert (settings.end_silence_ms, settings.max_utterance_s) == (800, 12.0)
    with pytest.raises(ConfigError, match="end_silence_ms"):
        config_from_dict({"audio": {"end_silence_ms": 10}})
