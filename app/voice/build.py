"""Assemble a voice session's engines from the user's config and the model store.

The models load in parallel (each is mostly native code that releases the GIL) and each is
warmed up once, so the first spoken turn is as fast as the rest. Paths come from the model
store; nothing here downloads anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.config import Config
from app.store.languages import prepare_language
from app.voice.echo import EchoGateConfig
from app.voice.engines import Engines, Microphone, Speaker
from app.voice.errors import VoiceSetupError
from app.voice.memory import release_free_memory
from app.voice.settings import VoiceSettings
from speech.audio import FRAME_SAMPLES
from speech.endpoint import EndpointConfig
from speech.sentences import SentenceAggregator

log = logging.getLogger(__name__)

ASR_ROLES = {"base": "asr", "tiny.en": "asr-fast"}
TTS_ROLES = {"en": "tts", "zh": "tts-zh"}
WARM_UP_SENTENCE = {"en": "Hello, how can I help you?", "zh": "你好，请问有什么可以帮您？"}


@dataclass(frozen=True)
class TalkOptions:
    """What ``wenda talk`` (or the GUI) asks for on top of the config."""

    language: str = ""  # empty: config.general.language
    user: str = "local"
    generator: bool = True  # and config.generator.enabled
    asr_model: str = ""  # empty: config.voice.asr_model
    nlu_model: str = ""  # empty: the domain's trained model in the model cache


def voice_settings(config: Config, language: str) -> VoiceSettings:
    """The session's behaviour from ``[voice]``; bad values are reported as setup errors."""
    voice = config.voice
    try:
        endpoint = EndpointConfig(end_silence_ms=voice.end_silence_ms)
        echo = EchoGateConfig(margin_db=voice.echo_margin_db)
    except ValueError as e:
        raise VoiceSetupError(f"[voice] settings: {e}") from e
    return VoiceSettings(endpoint=endpoint, echo=echo, barge_in=voice.barge_in, language=language)


def nlu_model_choice(options: TalkOptions, language: str) -> str:
    """The NLU model folder to load: the one asked for, else the one activated in the
    fine-tuning window (``app.models_active``), else "" (the domain's own trained model).
    The chat model's adapter is chosen the same way, in ``app.generator``."""
    if options.nlu_model:
        return options.nlu_model
    from app.models_active import active_model, slot_name

    active = active_model(slot_name("nlu", language))
    return str(active) if active is not None else ""


def asr_model_path(config: Config, language: str, choice: str = "") -> str:
    """The Whisper folder for conversations: ``auto`` is tiny.en for English (measured the
    fastest with the same answers on the shop turns, see BENCHMARKS.md), else asr.model."""
    from app.store.store import ModelStore

    choice = choice or config.voice.asr_model
    if choice == "auto":
        choice = "tiny.en" if language == "en" else config.asr.model
    if choice == "tiny.en" and language != "en":
        raise VoiceSetupError(
            f'tiny.en understands English only; for {language} set voice.asr_model = "base"'
        )
    if choice in ASR_ROLES:
        return ModelStore(config=config).path(ASR_ROLES[choice])
    if not Path(choice).expanduser().exists():
        raise VoiceSetupError(f"voice.asr_model {choice!r} is not base, tiny.en or a folder")
    return str(Path(choice).expanduser())


def _load_vad(config: Config) -> Any:
    from app.store.store import ModelStore
    from speech.vad import VadConfig, make_vad

    vad = make_vad(VadConfig(ModelStore(config=config).path("vad")))
    vad.probability(np.zeros(FRAME_SAMPLES, dtype=np.float32))
    vad.reset()
    return vad


def _load_asr(config: Config, language: str, choice: str) -> Any:
    from speech.asr import RecognizerConfig, make_recognizer

    recognizer = make_recognizer(
        RecognizerConfig(
            model_path=asr_model_path(config, language, choice),
            engine=config.asr.engine,  # type: ignore[arg-type]
            language=language,
            beam_size=config.voice.beam_size,
            vad_path="",  # the session's endpointer has already found the speech
        )
    )
    return recognizer


def _load_tts(config: Config, language: str) -> Any:
    from app.store.store import ModelStore
    from speech.tts import VoiceConfig, make_synthesizer

    engine = "piper" if language == "en" else "kokoro"
    voice = make_synthesizer(
        VoiceConfig(
            engine=engine,  # type: ignore[arg-type]
            model_path=ModelStore(config=config).path(TTS_ROLES[language]),
            voice=config.tts.voice,
            language=language,
        )
    )
    return voice


def _load_dialogue(config: Config, language: str, options: TalkOptions) -> Any:
    from app.conversation import ChatOptions, build_dialogue
    from app.voice.adapters import DialogueConversation

    chat = ChatOptions(
        language=language,
        user=options.user,
        generator=options.generator,
        nlu_model=nlu_model_choice(options, language),
    )
    manager = build_dialogue(config, chat)
    manager.nlu.predict(["hello"])  # warm-up: the first prediction builds caches
    if manager.generator is not None:
        from dialogue.generation import GenerationRequest

        try:  # the first forward pass allocates what every later one reuses
            for _ in manager.generator.stream(GenerationRequest("Hello.", max_new_tokens=2)):
                pass
        except Exception as e:  # a slow or failing generator shows up in the turn itself
            log.warning("generator warm-up failed: %s", e)
    return DialogueConversation(manager)


def load_engines(
    config: Config,
    options: TalkOptions,
    microphone: Microphone,
    speaker: Speaker,
    progress: Callable[[str], None] | None = None,
) -> Engines:
    """Load and warm up every model (seconds), in parallel; the devices are passed in."""
    language = options.language or config.general.language
    started = time.perf_counter()
    prepare_language(config, language)  # first use of a language (the CLI showed a bar)
    with ThreadPoolExecutor(4, thread_name_prefix="voice-load") as pool:
        futures = {
            "vad": pool.submit(_load_vad, config),
            "asr": pool.submit(_load_asr, config, language, options.asr_model),
            "tts": pool.submit(_load_tts, config, language),
            "dialogue": pool.submit(_load_dialogue, config, language, options),
        }
        loaded = {name: future.result() for name, future in futures.items()}
    # Whisper's first real sentence is much slower than silence: warm it on a spoken one.
    loaded["asr"].transcribe(loaded["tts"].synthesize(WARM_UP_SENTENCE[language]))
    release_free_memory()  # loading freed copies of weights the heap would otherwise keep
    if progress:
        progress(f"models loaded in {time.perf_counter() - started:.1f} s")
    return Engines(
        microphone=microphone,
        speaker=speaker,
        vad=loaded["vad"],
        recognizer=loaded["asr"],
        synthesizer=loaded["tts"],
        conversation=loaded["dialogue"],
        sentences=SentenceAggregator,
    )
