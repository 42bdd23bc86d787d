"""The voice pipeline's timing with fake engines: a user going on after a pause, recognition
started early in a pause, and a playback stall that moves the echo gate's plan."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np

from app.voice import events as ev
from tests.app.voice.rig import SETTINGS
from tests.fakes.speech import FakeSpeaker, utterance


def test_user_going_on_after_a_pause_is_heard_as_one_utterance(rig_factory) -> None:
    rig = rig_factory(asr_delay_s=0.6)
    rig.mic.say(utterance(1))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.SpeechStarted) for e in es))
    # 0.4 s of speech and 0.16 s of silence end the first part; ASR takes 0.6 s more, and
    # the user goes on while it runs.
    threading.Event().wait(0.7)
    rig.mic.say(utterance(3))
    rig.turns_done(2)
    first, second = rig.log.of(ev.TurnDone)
    assert first.interrupted and first.transcript == ""
    assert second.transcript == "where is my order number four two"
    assert second.reply == "Order 42 is on its way."


EARLY = replace(SETTINGS, endpoint=replace(SETTINGS.endpoint, end_silence_ms=480), early_asr_ms=128)


def test_recognition_starts_in_the_pause_and_is_reused(rig_factory) -> None:
    rig = rig_factory(asr_delay_s=0.3, settings=EARLY)
    rig.mic.say(utterance(3))
    rig.turns_done(1)
    done = rig.log.of(ev.TurnDone)[0]
    assert done.transcript == "number four two" and rig.asr.heard == ["number four two"]
    # Recognition (0.3 s) ran during the 0.48 s of silence that ended the turn.
    assert done.times.stage_ms()["asr_ms"] < 100


def test_speech_after_an_early_recognition_is_not_lost(rig_factory) -> None:
    rig = rig_factory(asr_delay_s=0.1, settings=EARLY)
    gap = np.zeros(int(0.25 * 16000), dtype=np.float32)  # a pause longer than early_asr_ms
    rig.mic.say(np.concatenate([utterance(1), gap, utterance(3)]))
    rig.turns_done(1)
    assert rig.log.of(ev.TurnDone)[0].transcript == "where is my order number four two"


def test_words_so_far_are_shown_while_the_user_speaks(rig_factory) -> None:
    """Partial transcripts come while the user talks, each for the turn being heard, all
    before the final one, which alone is answered; without partial_ms there are none."""
    rig = rig_factory(asr_delay_s=0.05, settings=replace(EARLY, partial_ms=300))
    rig.mic.say(np.concatenate([utterance(1, 1.0), utterance(3, 1.0)]))
    rig.turns_done(1)
    transcripts = rig.log.of(ev.Transcript)
    *partials, final = transcripts
    assert final.text == "where is my order number four two" and not final.partial
    assert len(partials) >= 3 and all(p.partial and p.turn_id == final.turn_id for p in partials)
    assert partials[0].text == "where is my order"
    assert partials[-1].text == final.text  # the user's last words showed before the end
    assert rig.log.of(ev.TurnDone)[0].reply == "Order 42 is on its way."
    assert [text for kind, text in rig.dialogue.calls if kind == "respond"] == [final.text]

    quiet = rig_factory(asr_delay_s=0.05, settings=EARLY)
    quiet.mic.say(np.concatenate([utterance(1, 1.0), utterance(3, 1.0)]))
    quiet.turns_done(1)
    assert [t.partial for t in quiet.log.of(ev.Transcript)] == [False]


def test_a_slow_partial_does_not_hold_up_the_final_transcript(rig_factory) -> None:
    """Recognition slower than the partial interval: partials are skipped while one runs,
    so the ASR worker is never queued up and the turn's end waits at most one of them."""
    rig = rig_factory(asr_delay_s=0.4, settings=replace(EARLY, partial_ms=300))
    rig.mic.say(np.concatenate([utterance(1, 1.5), utterance(3, 1.5)]))
    rig.turns_done(1)
    done = rig.log.of(ev.TurnDone)[0]
    assert done.transcript == "where is my order number four two"
    # 3 s of speech with one recognition at a time (0.4 s each, every 0.3 s asked): at most
    # 3 / 0.4 partial calls, plus the early one and no more.
    assert len(rig.asr.calls) <= 3 / 0.4 + 2
    assert done.times.stage_ms()["asr_ms"] < 450


class StallingSpeaker(FakeSpeaker):
    """The sound server stalls for ``STALL_S`` just as a clip starts: the speaker says the
    clip started, then, once the stall is over, that it now starts that much later."""

    STALL_S = 0.5

    def play(self, audio, stop, on_start=None):  # type: ignore[no-untyped-def]
        def later(at_s: float) -> None:
            if on_start:
                on_start(at_s)
                time.sleep(self.STALL_S)
                on_start(at_s + self.STALL_S)

        return super().play(audio, stop, later)


def test_a_playback_stall_moves_the_echo_gates_plan(rig_factory) -> None:
    rig = rig_factory(speaker=StallingSpeaker)
    rig.mic.say(utterance(3))  # "number four two" -> "Thanks." (0.08 s of tone)
    rig.turns_done(1)
    (speaking,) = rig.log.of(ev.Speaking)
    gate = rig.session.pipeline.gate
    planned_end = speaking.at_s + 0.08 + 0.4 + 0.15  # + the longest delay and the reverb tail
    # The first plan is cut where the stall began; the clip is expected half a second later.
    assert gate.active(planned_end + 0.3)
    assert not gate.active(planned_end + StallingSpeaker.STALL_S + 0.1)
