"""The echo trials of ``wenda bench voice``: Wenda's own voice looped back into the
virtual microphone, with nobody talking (false barge-ins) and with the user talking over a
long answer (barge-in detected, time to silence, what was heard of the user's words).

Two echo paths: PulseAudio's loopback (one delayed copy, unity gain: nothing at all, then
the gate and canceller on), and a room (``app.bench.echo_room``: delay, reverberation,
noise; the user's interruption 6 dB under Wenda's echo) with the gate alone and with the
canceller before it, back to back."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from app.bench.echo_room import EchoRoom, Room
from app.bench.utterances import INTERRUPTION, LONG_ANSWER_TURN, Clip, synthesize_clips
from app.bench.virtual_audio import VirtualAudio
from app.bench.voice_driver import DriverTimeout, VoiceDriver
from app.bench.words import word_errors
from app.voice import events as ev
from app.voice.latency import percentiles
from speech.audio_file import load_audio, write_wav
from speech.echo import BLOCK_S

ECHO_TURNS = ("What are your opening hours?", "How do I return an item?", "How can I pay?")
BARGE_IN_AFTER_S = 0.8  # how far into the answer's long sentence the user starts talking
BARGE_IN_ECHO_VOLUME = "70%"  # about -9 dB: the user is nearer the mic than the speaker
# A room that halves Wenda's voice on its way to the mic (a laptop's speakers, no clipping),
# with the user's interruption played 12 dB under Wenda's level: 6 dB under the echo.
LOUD_ROOM = Room(gain_db=-6.0)
USER_UNDER_ECHO_DB = 6.0


def echo_trials(audio: VirtualAudio, engines: Any, settings: Any, folder: Path) -> dict:
    """False barge-ins with the gate off and on, then real barge-ins, all with echo."""
    speak = engines.synthesizer.synthesize
    echo = synthesize_clips(ECHO_TURNS * 2, "echo", folder, speak)
    (long_clip,) = synthesize_clips([LONG_ANSWER_TURN], "long", folder, speak)
    (interruption,) = synthesize_clips([INTERRUPTION], "interrupt", folder, speak)
    clips = (echo, long_clip, interruption)
    result: dict[str, Any] = {}
    audio.echo_on()
    try:
        bare = replace(settings, echo=None, echo_cancel=False)
        with VoiceDriver(audio, engines, bare) as driver:
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
    result["room"] = {
        "path": vars(LOUD_ROOM),
        **{
            name: room_trials(audio, engines, replace(settings, echo_cancel=cancel), clips)
            for name, cancel in (("gated", False), ("cancelled", True))
        },
    }
    return result


def room_trials(
    audio: VirtualAudio, engines: Any, settings: Any, clips: Any, barge_ins: int = 3
) -> dict:
    """Through :data:`LOUD_ROOM`: replies nobody talks over, then ``barge_ins`` times the
    user talking over a long answer. ``clips``: (echo turns, long-answer turn, interruption)."""
    echo, long_clip, interruption = clips
    interruption = quieter(interruption, USER_UNDER_ECHO_DB - LOUD_ROOM.gain_db)
    with EchoRoom(audio, LOUD_ROOM):
        with VoiceDriver(audio, engines, settings) as driver:
            false = _echo_phase(driver, echo)
        with VoiceDriver(audio, engines, settings) as driver:
            barge = _barge_in_phase(driver, long_clip, interruption, barge_ins)
    minutes = false["wenda_speech_s"] / 60
    false["per_minute_of_speech"] = round(false["false_barge_ins"] / max(minutes, 1e-9), 2)
    return {"false_barge_in": false, "barge_in": barge}


def quieter(clip: Clip, db: float) -> Clip:
    """A copy of ``clip`` ``db`` dB quieter, beside it."""
    path = clip.path.with_name(f"{clip.path.stem}-minus{db:g}dB.wav")
    write_wav(path, load_audio(clip.path) * 10 ** (-db / 20))
    return replace(clip, path=path)


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
    results: list[dict[str, Any]] = []
    for _ in range(trials):
        start = driver.mark()
        driver.say(long_clip.path)
        try:
            driver.wait_for(partial(_long_reply_speaking, driver, start), 90)
        except DriverTimeout:  # Wenda cut its own answer short (its echo): a failed trial
            failed = {"detected": False, "stop_after_speech_onset_ms": None, "heard": ""}
            results.append({**failed, "self_interrupted": True})
            continue
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
    scored = [word_errors(INTERRUPTION, r["heard"]) for r in results]
    errors, words = sum(e for e, _ in scored), sum(n for _, n in scored)
    return {
        "trials": trials,
        "detected": sum(r["detected"] for r in results),
        "word_error_rate": round(errors / max(words, 1), 3),
        "stop_after_speech_onset_ms": percentiles(r["stop_after_speech_onset_ms"] for r in results),
        "max_stop_ms": max((r["stop_after_speech_onset_ms"] or 0) for r in results),
        "trials_detail": results,
    }
