"""The voice pipeline with fake engines: event order, barge-in, stale frames, typed text.

The microphone runs in real time (32 ms frames), the speaker plays in real time and logs
every 10 ms block it let out, so the tests check what a listener would have heard.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from app.voice import events as ev
from app.voice.echo import EchoGateConfig
from app.voice.engines import Engines
from app.voice.pipeline import VoiceSettings
from app.voice.session import VoiceSession
from speech.endpoint import EndpointConfig
from speech.sentences import SentenceAggregator, split_sentences
from tests.app.voice.fakes import (
    CodeRecognizer,
    EventLog,
    LoggingSpeaker,
    LoudVad,
    PacedMicrophone,
    ScriptedConversation,
    ToneSynthesizer,
    utterance,
)

TEXTS = {1: "where is my order", 2: "wait stop", 3: "number four two", 9: "explode"}
LONG = (
    "Your order left our warehouse yesterday. It is with the courier now. "
    "It should arrive on Friday before noon. You will get a text when it is close. "
    "Is there anything else I can do for you today?"
)
SCRIPT = {
    "where is my order": ("check_order_status", LONG),
    "wait stop": ("stop", "OK."),
    "number four two": ("inform", "Thanks."),
    "where is my order number four two": ("check_order_status", "Order 42 is on its way."),
    "thanks": ("thank", "You are welcome."),
}
SETTINGS = VoiceSettings(
    endpoint=EndpointConfig(start_ms=64, end_silence_ms=160, pre_roll_ms=96),
    echo=EchoGateConfig(),
)


class Rig:
    """A session on fake engines, started and listening."""

    def __init__(
        self,
        word_delay_s=0.0,
        asr_delay_s=0.0,
        tts_delay_s=0.0,
        settings=SETTINGS,
        speaker=LoggingSpeaker,
    ) -> None:
        self.mic = PacedMicrophone()
        self.tts = ToneSynthesizer(delay_s=tts_delay_s)
        self.speaker = speaker(self.tts.text_of)
        self.asr = CodeRecognizer(TEXTS, asr_delay_s)
        self.dialogue = ScriptedConversation(SCRIPT, word_delay_s)
        self.log = EventLog()
        engines = Engines(
            self.mic, self.speaker, LoudVad(), self.asr, self.tts, self.dialogue, SentenceAggregator
        )
        self.session = VoiceSession(engines, settings, self.log)
        self.session.start(listen=True)
        self.log.wait_for(lambda es: any(isinstance(e, ev.Listening) for e in es))

    def turns_done(self, n: int) -> None:
        self.log.wait_for(lambda es: sum(isinstance(e, ev.TurnDone) for e in es) >= n)

    def close(self) -> None:
        """Stop the session; afterwards every executor has finished its work."""
        if not self.session.wait(0):
            self.session.submit(ev.Stop())
        assert self.session.wait(10)


@pytest.fixture
def rig_factory():
    rigs: list[Rig] = []

    def make(**kwargs) -> Rig:
        rigs.append(Rig(**kwargs))
        return rigs[-1]

    yield make
    for rig in rigs:
        rig.close()


def _kinds(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_spoken_turn_events_come_in_order(rig_factory) -> None:
    rig = rig_factory()
    rig.mic.say(utterance(3))
    rig.turns_done(1)
    rig.log.wait_for(lambda es: isinstance(es[-1], ev.Listening))
    kinds = _kinds(rig.log.of_all())
    assert kinds == [
        "Listening", "SpeechStarted", "Transcript", "Thinking", "ReplyText",
        "Speaking", "SentencePlayed", "TurnDone", "Listening",
    ]  # fmt: skip
    done = rig.log.of(ev.TurnDone)[0]
    assert (done.transcript, done.reply, done.heard) == ("number four two", "Thanks.", "Thanks.")
    assert done.intent == "inform" and not done.interrupted
    t = done.times
    order = [t.speech_start_s, t.speech_end_s, t.endpoint_s, t.transcript_s]
    order += [t.first_sentence_s, t.first_audio_s, t.done_s]
    assert all(a is not None for a in order) and order == sorted(order)
    rig.close()
    assert rig.dialogue.calls == [("respond", "number four two"), ("replied", "number four two")]


def test_frames_flow_through_the_stages_in_order(rig_factory) -> None:
    rig = rig_factory()
    seen: list[tuple[str, str, int, bool]] = []
    rig.session.pipeline.trace = lambda stage, f, live: seen.append(
        (stage, type(f).__name__, f.turn_id, live)
    )
    rig.mic.say(utterance(1))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.Speaking) and e.index == 1 for e in es))
    rig.mic.say(utterance(3))
    rig.turns_done(2)
    first = [(stage, kind) for stage, kind, turn, _ in seen if turn == 1]
    n = len(split_sentences(LONG))
    assert first[:3] == [("asr", "UtteranceFrame"), ("dialogue", "TranscriptFrame"),
                         ("tts", "SentenceFrame")]  # fmt: skip
    assert [k for s, k in first if s == "tts"] == ["SentenceFrame"] * n + ["ReplyEndFrame"]
    # The speaker took the first two sentences live, and every later frame of turn 1 only
    # to drop it: the barge-in made it stale.
    played = [(kind, live) for stage, kind, turn, live in seen if stage == "speaker" and turn == 1]
    assert played[:2] == [("SpeechAudioFrame", True)] * 2
    assert all(not live for _, live in played[2:])
    second = [(stage, kind) for stage, kind, turn, live in seen if turn == 2 and live]
    assert second == [("asr", "UtteranceFrame"), ("dialogue", "TranscriptFrame"),
                      ("tts", "SentenceFrame"), ("tts", "ReplyEndFrame"),
                      ("speaker", "SpeechAudioFrame"), ("speaker", "ReplyEndFrame")]  # fmt: skip


def test_long_reply_is_spoken_sentence_by_sentence(rig_factory) -> None:
    rig = rig_factory(word_delay_s=0.005)
    rig.mic.say(utterance(1))
    rig.turns_done(1)
    texts = [e.text for e in rig.log.of(ev.ReplyText)]
    assert texts == split_sentences(LONG)
    speaking = [(e.index, e.text) for e in rig.log.of(ev.Speaking)]
    assert speaking == list(enumerate(texts))
    played = rig.log.of(ev.SentencePlayed)
    assert [p.fraction for p in played] == [1.0] * len(texts)
    done = rig.log.of(ev.TurnDone)[0]
    assert done.heard == done.reply == " ".join(texts)


@pytest.mark.parametrize(
    "word_delay_s, tts_delay_s",
    [(0.0, 0.0), (0.02, 0.0), (0.0, 0.25)],
    ids=["template", "generator", "slow-tts"],
)
def test_barge_in_stops_old_turn_and_keeps_only_what_was_heard(
    rig_factory, word_delay_s: float, tts_delay_s: float
) -> None:
    rig = rig_factory(word_delay_s=word_delay_s, tts_delay_s=tts_delay_s)
    rig.mic.say(utterance(1))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.Speaking) and e.index == 1 for e in es))
    rig.mic.say(utterance(2))
    rig.turns_done(2)
    rig.log.wait_for(lambda es: len(rig.log.of(ev.TurnDone)) == 2)
    barge = rig.log.of(ev.SpeechStarted)[1]
    assert barge.barge_in
    barge_at = rig.log.time_of(barge)
    old_sentences = set(split_sentences(LONG))
    late = [b for b in rig.speaker.blocks if b.text in old_sentences and b.at_s > barge_at + 0.05]
    assert late == [], "audio of the interrupted turn reached the speaker after the barge-in"
    first, second = rig.log.of(ev.TurnDone)
    assert first.interrupted and not second.interrupted
    assert first.heard and LONG.startswith(first.heard) and len(first.heard) < len(LONG)
    assert second.transcript == "wait stop" and second.heard == "OK."
    rig.close()
    calls = rig.dialogue.calls
    assert calls.index(("heard", first.heard)) > calls.index(("replied", "where is my order"))
    assert rig.dialogue.history[1] == ("assistant", first.heard)
    cut = [p for p in rig.log.of(ev.SentencePlayed) if p.interrupted]
    assert len(cut) == 1 and cut[0].turn_id == first.turn_id


def test_typed_text_interrupts_and_skips_asr(rig_factory) -> None:
    rig = rig_factory()
    rig.mic.say(utterance(1))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.Speaking) for e in es))
    rig.session.submit(ev.TypedText("thanks"))
    rig.turns_done(2)
    first, second = rig.log.of(ev.TurnDone)
    assert first.interrupted
    assert (second.transcript, second.reply, second.interrupted) == (
        "thanks",
        "You are welcome.",
        False,
    )
    assert [t.typed for t in rig.log.of(ev.Transcript)] == [False, True]
    assert rig.asr.heard == ["where is my order"]


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


def test_mute_ignores_the_microphone(rig_factory) -> None:
    rig = rig_factory()
    rig.session.submit(ev.Mute(True))
    rig.mic.say(utterance(3))
    done = threading.Event()
    done.wait(0.8)  # long enough for a turn to have started if the mic were heard
    assert rig.log.of(ev.SpeechStarted) == []
    rig.session.submit(ev.Mute(False))
    rig.mic.say(utterance(3))
    rig.turns_done(1)


def test_a_failing_stage_reports_and_the_session_goes_on(rig_factory) -> None:
    rig = rig_factory()
    rig.dialogue.script["explode"] = ("boom", "never said")
    rig.dialogue.respond = _exploding(rig.dialogue.respond)  # type: ignore[method-assign]
    rig.mic.say(utterance(9))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.Error) for e in es))
    error = rig.log.of(ev.Error)[0]
    assert error.stage == "dialogue" and "boom" in error.message
    rig.mic.say(utterance(3))
    rig.log.wait_for(lambda es: any(isinstance(e, ev.TurnDone) and e.reply for e in es))
    assert rig.log.of(ev.TurnDone)[-1].reply == "Thanks."


def _exploding(respond):
    def wrapped(text, stop):
        if text == "explode":
            raise RuntimeError("boom")
        return respond(text, stop)

    return wrapped


def test_session_ends_when_the_input_ends() -> None:
    mic = PacedMicrophone(end_after_s=1.5)
    tts = ToneSynthesizer()
    log = EventLog()
    engines = Engines(
        mic, LoggingSpeaker(tts.text_of), LoudVad(), CodeRecognizer(TEXTS), tts,
        ScriptedConversation(SCRIPT), SentenceAggregator,
    )  # fmt: skip
    session = VoiceSession(engines, SETTINGS, log)
    session.start(listen=True)
    mic.say(utterance(3))
    assert session.wait(10)
    assert _kinds(log.of_all())[-2:] == ["Listening", "Stopped"]
    assert log.of(ev.Stopped)[0].reason == "end of input"
    assert len(log.of(ev.TurnDone)) == 1


class StallingSpeaker(LoggingSpeaker):
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
