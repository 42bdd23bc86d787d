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
