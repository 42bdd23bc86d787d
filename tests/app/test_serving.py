"""The resolver: settings, model store and activated models -> what serves a language.

Every setting is checked where it matters: the endpointer the voice loop runs, the Whisper
the loop loads, the voice it speaks with and how fast (the real Piper voice, slow).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from app import models_active
from app.config import Config, ConfigError
from app.config_file import config_from_dict
from app.domains import nlu_model_dir
from app.serving import (
    Asked,
    conversation_recognizer,
    nlu_choice,
    recognizer_config,
    resolve,
    voice_config,
)
from app.store.errors import ModelStoreError
from app.store.store import ModelStore
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.errors import LanguageError
from speech.listen import HeardSoFar, Listener, Utterance

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


@pytest.fixture(scope="module")
def store() -> ModelStore:
    return ModelStore(config=Config())


@pytest.fixture
def empty_store(tmp_path: Path) -> ModelStore:
    return ModelStore(root=tmp_path, config=Config())


def test_recognizer_for_files_from_settings(store: ModelStore) -> None:
    config = config_from_dict({"asr": {"engine": "openai", "beam_size": 3, "window_s": 12}})
    settings = recognizer_config(config, store)
    assert settings.engine == "openai" and settings.beam_size == 3
    assert settings.window_s == 30  # files are read whole; asr.window_s is for conversations
    assert settings.model_path == store.path("asr") and settings.vad_path == store.path("vad")
    assert settings.languages == ("en", "zh") and settings.language == "auto"
    fast = recognizer_config(config, store, engine="faster", model="tiny.en", language="en")
    assert (fast.engine, fast.model_path, fast.language) == ("faster", store.path("asr-fast"), "en")


def test_recognizer_errors(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(LanguageError, match="English only"):
        recognizer_config(Config(), store, model="tiny.en", language="zh")
    with pytest.raises(LanguageError, match='asr.model = "base"'):
        conversation_recognizer(config_from_dict({"asr": {"model": "tiny.en"}}), store, "zh")
    with pytest.raises(ModelStoreError, match="no Whisper model"):
        recognizer_config(Config(), store, model=str(tmp_path / "nothing"))
    assert recognizer_config(Config(), store, model=str(tmp_path)).model_path == str(tmp_path)


@pytest.mark.parametrize(
    ("setting", "language", "role"),
    [
        ("auto", "en", "asr-fast"),  # the fastest with the same answers on the shop turns
        ("auto", "zh", "asr"),
        ("base", "en", "asr"),  # asr.model is what the loop loads (it read voice.asr_model)
        ("tiny.en", "en", "asr-fast"),
    ],
)
def test_conversation_whisper_follows_asr_model(
    store: ModelStore, setting: str, language: str, role: str
) -> None:
    config = config_from_dict(
        {"asr": {"model": setting, "beam_size": 2, "device": "cpu", "window_s": 15}}
    )
    settings = conversation_recognizer(config, store, language)
    assert settings.model_path == store.path(role)
    assert (settings.language, settings.beam_size, settings.device) == (language, 2, "cpu")
    assert settings.window_s == 15 and Config().asr.window_s == 30
    assert settings.vad_path == ""  # the session's endpointer has found the speech already


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


def test_spoken_conversation_gets_voice_speed_and_whisper_from_settings(store) -> None:  # type: ignore[no-untyped-def]
    """What the voice loop loads (``resolve(..., speech=True)``) honours tts.voice,
    tts.speed, asr.model and asr.beam_size; it used to ignore all four."""
    config = config_from_dict(
        {"tts": {"voice": "espeak-ng", "speed": 1.3}, "asr": {"model": "base", "beam_size": 4}}
    )
    serving = resolve(config, Asked(generator=False), speech=True, store=store)
    assert serving.tts is not None and serving.asr is not None
    assert (serving.tts.engine, serving.tts.speed) == ("espeak-ng", 1.3)
    assert (serving.asr.model_path, serving.asr.beam_size) == (store.path("asr"), 4)
    assert serving.vad == store.path("vad")
    default = resolve(Config(), Asked(generator=False), speech=True, store=store)
    assert default.tts is not None and default.asr is not None
    assert (default.tts.engine, default.tts.speed) == ("piper", 1.0)
    assert default.asr.model_path == store.path("asr-fast")


def _frames_until_utterance(listener: Listener, speech_frames: int) -> tuple[int, Utterance]:
    """Feed speech (probability 1) for ``speech_frames``, then silence; returns the frame
    count at which the listener handed over an utterance, and that utterance."""
    frame = np.zeros(FRAME_SAMPLES, dtype=np.float32)
    for index in range(speech_frames + 400):
        probability = 1.0 if index < speech_frames else 0.0
        heard = listener.push(frame, index * FRAME_S, probability)
        if isinstance(heard, Utterance):
            return index + 1, heard
    raise AssertionError("no utterance")


def test_end_silence_reaches_the_voice_loops_listener() -> None:
    """audio.end_silence_ms ends a turn in the listener the voice loop runs (it reached only
    an unused function; the loop read voice.end_silence_ms)."""
    ends = {}
    for silence_ms in (300, 900):
        config = config_from_dict({"audio": {"end_silence_ms": silence_ms}})
        serving = resolve(config, Asked(generator=False))
        ended_at, _ = _frames_until_utterance(Listener(serving.voice.endpoint), 30)
        ends[silence_ms] = (ended_at - 30) * FRAME_S * 1000
    assert 300 <= ends[300] < 300 + 2 * FRAME_S * 1000
    assert 900 <= ends[900] < 900 + 2 * FRAME_S * 1000


def test_max_utterance_cuts_a_long_turn_in_the_voice_loop() -> None:
    for limit_s in (2.0, 4.0):
        config = config_from_dict({"audio": {"max_utterance_s": limit_s}})
        serving = resolve(config, Asked(generator=False))
        ended_at, heard = _frames_until_utterance(Listener(serving.voice.endpoint), 1000)
        assert ended_at * FRAME_S == pytest.approx(limit_s, abs=0.2)
        assert heard.reason == "max_length"


def test_barge_in_and_echo_margin_reach_the_session() -> None:
    config = config_from_dict({"voice": {"barge_in": False, "echo_margin_db": 12.0}})
    voice = resolve(config, Asked(generator=False)).voice
    assert not voice.barge_in and voice.echo is not None and voice.echo.margin_db == 12.0
    assert not voice.echo_cancel  # off by default (experimental)
    config = config_from_dict({"voice": {"echo_cancel": True}})
    assert resolve(config, Asked(generator=False)).voice.echo_cancel


def test_partial_ms_reaches_the_voice_loop_and_is_range_checked() -> None:
    """voice.partial_ms is how often the loop's listener hands out the audio so far (the
    fake-engine pipeline test shows the session emitting partial transcripts from it)."""
    counts = {}
    for partial_ms in (0, 400, 1000):
        config = config_from_dict({"voice": {"partial_ms": partial_ms}})
        voice = resolve(config, Asked(generator=False)).voice
        assert voice.partial_ms == partial_ms
        listener = Listener(voice.endpoint, None, voice.early_asr_ms, voice.partial_ms)
        heard = [listener.push(np.zeros(512, np.float32), i * FRAME_S, 1.0) for i in range(94)]
        counts[partial_ms] = sum(isinstance(h, HeardSoFar) for h in heard)  # 3 s of speech
    assert counts[0] == 0 and counts[400] > counts[1000] >= 2
    with pytest.raises(ConfigError, match="voice.partial_ms"):
        config_from_dict({"voice": {"partial_ms": 100}})


@pytest.mark.parametrize(
    ("asked", "activated", "source"),
    [
        ("", False, "domain"),  # nothing activated: the domain's own model
        ("", True, "activated"),  # the wizard's model
        ("/my/model", True, "asked"),  # --nlu-model wins over both
        ("/my/model", False, "asked"),
    ],
)
def test_nlu_choice(asked: str, activated: bool, source: str) -> None:
    folder = models_active.new_version_dir("nlu-en")
    folder.mkdir(parents=True)
    if activated:
        models_active.activate("nlu-en", folder)
    expected = {"domain": nlu_model_dir("shop", "en"), "activated": folder, "asked": Path(asked)}
    assert nlu_choice("shop", "en", asked) == (expected[source], source)
    assert nlu_choice("shop", "zh", asked)[0] == (
        Path(asked) if asked else nlu_model_dir("shop", "zh")
    )


def test_every_front_end_gets_the_activated_nlu_model() -> None:
    folder = models_active.new_version_dir("nlu-en")
    folder.mkdir(parents=True)
    assert resolve(Config()).nlu_source == "domain"
    models_active.activate("nlu-en", folder)
    serving = resolve(Config())
    assert (serving.nlu, serving.nlu_source) == (folder, "activated")
    assert resolve(Config(), Asked(language="zh")).nlu_source == "domain"  # its own slot


def test_generator_choice_says_why_there_is_none() -> None:
    assert resolve(Config(), Asked(generator=False)).generator is None
    off = resolve(config_from_dict({"generator": {"enabled": False}}))
    assert off.generator is None and "turned off" in off.generator_note
    server = resolve(config_from_dict({"generator": {"url": "http://gpu:8000/v1"}}))
    assert server.generator is not None and server.generator.url == "http://gpu:8000/v1"


@pytest.mark.parametrize(
    ("generator", "compose"),
    [
        ({"url": "http://gpu:8000/v1", "compose": "documents"}, "documents"),  # a server: as set
        ({"url": "http://gpu:8000/v1", "enabled": False}, "never"),  # no chat model
        ({"engine": "transformers"}, "documents"),  # the shop ships its English adapter
        ({"engine": "transformers", "adapters": {"en": "none"}}, "never"),  # base: not trusted
        ({"engine": "transformers", "adapters": {"en": "/my/adapter"}}, "documents"),  # default
        ({"engine": "transformers", "adapters": {"en": "/a"}, "compose": "always"}, "always"),
    ],
)
def test_compose_mode_is_served_with_the_chat_model(generator: dict, compose: str) -> None:
    """Every front end builds its conversation from ``Serving``, so this is the mode they
    all get; an adapter activated in the window counts like a configured one."""
    serving = resolve(config_from_dict({"generator": generator}))
    assert serving.compose == compose, serving.generator_note


def test_the_domain_ships_an_adapter_for_the_bundled_chat_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The shop's adapters serve by default, each for its language; not for a chat model the
    user chose instead, not when its record is missing (warned), not with the "none" choice."""
    import shutil

    from app.domains import bundled_domain_dir

    config = config_from_dict({"generator": {"engine": "transformers"}})
    serving = resolve(config)
    shipped = bundled_domain_dir() / "adapters" / "en"
    assert serving.generator is not None and serving.generator.adapter == str(shipped)
    chinese = resolve(config, Asked(language="zh"))
    assert chinese.generator is not None and chinese.compose == "documents"
    assert chinese.generator.adapter == str(bundled_domain_dir() / "adapters" / "zh")
    declined = config_from_dict(
        {"generator": {"engine": "transformers", "adapters": {"zh": "none"}}}
    )
    assert resolve(declined, Asked(language="zh")).compose == "never"
    own = config_from_dict(
        {"generator": {"engine": "transformers"}, "models": {"paths": {"generator": str(tmp_path)}}}
    )
    assert resolve(own).compose == "never"
    domain = tmp_path / "shop"
    shutil.copytree(bundled_domain_dir(), domain)
    (domain / "adapters" / "en" / "wenda-adapter.json").unlink()
    damaged = config_from_dict(
        {"general": {"domain": str(domain)}, "generator": {"engine": "transformers"}}
    )
    with caplog.at_level(logging.WARNING):
        assert resolve(damaged).compose == "never"
    assert "wenda-adapter.json" in caplog.text


