"""Benchmark of the speech layer: what a spoken turn costs on this machine.

- Whisper, for each engine (faster, openai) and model (base, tiny.en): load time, and the
  latency and real-time factor of transcribing a 3 s utterance (after the speaker stops,
  this is what the user waits for), VAD gate included, as the app runs it.
- Voices (Piper en, Kokoro zh, espeak-ng en): load time, time to first audio (synthesis of
  the first sentence of a two-sentence reply, which is when playback can start) and the
  real-time factor of the whole reply.
- Silero VAD: cost of one 32 ms frame.

Every figure is the median of ``--runs`` runs after one warm-up run (loads: of 3). CPU
seconds are reported next to wall times: on a shared machine the wall time grows with the
load, the CPU cost hardly does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from app.cli.arg_types import count

UTTERANCE = Path(
    "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"
)  # 2.99 s of read speech, "he was not an ill disposed young man" (pocketsphinx-testdata)
UTTERANCE_S = 3.0
REPLIES = {
    "en": "Your order ships tomorrow morning. It should arrive by Friday.",
    "zh": "您的订单明天早上发货。预计星期五送到。",
}
VOICES = (("piper", "joe", "en"), ("kokoro", "jm_kumo", "zh"), ("espeak-ng", "espeak-ng", "en"))
LOADS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runs", type=count(1, 10_000), default=5, help="timed runs per figure (default 5)"
    )
    parser.add_argument(
        "--beam-size", type=count(1, 10), help="Whisper beam width (default: asr.beam_size)"
    )
    parser.add_argument(
        "--part",
        choices=("asr", "tts", "vad"),
        action="append",
        help="only this part (repeatable; default: all)",
    )


def _median_s(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``runs`` calls after one warm-up call.

    CPU time (this process, all threads) barely moves when other programs load the machine,
    so it shows the cost even when the wall time is inflated by a busy machine.
    """
    action()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _utterance(config: Any) -> tuple[np.ndarray, str]:
    """3 s of speech: a real recording when the test data is installed, else Piper's."""
    from speech.audio import SAMPLE_RATE
    from speech.audio_file import load_audio

    if UTTERANCE.is_file():
        audio, source = load_audio(UTTERANCE), UTTERANCE.name
    else:
        from app.serving import voice_config
        from app.store.store import ModelStore
        from speech.speak import synthesize_all
        from speech.tts import make_synthesizer

        voice = make_synthesizer(voice_config(config, ModelStore(config=config), "en", "joe"))
        audio = synthesize_all("He was not an ill disposed young man.", voice)
        source = "Piper: he was not an ill disposed young man"
    size = int(UTTERANCE_S * SAMPLE_RATE)
    return np.pad(audio[:size], (0, max(0, size - len(audio)))), source


def bench_asr(config: Any, runs: int) -> dict[str, Any]:
    from app.serving import recognizer_config
    from app.store.store import ModelStore
    from speech.asr import make_recognizer

    audio, source = _utterance(config)
    store = ModelStore(config=config)
    results: dict[str, Any] = {"utterance": source}
    for engine in ("faster", "openai"):
        for model in ("base", "tiny.en"):
            settings = recognizer_config(config, store, engine, model, "auto")
            loads = []
            for _ in range(LOADS):
                started = time.perf_counter()
                recognizer = make_recognizer(settings)
                loads.append(time.perf_counter() - started)
            latency, cpu = _median_s(partial(recognizer.transcribe, audio), runs)
            figures: dict[str, Any] = {
                "load_s": round(statistics.median(loads), 2),
                "latency_s": round(latency, 3),
                "real_time_factor": round(latency / UTTERANCE_S, 3),
                "cpu_s": round(cpu, 3),
            }
            if model == "base":  # auto-detection costs an extra encoder pass; a known language not
                fixed, _ = _median_s(partial(recognizer.transcribe, audio, "en"), runs)
                figures["latency_language_en_s"] = round(fixed, 3)
            figures["text"] = recognizer.transcribe(audio).text
            results[f"{engine} {model}"] = figures
            del recognizer
    return results


def bench_tts(config: Any, runs: int) -> dict[str, Any]:
    from app.serving import voice_config
    from app.store.store import ModelStore
    from speech.audio import seconds
    from speech.sentences import split_sentences
    from speech.speak import synthesize_all
    from speech.tts import make_synthesizer

    store = ModelStore(config=config)
    results: dict[str, Any] = {}
    for engine, voice_name, language in VOICES:
        settings = voice_config(config, store, language, voice_name)
        started = time.perf_counter()
        voice = make_synthesizer(settings)
        load_s = time.perf_counter() - started
        reply = REPLIES[language]
        first = split_sentences(reply)[0]
        first_s, _ = _median_s(partial(voice.synthesize, first), runs)
        whole_s, whole_cpu = _median_s(partial(synthesize_all, reply, voice), runs)
        spoken_s = seconds(synthesize_all(reply, voice))
        results[f"{engine} ({voice.name}, {language})"] = {
            "load_s": round(load_s, 2),
            "first_audio_s": round(first_s, 3),
            "real_time_factor": round(whole_s / spoken_s, 3),
            "cpu_per_audio_s": round(whole_cpu / spoken_s, 3),
        }
    return results


def bench_vad(config: Any, runs: int) -> dict[str, Any]:
    from app.store.store import ModelStore
    from speech.audio import frames_of
    from speech.vad import VadConfig, make_vad

    vad = make_vad(VadConfig(ModelStore(config=config).path("vad")))
    audio, source = _utterance(config)
    frames = frames_of(np.tile(audio, 3))

    def score_all() -> None:
        vad.reset()
        for frame in frames:
            vad.probability(frame)

    per_frame_s = _median_s(score_all, runs)[0] / len(frames)
    return {"frame_ms": 32, "per_frame_ms": round(per_frame_s * 1000, 3), "frames": len(frames)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    parts = args.part or ["asr", "tts", "vad"]
    config = args.config
    if args.beam_size:
        config = replace(config, asr=replace(config.asr, beam_size=args.beam_size))
    result: dict[str, Any] = {
        "command": "wenda bench speech",
        "runs": args.runs,
        "beam_size": config.asr.beam_size,
    }
    benches = {"asr": bench_asr, "tts": bench_tts, "vad": bench_vad}
    for part in parts:
        result[part] = benches[part](config, args.runs)
    return result
