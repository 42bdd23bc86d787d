"""The real voice loop on PulseAudio virtual devices: spoken turns, barge-in, self-echo.

Everything is real: Silero VAD, Whisper, the shop dialogue, Piper, the speech layer's
microphone and speaker on a private PulseAudio server (the ``pulse`` fixture, the recipe
``wenda bench voice`` runs), with Wenda's own output looped back into the microphone
(module-loopback) where a test needs echo. The user's shop sentences are synthesised at run
time with the bundled Piper voice (``synthetic-piper-*.wav``; Piper -> Whisper is proven by
the speech tests). What Wenda said is checked from the virtual speaker's monitor, recorded with
parecord and transcribed by Whisper base, independently of the session's own accounts.
"""

from __future__ import annotations

import difflib
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from app.bench.utterances import INTERRUPTION, LONG_ANSWER_TURN, synthesize_clips
from app.bench.virtual_audio import VirtualAudio
from app.bench.voice_driver import VoiceDriver
from app.bench.voice_echo import room_trials
from app.config import Config
from app.serving import Asked, resolve
from app.voice import events as ev
from app.voice.build import load_engines
from dialogue.state import DialogueState
from speech.audio import SAMPLE_RATE, resample
from speech.microphone import make_microphone
from speech.speaker import make_speaker
from tests.app.chat_models import shop_nlu_model

pytestmark = [pytest.mark.slow, pytest.mark.audio]

TURNS = ("Hello there.", "What are your opening hours?", "How much does shipping cost?")
SILENT = 0.003  # speaker monitor level below which Wenda is silent


@pytest.fixture(scope="module")
def rig(pulse: VirtualAudio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """Virtual devices and loaded engines, shared by the tests of this module."""
    config = Config()
    speaker = make_speaker()
    asked = Asked("en", generator=False, nlu_model=str(shop_nlu_model("en")))
    serving = resolve(config, asked, speech=True)
    engines = load_engines(serving, make_microphone(), speaker, "voice-test")
    folder = tmp_path_factory.mktemp("clips")
    try:
        yield pulse, engines, serving.voice, folder
    finally:
        speaker.close()


@pytest.fixture(scope="module")
def whisper_base() -> object:
    from app.store.store import ModelStore
    from speech.asr import RecognizerConfig, make_recognizer

    return make_recognizer(RecognizerConfig(ModelStore().path("asr"), language="en"))


class SpeakerRecording:
    """parecord of the virtual speaker's monitor, for listening to what Wenda said."""

    def __init__(self, audio: VirtualAudio, path: Path) -> None:
        self.path = path
        self.process = audio.record_speaker(path)
        threading.Event().wait(0.3)  # parecord connects before anything worth hearing

    def stop(self) -> np.ndarray:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=10)
        data, rate = soundfile.read(self.path, dtype="float32", always_2d=True)
        return resample(data.mean(axis=1), rate, SAMPLE_RATE)


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()


