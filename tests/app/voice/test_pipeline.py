"""The voice pipeline with fake engines: event order, barge-in, stale frames, typed text.

The microphone runs in real time (32 ms frames), the speaker plays in real time and logs
every 10 ms block it let out, so the tests check what a listener would have heard.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.session import VoiceSession
from speech.echo_cancel import EchoCanceller
from speech.endpoint import SpeechStarted
from speech.sentences import SentenceAggregator, split_sentences
from speech.transcript import Transcript
from tests.app.voice.rig import LONG, SCRIPT, SETTINGS, TEXTS
from tests.fakes.speech import (
    FakeMicrophone,
    FakeRecognizer,
    FakeSpeaker,
    FakeSynthesizer,
    FakeVad,
    utterance,
)
from tests.fakes.voice import EventLog, ScriptedConversation


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
    assert first[:3] == [("asr", "Utterance"), ("dialogue", "Transcript"),
                         ("tts", "SentenceFrame")]  # fmt: skip
    assert [k for s, k in first if s == "tts"] == ["SentenceFrame"] * n + ["ReplyEndFrame"]
    # The speaker took the first two sentences live, and every later frame of turn 1 only
    # to drop it: the barge-in made it stale.
    played = [(kind, live) for stage, kind, turn, live in seen if stage == "speaker" and turn == 1]
    assert played[:2] == [("SpeechAudioFrame", True)] * 2
    assert all(not live for _, live in played[2:])
    second = [(stage, kind) for stage, kind, turn, live in seen if turn == 2 and live]
    assert second == [("asr", "Utterance"), ("dialogue", "Transcript"),
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
    mic = FakeMicrophone(end_after_s=1.5)
    tts = FakeSynthesizer()
    log = EventLog()
    engines = Engines(
        mic, FakeSpeaker(tts.text_of), FakeVad(), FakeRecognizer(codes=TEXTS), tts,
        ScriptedConversation(SCRIPT), SentenceAggregator,
    )  # fmt: skip
    session = VoiceSession(engines, SETTINGS, log)
    session.start(listen=True)
    mic.say(utterance(3))
    assert session.wait(10)
    assert _kinds(log.of_all())[-2:] == ["Listening", "Stopped"]
    assert log.of(ev.Stopped)[0].reason == "end of input"
    assert len(log.of(ev.TurnDone)) == 1


def test_a_fact_keeps_its_type_from_birth_to_the_window(rig_factory) -> None:
    """The endpointer's speech start and the recognizer's transcript are the very objects
    the stages pass on and the front end receives (the pipeline only sets their turn)."""
    rig = rig_factory()
    taken: list[object] = []
    rig.session.pipeline.trace = lambda stage, frame, live: taken.append(frame)
    rig.mic.say(utterance(3))
    rig.turns_done(1)
    (started,) = rig.log.of(ev.SpeechStarted)
    (transcript,) = rig.log.of(ev.Transcript)
    assert type(started) is SpeechStarted and started.turn_id == 1
    assert type(transcript) is Transcript and transcript.text == "number four two"
    assert any(frame is transcript for frame in taken)  # the think stage's own frame


def test_the_echo_cancel_setting_puts_the_canceller_before_the_vad(rig_factory) -> None:
    """``voice.echo_cancel`` on: the listen stage cleans every block with the canceller and
    the play stage tells it what plays (beside the gate); off: the gate alone."""
    on = rig_factory(settings=replace(SETTINGS, echo_cancel=True)).session.pipeline
    off = rig_factory().session.pipeline
    assert off.canceller is None and off.listen.canceller is None
    assert off.play.echo == (off.gate,)
    assert isinstance(on.canceller, EchoCanceller) and on.listen.canceller is on.canceller
    assert on.play.echo == (on.canceller, on.gate)
