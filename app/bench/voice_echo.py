"""The echo trials of ``wenda bench voice``: Wenda's own voice looped back into the
virtual microphone, with nobody talking (false barge-ins, gate off and on) and with the
user talking over a long answer (barge-in detected, time to silence)."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from app.bench.utterances import INTERRUPTION, LONG_ANSWER_TURN, Clip, synthesize_clips
from app.bench.virtual_audio import VirtualAudio
from app.bench.voice_driver import VoiceDriver
from app.voice import events as ev
from app.voice.latency import percentiles
from speech.echo import BLOCK_S

ECHO_TURNS = ("What are your opening hours?", "How do I return an item?", "How can I pay?")
BARGE_IN_AFTER_S = 0.8  # how far into the answer's long sentence the user starts talking
BARGE_IN_ECHO_VOLUME = "70%"  # about -9 dB: the user is nearer the mic than the speaker


def echo_trials(audio: VirtualAudio, engines: Any, settings: Any, folder: Path) -> dict:
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