def _sound_runs(audio: np.ndarray, gap_s: float = 0.4) -> list[tuple[float, float]]:
    """(start_s, end_s) of stretches of sound separated by at least ``gap_s`` of silence."""
    hop = SAMPLE_RATE // 100
    loud = np.abs(audio[: len(audio) // hop * hop]).reshape(-1, hop).max(axis=1) > SILENT
    runs: list[list[float]] = []
    for i in np.flatnonzero(loud):
        t = i / 100
        if runs and t - runs[-1][1] <= gap_s:
            runs[-1][1] = t + 0.01
        else:
            runs.append([t, t + 0.01])
    return [(a, b) for a, b in runs]


def test_spoken_conversation_is_answered_aloud(rig, whisper_base, tmp_path: Path) -> None:
    audio, engines, settings, folder = rig
    engines.conversation.manager.state = DialogueState()
    clips = synthesize_clips(TURNS, "conversation", folder, engines.synthesizer.synthesize)
    recording = SpeakerRecording(audio, tmp_path / "speaker.wav")
    with VoiceDriver(audio, engines, settings) as driver:
        turns = [driver.turn(clip.path) for clip in clips]
    heard_audio = recording.stop()
    for clip, done in zip(clips, turns, strict=True):
        # tiny.en may get a word wrong ("how much the shipping cost"), no more.
        same = difflib.SequenceMatcher(None, _words(done.transcript), _words(clip.text))
        assert same.ratio() >= 0.75, done.transcript
        assert done.reply and not done.interrupted
        stages = done.times.stage_ms()
        assert stages["end_of_speech_to_first_audio_ms"] is not None
        print(f"{clip.text!r} -> {done.reply[:50]!r} ({done.source}) {stages}")
    assert turns[1].source == "kb" and "monday" in _words(turns[1].reply)
    spoken = _words(whisper_base.transcribe(heard_audio).text)  # type: ignore[attr-defined]
    print("speaker said:", " ".join(spoken))
    for done in turns:
        reply = [w for w in _words(done.reply) if not w.isdigit()]
        found = sum(w in spoken for w in reply) / len(reply)
        assert found >= 0.7, f"{done.reply!r}: only {found:.0%} of its words were heard"


def test_barge_in_stops_the_reply_and_keeps_what_was_heard(rig, whisper_base, tmp_path) -> None:
    audio, engines, settings, folder = rig
    engines.conversation.manager.state = DialogueState()  # whatever earlier tests left open
    speak = engines.synthesizer.synthesize
    (ask,) = synthesize_clips(["What are your opening hours?"], "ask", folder, speak)
    (stop,) = synthesize_clips(["How much does shipping cost?"], "stop", folder, speak)
    audio.echo_on(volume="70%")  # the user is closer to the microphone than the speaker is
    recording = SpeakerRecording(audio, tmp_path / "speaker.wav")
    try:
        with VoiceDriver(audio, engines, settings) as driver:
            start = driver.mark()
            driver.say(ask.path)
            # Talk over the long sentence of the answer, well into it.
            driver.wait_for(lambda: any(len(e.text.split()) > 8
                                        for e in driver.since(start, ev.Speaking)), 90)  # fmt: skip
            threading.Event().wait(0.8)
            driver.say(stop.path)
            driver.wait_for(lambda: len(driver.since(start, ev.TurnDone)) >= 2
                            and isinstance(driver.events[-1][1], ev.Listening), 90)  # fmt: skip
            events = list(driver.events[start:])
    finally:
        audio.echo_off()
    heard_audio = recording.stop()
    first, second = [e for _, e in events if isinstance(e, ev.TurnDone)][:2]
    barge = [e for _, e in events if isinstance(e, ev.SpeechStarted) and e.barge_in]
    cut = [e for _, e in events if isinstance(e, ev.SentencePlayed) and e.interrupted]
    speaking = [e for _, e in events if isinstance(e, ev.Speaking)]
    for t, e in events:
        print(f"{t:.3f} {e}"[:160])
    assert barge and cut and first.interrupted and not second.interrupted
    stop_ms = (cut[0].ended_s - barge[0].at_s) * 1000
    print(f"speaker silent {stop_ms:.0f} ms after the user's first speech frame")
    assert stop_ms <= 200
    # History keeps only the heard part, and the dialogue was told so.
    assert first.heard and first.reply.startswith(first.heard) and first.heard != first.reply
    history = engines.conversation.manager.state.history
    assert [t.text for t in history if t.role == "assistant"][-2] == first.heard
    # Wenda's echo may still be under the first syllables; the question must come through.
    assert {"shipping", "cost"} <= set(_words(second.transcript)), second.transcript
    _check_the_speaker_monitor(heard_audio, barge[0], speaking, second, whisper_base)


def _check_the_speaker_monitor(heard_audio, barge, speaking, second, whisper_base) -> None:  # type: ignore[no-untyped-def]
    """From the monitor: the first reply's sound ends within 200 ms of the barge-in (plus
    the gap test's resolution), and the next sound is the second reply at its own time."""
    runs = _sound_runs(heard_audio)
    first_start = runs[0][0]
    budget = barge.at_s - speaking[0].at_s + 0.2 + 0.05
    first_end = max(end for start, end in runs if start < first_start + budget)
    assert first_end - first_start <= budget, (runs, budget)
    second_start = next(start for start, _ in runs if start > first_end)
    later = [e for e in speaking if e.turn_id == second.turn_id][0]
    assert abs((second_start - first_start) - (later.at_s - speaking[0].at_s)) < 0.15
    tail = heard_audio[int(second_start * SAMPLE_RATE) :]
    spoken = _words(whisper_base.transcribe(tail).text)  # type: ignore[attr-defined]
    reply = _words(second.reply)
    assert sum(w in spoken for w in reply) / len(reply) >= 0.7, (spoken, reply)
    assert "monday" not in spoken  # nothing of the interrupted answer came back


def test_own_voice_in_the_microphone_does_not_barge_in(rig) -> None:
    audio, engines, settings, folder = rig
    engines.conversation.manager.state = DialogueState()
    texts = ("What are your opening hours?", "How do I return an item?", "How can I pay?")
    clips = synthesize_clips(texts, "echo", folder, engines.synthesizer.synthesize)
    audio.echo_on()
    try:
        with VoiceDriver(audio, engines, settings) as driver:
            turns = [driver.turn(clip.path) for clip in clips]
            starts = driver.of(ev.SpeechStarted)
            gate = driver.session.pipeline.gate
            print(f"echo delay {gate.delay_blocks} blocks, gain {gate.gain:.2f}")
            for t, e in driver.events:  # a failure below shows what was heard and said
                print(f"{t:.3f} {e}"[:160])
    finally:
        audio.echo_off()
    assert all(d.times.first_audio_s is not None for d in turns), "a turn played nothing"
    spoken_s = sum(d.times.done_s - d.times.first_audio_s for d in turns)
    print(f"{spoken_s:.1f} s of replies with the speaker looped into the microphone")
    assert spoken_s > 10
    assert [s.barge_in for s in starts] == [False] * len(clips)
    assert not any(d.interrupted for d in turns)


def test_through_a_room_wenda_hears_the_user_talk_over_it(rig) -> None:
    """A harder echo path than one loopback (a direct path, reflections to 190 ms, noise;
    ``app.bench.echo_room``) with the user talking 6 dB under Wenda's echo: Wenda does not
    interrupt itself, stops for the user, and hears what they said."""
    audio, engines, settings, folder = rig
    engines.conversation.manager.state = DialogueState()
    speak = engines.synthesizer.synthesize
    texts = ("What are your opening hours?", "How do I return an item?")
    echo = synthesize_clips(texts, "room-echo", folder, speak)
    (long_clip,) = synthesize_clips([LONG_ANSWER_TURN], "room-long", folder, speak)
    (interruption,) = synthesize_clips([INTERRUPTION], "room-interrupt", folder, speak)
    result = room_trials(audio, engines, settings, (echo, long_clip, interruption), barge_ins=2)
    print(result)
    false, barge = result["false_barge_in"], result["barge_in"]
    assert false["wenda_speech_s"] > 10 and false["false_barge_ins"] == 0, result
    assert barge["detected"] == barge["trials"], result
    assert barge["word_error_rate"] <= 0.35, barge["trials_detail"]
