"""``wenda bench voice``: the whole voice loop on PulseAudio virtual devices.

Recordings are played into the virtual microphone and the session answers through the
virtual speaker, exactly as ``wenda talk`` would. Reported:

- per turn and as p50/p95: end of speech -> endpoint -> transcript -> first reply sentence
  -> first audio out, split by where the reply came from (template/KB, generator) and for
  real recordings;
- false barge-ins: the speaker looped back into the microphone (acoustic echo at unity
  gain) while Wenda gives long answers and nobody talks, with the echo gate on and off;
- barge-in: the user talks over a long answer; time from their first speech to silence;
- the same through a room (delay, reverberation, noise; the user 6 dB under the echo),
  with the echo gate alone and with the canceller before it (``app.bench.voice_echo``);
- with the turn model (Smart Turn), the same turns again with silence alone ending them,
  back to back: ``silence_only``, and how many transcripts came out exact in each;
- partial transcripts: how many each turn showed and how soon after the user began, and
  with ``--compare-partials`` the same turns again without them (``no_partials``), so the
  cost of showing words while the user speaks is measured back to back.

Synthetic shop turns are spoken by the bundled Piper voice at run time (``app.bench.utterances``).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import psutil

from app.bench.utterances import (
    COMPOSED_TURNS,
    GENERATOR_TURNS,
    TEMPLATE_KB_TURNS,
    Clip,
    real_recordings,
    synthesize_clips,
)
from app.bench.virtual_audio import VirtualAudio
from app.bench.voice_driver import VoiceDriver
from app.bench.voice_echo import echo_trials
from app.cli.arg_types import count
from app.voice import events as ev
from app.voice.latency import percentiles, summarise

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--asr-model", default="", help="base, tiny.en or a folder (default: config)"
    )
    parser.add_argument("--no-generator", action="store_true", help="without the chat model")
    parser.add_argument("--nlu-model", default="", metavar="DIR", help="NLU model folder")
    parser.add_argument(
        "--rounds", type=count(1, 1000), default=2, help="times each shop turn is said"
    )
    parser.add_argument("--quick", action="store_true", help="latency only: no echo trials")
    parser.add_argument("--echo-only", action="store_true", help="echo trials only: no latency")
    parser.add_argument(
        "--compare-partials",
        action="store_true",
        help="say the turns again without partial transcripts, back to back",
    )


def _group(done: ev.TurnDone, clip: Clip) -> str:
    if clip.kind == "recording":
        return "recording"
    if done.source == "generator":
        return "generator"
    return "composed" if done.extra.get("compose") else "template_kb"


def _latency_phase(driver: VoiceDriver, clips: list[Clip]) -> list[dict[str, Any]]:
    rows = []
    for clip in clips:
        start = driver.mark()
        done = driver.turn(clip.path)
        rows.append(
            {
                "clip": clip.path.name,
                "synthetic": clip.synthetic,
                "said": clip.text,
                "transcript": done.transcript,
                "reply": done.reply,
                "intent": done.intent,
                "source": done.source,
                "group": _group(done, clip),
                "stages_ms": done.times.stage_ms(),
                **_partials(driver, start),
            }
        )
        log.info("%s -> %s (%s)", done.transcript, done.reply[:60], done.source)
    return rows


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups = sorted({r["group"] for r in rows})
    return {g: summarise(r["stages_ms"] for r in rows if r["group"] == g) for g in groups}


def _partials(driver: VoiceDriver, start: int) -> dict[str, Any]:
    """How many partial transcripts a turn showed, and the first one's delay from the
    moment the session heard the user start (None: none showed)."""
    partials = [t for t in driver.since(start, ev.Transcript) if t.partial]
    began = driver.since(start, ev.SpeechStarted)
    first_ms = None
    if partials and began:
        first_ms = round((driver.time_of(partials[0]) - driver.time_of(began[0])) * 1000)
    return {"partials": len(partials), "first_partial_ms": first_ms}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.serving import Asked, resolve
    from app.voice.build import load_engines
    from app.voice.memory import configure_model_process
    from speech.microphone import make_microphone
    from speech.speaker import make_speaker

    configure_model_process()  # as wenda talk and the app do, so the memory figures compare
    asked = Asked(
        nlu_model=args.nlu_model, asr_model=args.asr_model, generator=not args.no_generator
    )
    process = psutil.Process()
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="wenda-bench-voice-") as tmp,
        private_data(Path(tmp) / "data"),
        VirtualAudio() as audio,
    ):
        speaker = make_speaker()
        started = time.perf_counter()
        serving = resolve(args.config, asked, speech=True)  # the private data: no activations
        settings = serving.voice
        engines = load_engines(serving, make_microphone(), speaker, "bench")
        load_s = time.perf_counter() - started
        rss_loaded = process.memory_info().rss
        clips = [] if args.echo_only else _clips(args, Path(tmp), engines.synthesizer.synthesize)
        rows, silence_rows, plain_rows = _phases(audio, engines, settings, clips, args)
        echo = {} if args.quick else echo_trials(audio, engines, settings, Path(tmp))
        underflows = speaker.underflows
        speaker.close()
    report = _report(serving, engines, rows, silence_rows) if rows else {}
    if plain_rows:
        report["no_partials"] = _summary(plain_rows)
    return {
        **report,
        **echo,
        "load_s": round(load_s, 1),
        **_memory(process, rss_loaded),
        "speaker_underflows": underflows,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "turn_log": rows,
    }


Rows = list[dict[str, Any]]


def _phases(
    audio: VirtualAudio, engines: Any, settings: Any, clips: list[Clip], args: argparse.Namespace
) -> tuple[Rows, Rows, Rows]:
    """The clips said as configured, then back to back the baselines: silence alone ending
    turns (when there is a turn model), and with ``--compare-partials`` no partials."""
    with VoiceDriver(audio, engines, settings) as driver:
        rows = _latency_phase(driver, clips)
    silence_rows: Rows = []
    if clips and engines.turn_model is not None:
        with VoiceDriver(audio, replace(engines, turn_model=None), settings) as driver:
            silence_rows = _latency_phase(driver, clips)
    plain_rows: Rows = []
    if clips and args.compare_partials:
        with VoiceDriver(audio, engines, replace(settings, partial_ms=0)) as driver:
            plain_rows = _latency_phase(driver, clips)
    return rows, silence_rows, plain_rows


def _report(serving: Any, engines: Any, rows: list[dict], silence_rows: list[dict]) -> dict:
    """What the turns measured: latency by where the reply came from, with the turn model
    and with silence alone, and how many transcripts came out exact."""
    settings = serving.voice
    by_group = _summary(rows)
    return {
        "asr_model": serving.asr.model_path if serving.asr else "",
        "end_silence_ms": settings.endpoint.end_silence_ms,
        "turn_model": engines.turn_model is not None,
        "turn_rule_ms": [settings.turn_rule.quick_ms, settings.turn_rule.max_ms],
        "turns": len(rows),
        "end_of_speech_to_first_audio_ms": by_group.get("template_kb", {}).get(
            "end_of_speech_to_first_audio_ms", {}
        ),
        "by_group": by_group,
        "silence_only": _summary(silence_rows) if silence_rows else {},
        "transcripts_exact_silence_only": _exact(silence_rows),
        "transcripts_exact": _exact(rows),
        "partial_ms": settings.partial_ms,
        "partials_per_turn": percentiles(r["partials"] for r in rows),
        "first_partial_ms": percentiles(r["first_partial_ms"] for r in rows),
    }


def _clips(args: argparse.Namespace, folder: Path, speak: Callable[[str], Any]) -> list[Clip]:
    """The turns to say: the shop's template/KB and generator turns in the bundled voice,
    then the real recordings."""
    clips = synthesize_clips(TEMPLATE_KB_TURNS * args.rounds, "template-kb", folder, speak)
    if not args.no_generator:
        clips += synthesize_clips(GENERATOR_TURNS, "generator", folder, speak)
        clips += synthesize_clips(COMPOSED_TURNS * args.rounds, "composed", folder, speak)
    return clips + real_recordings()


def _memory(process: psutil.Process, rss_loaded: int) -> dict[str, int]:
    """Resident memory once loaded, now and at its peak, in MB."""
    return {
        "rss_mb_loaded": round(rss_loaded / 2**20),
        "rss_mb_end": round(process.memory_info().rss / 2**20),
        "rss_mb_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10),
    }


def private_data(folder: Path) -> Any:
    """The bench's conversations go to a scratch memory, not the user's own (a session
    process started meanwhile inherits it); the user's setting comes back afterwards."""
    return mock.patch.dict(os.environ, {"WENDA_DATA_DIR": str(folder)})


def _exact(rows: list[dict[str, Any]]) -> int:
    return sum(_same(r["transcript"], r["said"]) for r in rows)


def _same(heard: str, said: str) -> bool:
    def words(text: str) -> list[str]:
        return "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()

    return words(heard) == words(said)