def test_an_activated_adapter_lets_the_chat_model_compose() -> None:
    config = config_from_dict({"generator": {"engine": "transformers"}})
    folder = models_active.new_version_dir("generator-en")
    folder.mkdir(parents=True)
    models_active.activate("generator-en", folder)
    serving = resolve(config)
    assert serving.compose == "documents" and serving.generator is not None
    assert serving.generator.adapter == str(folder)
    assert resolve(config, Asked(generator=False)).compose == "never"


@pytest.mark.slow
def test_tts_speed_changes_how_long_the_voice_loop_speaks(store: ModelStore) -> None:
    """tts.speed reaches the voice the loop loads: the real Piper voice at 1.5 speaks the
    same sentence in about two thirds of the time."""
    from app.voice.build import _load_tts

    text = "Your order has shipped and should arrive on Thursday."
    lengths = {}
    for speed in (1.0, 1.5):
        config = config_from_dict({"tts": {"speed": speed}})
        serving = resolve(config, Asked(generator=False), speech=True, store=store)
        assert serving.tts is not None and serving.tts.engine == "piper"
        lengths[speed] = len(_load_tts(serving.tts).synthesize(text))
    assert 0.55 < lengths[1.5] / lengths[1.0] < 0.8


@pytest.mark.slow
def test_asr_model_is_the_whisper_the_voice_loop_loads(store: ModelStore) -> None:
    from app.voice.build import _load_asr

    multilingual = {}
    for setting in ("base", "tiny.en"):
        config = config_from_dict({"asr": {"model": setting}})
        serving = resolve(config, Asked(generator=False), speech=True, store=store)
        assert serving.asr is not None
        multilingual[setting] = _load_asr(serving.asr).multilingual
    assert multilingual == {"base": True, "tiny.en": False}
