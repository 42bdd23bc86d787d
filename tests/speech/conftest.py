"""Shared, session-scoped speech fixtures: each real model loads once per test run.

Models come from the real model cache (prepared by ``scripts/setup.sh``) through the app's
own wiring, so the tests run exactly what ``wenda`` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from app.config import Config
from app.serving import recognizer_config, voice_config
from app.store.store import ModelStore
from speech.asr import Recognizer, make_recognizer
from speech.tts import Synthesizer, make_synthesizer
from speech.vad import Vad, VadConfig, make_vad
from tests.speech.recordings import POCKETSPHINX


@pytest.fixture(scope="session")
def store() -> ModelStore:
    return ModelStore(config=Config())


@pytest.fixture(scope="session")
def recognizer(store: ModelStore) -> Callable[..., Recognizer]:
    """``recognizer(engine, model, gated=True)``: loaded once, shared by every test."""
    cache: dict[tuple[str, str, bool], Recognizer] = {}

    def get(engine: str = "faster", model: str = "base", gated: bool = True) -> Recognizer:
        key = (engine, model, gated)
        if key not in cache:
            settings = recognizer_config(Config(), store, engine, model, "auto")
            if not gated:
                settings = replace(settings, vad_path="")
            cache[key] = make_recognizer(settings)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def voice(store: ModelStore) -> Callable[[str, str], Synthesizer]:
    """``voice(name, language)`` for joe, jm_kumo, espeak-ng: loaded once."""
    cache: dict[tuple[str, str], Synthesizer] = {}

    def get(name: str, language: str = "en") -> Synthesizer:
        if (name, language) not in cache:
            settings = voice_config(Config(), store, language, name)
            cache[name, language] = make_synthesizer(settings)
        return cache[name, language]

    return get


@pytest.fixture(scope="session")
def vad(store: ModelStore) -> Vad:
    return make_vad(VadConfig(store.path("vad")))


@pytest.fixture(scope="session")
def recordings_installed() -> None:
    if not POCKETSPHINX.is_dir():
        pytest.skip("needs Debian pocketsphinx-testdata and alsa-utils (setup.sh --test)")
