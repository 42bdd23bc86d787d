"""``wenda bench voice``: the whole voice loop on PulseAudio virtual devices.

Recordings are played into the virtual microphone and the session answers through the
virtual speaker, exactly as ``wenda talk`` would. Reported:

- per turn and as p50/p95: end of speech -> endpoint -> transcript -> first reply sentence
  -> first audio out, split by where the reply came from (template/KB, generator) and for
  real recordings;
- false barge-ins: the speaker looped back into the microphone (acoustic echo at unity
  gain) while Wenda gives long answers and nobody talks, with the echo gate on and off;
- barge-in: the user talks over a long answer; time from their first speech to silence.
- with the turn model (Smart Turn), the same turns again with silence alone ending them,
  back to back: ``silence_only``, and how many transcripts came out exact in each.

Synthetic shop turns are spoken by the bundled Piper voice at run time (``app.bench.utterances``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from app.bench.utterances import (
    GENERATOR_TURNS,
    INTERRUPTION,
    LONG_ANSWER_TURN,
    TEMPLATE_KB_TURNS,
    Clip,
    real_recordings,
    synthesize_clips,
)
from app.bench.virtual_audio import VirtualAudio
from app.bench.voice_driver import VoiceDriver
from app.voice import events as ev
from app.voice.latency import percentiles, summarise
from speech.echo import BLOCK_S

log = logging.getLogger(__name__)

ECHO_TURNS = ("What are your opening hours?", "How do I return an item?", "How can I pay?")
BARGE_IN_AFTER_S = 0.8  # how far into the answer's long sentence the user starts talking
BARGE_IN_ECHO_VOLUME = "70%"  # about -9 dB: the user is nearer the mic than the speaker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--asr-model", default="", help="base, tiny.en or a folder (default: config)"
    )
    parser.add_argument("--no-generator", action="store_true", help="without the chat model")
    parser.add_argument("--nlu-model", default="", metavar="DIR", help="NLU model folder")
    parser.add_argument("--rounds", type=int, default=2, help="times each shop turn is said")
    parser.add_argument("--quick", action="store_true", help="latency only: no echo trials")


def _group(done: ev.TurnDone, clip: Clip) -> str:
    if clip.kind == "recording":
        return "recording"
    return "generator" if done.source == "generator" else "template_kb"


def _latency_phase(driver: VoiceDriver, clips: list[Clip]) -> list[dict[str, Any]]:
    rows = []
    for clip in clips:
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
            }
        )
        log.info("%s -> %s (%s)", done.transcript, done.reply[:60], done.source)
    return rows


def _echo_phase(driver: VoiceDriver, clips: list[Clip]) -> dict[str, Any]:
    """Long answers with the speaker looped into the mic; nobody talks over them. A reply
    that interrupts itself is counted and then silenced (mute, interrupt), or without the
    gate Wenda would go on answering its own voice."""
    false_barge_ins, speech_s = 0, 0.0
    for clip in clips:
        start = driver.mark()
        driver.say(clip.path)

        def settled(s: int = start) -> bool:
            if any(e.barge_in for e in driver.since(s, ev.SpeechStarted)):
                return True
            done = [d for d in driver.since(s, ev.TurnDone) if not d.interrupted]
            return bool(done) and isinstance(driver.events[-1][1], ev.Listening)

        driver.wait_for(settled, 90)
        if any(e.barge_in for e in driver.since(start, ev.SpeechStarted)):
            false_barge_ins += 1
            driver.session.submit(ev.Mute(True))
            driver.session.submit(ev.Interrupt())
            threading.Event().wait(1.0)  # let the echo of the cut reply die away
            driver.session.submit(ev.Mute(False))
        for done in driver.since(start, ev.TurnDone):
            if done.times.first_audio_s and done.times.done_s:
                speech_s += done.times.done_s - done.times.first_audio_s
    return {
        "replies": len(clips),
        "wenda_speech_s": round(speech_s, 1),
        "false_barge_ins": false_barge_ins,
        "rate_per_reply": round(false_barge_ins / max(1, len(clips)), 3),
    }


def _long_reply_speaking(driver: VoiceDriver, start: int) -> bool:
    return any(len(e.text.split()) > 8 for e in driver.since(start, ev.Speaking))


def _answered_and_listening(driver: VoiceDriver, mid: int) -> bool:
    return any(not d.interrupted for d in driver.since(mid, ev.TurnDone)) and isinstance(
        driver.events[-1][1], ev.Listening
    )


def _barge_in_phase(driver: VoiceDriver, long_clip: Clip, interruption: Clip, trials: int):
    """The user talks over a long answer ``BARGE_IN_AFTER_S`` into it."""
    results = []
    for _ in range(trials):
        start = driver.mark()
        driver.say(long_clip.path)
        driver.wait_for(partial(_long_reply_speaking, driver, start), 90)
        threading.Event().wait(BARGE_IN_AFTER_S)
        mid = driver.mark()
        driver.say(interruption.path)
        driver.wait_for(partial(_answered_and_listening, driver, mid), 90)
        barge = [e for e in driver.since(mid, ev.SpeechStarted) if e.barge_in]
        cut = [p for p in driver.since(start, ev.SentencePlayed) if p.interrupted]
        final = [d for d in driver.since(mid, ev.TurnDone) if not d.interrupted][-1]
        stop_ms = None
        if barge and cut and cut[0].ended_s is not None:
            stop_ms = round((cut[0].ended_s - barge[0].at_s) * 1000, 1)
        results.append(
            {
                "detected": bool(barge),
                "stop_after_speech_onset_ms": stop_ms,
                "heard": final.transcript,
            }
        )
    return {
        "trials": trials,
        "detected": sum(r["detected"] for r in results),
        "stop_after_speech_onset_ms": percentiles(r["stop_after_speech_onset_ms"] for r in results),
        "max_stop_ms": max((r["stop_after_speech_onset_ms"] or 0) for r in results),
        "trials_detail": results,
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups = sorted({r["group"] for r in rows})
    return {g: summarise(r["stages_ms"] for r in rows if r["group"] == g) for g in groups}


def _echo_trials(audio: VirtualAudio, engines: Any, settings: Any, folder: Path) -> dict:
    """False barge-ins with the gate off and on, then real barge-ins, all with echo."""
    speak = engines.synthesizer.synthesize
    echo = synthesize_clips(ECHO_TURNS * 2, "echo", folder, speak)
    (long_clip,) = synthesize_clips([LONG_ANSWER_TURN], "long", folder, speak)
    (interruption,) = synthesize_clips([INTERRUPTION], "interrupt", folder, speak)
    result: dict[str, Any] = {}
    audio.echo_on()
    try:
        with VoiceDriver(audio, engines, replace(settings, echo=None)) as driver:
            result["false_barge_in_without_gate"] = _echo_phase(driver, echo[:2])
        with VoiceDriver(audio, engines, settings) as driver:
            result["false_barge_in"] = _echo_phase(driver, echo)
            gate = driver.session.pipeline.gate  # type: ignore[union-attr]
            if gate is None:
                raise RuntimeError("the echo gate is off; the bench measures it on")
            delay = None if gate.delay_blocks is None else round(gate.delay_blocks * BLOCK_S * 1e3)
            result["echo_gate"] = {"delay_ms": delay, "gain": round(gate.gain, 3)}
        audio.echo_on(volume=BARGE_IN_ECHO_VOLUME)
        with VoiceDriver(audio, engines, settings) as driver:
            result["barge_in"] = _barge_in_phase(driver, long_clip, interruption, 3)
    finally:
        audio.echo_off()
    return result


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
        clips = _clips(args, Path(tmp), engines.synthesizer.synthesize)
        with VoiceDriver(audio, engines, settings) as driver:
            rows = _latency_phase(driver, clips)
        silence_rows: list[dict[str, Any]] = []
        if engines.turn_model is not None:  # the baseline, back to back: silence alone
            with VoiceDriver(audio, replace(engines, turn_model=None), settings) as driver:
                silence_rows = _latency_phase(driver, clips)
        echo = {} if args.quick else _echo_trials(audio, engines, settings, Path(tmp))
        underflows = speaker.underflows
        speaker.close()
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
        "transcripts_exact_silence_only": sum(
            _same(r["transcript"], r["said"]) for r in silence_rows
        ),
        **echo,
        "transcripts_exact": _exact(rows),
        "load_s": round(load_s, 1),
        **_memory(process, rss_loaded),
        "speaker_underflows": underflows,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "turn_log": rows,
    }


def _clips(args: argparse.Namespace, folder: Path, speak: Callable[[str], Any]) -> list[Clip]:
    """The turns to say: the shop's template/KB and generator turns in the bundled voice,
    then the real recordings."""
    clips = synthesize_clips(TEMPLATE_KB_TURNS * args.rounds, "template-kb", folder, speak)
    if not args.no_generator:
        clips += synthesize_clips(GENERATOR_TURNS, "generator", folder, speak)
    return clips + real_recordings()


def _memory(process: psutil.Process, rss_loaded: int) -> dict[str, int]:
    """Resident memory once loaded, now and at its peak, in MB."""
    return {
        "rss_mb_loaded": round(rss_loaded / 2**20),
        "rss_mb_end": round(process.memory_info().rss / 2**20),
        "rss_mb_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10),
    }


@contextlib.contextmanager
def private_data(folder: Path) -> Iterator[None]:
    """The bench's conversations go to a scratch memory, not the user's own (a session
    process started meanwhile inherits it)."""
    saved = os.environ.get("WENDA_DATA_DIR")
    os.environ["WENDA_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("WENDA_DATA_DIR", None)
        else:
            os.environ["WENDA_DATA_DIR"] = saved


def _exact(rows: list[dict[str, Any]]) -> int:
    return sum(_same(r["transcript"], r["said"]) for r in rows)


def _same(heard: str, said: str) -> bool:
    def words(text: str) -> list[str]:
        return "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()

    return words(heard) == words(said)
