"""Load a voice session's engines from what serves the language (``app.serving``).

The models load in parallel (each is mostly native code that releases the GIL) and each is
warmed up once, so the first spoken turn is as fast as the rest. Which models, voice and
Whisper are used is decided by the resolver; nothing here picks a path or downloads anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from app.serving import Serving
from app.voice.engines import Engines
from app.voice.memory import release_free_memory
from speech.asr import RecognizerConfig
from speech.audio import FRAME_SAMPLES
from speech.microphone import Microphone
from speech.sentences import SentenceAggregator
from speech.speaker import Speaker
from speech.tts import VoiceConfig

log = logging.getLogger(__name__)

WARM_UP_SENTENCE = {"en": "Hello, how can I help you?", "zh": "你好，请问有什么可以帮您？"}


def _load_vad(path: str) -> Any:
    from speech.vad import VadConfig, make_vad

    vad = make_vad(VadConfig(path))
    vad.probability(np.zeros(FRAME_SAMPLES, dtype=np.float32))
    vad.reset()
    return vad


def _load_turn(path: str, after: Future[Any]) -> Any:
    """Smart Turn when it is prepared (``serving.turn``); without it a turn ends on silence
    alone. It waits for ``after`` (the recogniser's load): both import faster_whisper, and
    two threads importing one package at once can stop with Python's import deadlock
    error, which took the voice away in a window test."""
    if not path:
        return None
    wait([after])
    from speech.turn_end import make_turn_model

    model = make_turn_model(path)
    model.completion(np.zeros(FRAME_SAMPLES, dtype=np.float32))  # the first run is slow
    return model


def _load_asr(config: RecognizerConfig) -> Any:
    from speech.asr import make_recognizer

    return make_recognizer(config)


def _load_tts(config: VoiceConfig) -> Any:
    from speech.tts import make_synthesizer

    return make_synthesizer(config)


def _load_dialogue(serving: Serving, user: str) -> Any:
    from app.conversation import build_dialogue
    from app.voice.adapters import DialogueConversation

    manager = build_dialogue(serving, user)
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
    serving: Serving,
    microphone: Microphone,
    speaker: Speaker,
    user: str = "local",
    progress: Callable[[str], None] | None = None,
) -> Engines:
    """Load and warm up every model ``serving`` names (seconds), in parallel; ``serving``
    comes from ``resolve(..., speech=True)``; the devices are passed in."""
    assert serving.asr is not None and serving.tts is not None, "resolve with speech=True"
    started = time.perf_counter()
    with ThreadPoolExecutor(4, thread_name_prefix="voice-load") as pool:
        futures = {
            "vad": pool.submit(_load_vad, serving.vad),
            "asr": pool.submit(_load_asr, serving.asr),
            "tts": pool.submit(_load_tts, serving.tts),
            "dialogue": pool.submit(_load_dialogue, serving, user),
        }
        futures["turn"] = pool.submit(_load_turn, serving.turn, futures["asr"])
        loaded = {name: future.result() for name, future in futures.items()}
    # Whisper's first real sentence is much slower than silence: warm it on a spoken one.
    loaded["asr"].transcribe(loaded["tts"].synthesize(WARM_UP_SENTENCE[serving.language]))
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
        expectation=loaded["dialogue"].expectation,
        turn_model=loaded["turn"],
    )
