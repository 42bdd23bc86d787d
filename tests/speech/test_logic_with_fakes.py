"""The logic around the engines, with fakes: the VAD gate, the listener, streamed speaking."""

from __future__ import annotations

import threading
from time import monotonic as now

import numpy as np
import pytest

from speech.asr import GatedRecognizer
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, frames_of
from speech.endpoint import FRAME_S, EndpointConfig, SpeechStarted
from speech.hallucination import HallucinationGuard, ScoredText
from speech.listen import Heard, HeardSoFar, Listener, Utterance
from speech.recognition import build_transcript, pick_language
from speech.speak import speak, synthesize_all
from speech.transcript import Transcript
from speech.vad import Vad
from tests.fakes.speech import FakeRecognizer, FakeSpeaker, FakeSynthesizer, FakeVad


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def test_gate_skips_whisper_when_there_is_no_speech() -> None:
    inner = FakeRecognizer("Thank you.")
    result = GatedRecognizer(inner, FakeVad()).transcribe(silence(2.0))
    assert result == Transcript.silent(2.0) and inner.calls == []


def test_gate_crops_to_the_speech_and_shifts_times_back() -> None:
    inner = FakeRecognizer("hello")
    audio = np.concatenate([silence(3.0), tone(1.0), silence(3.0)])
    result = GatedRecognizer(inner, FakeVad()).transcribe(audio)
    (cropped,) = inner.calls
    assert 1.0 <= len(cropped) / SAMPLE_RATE <= 1.8  # the speech plus margins, not 7 s
    assert result.audio_seconds == 7.0
    assert 2.5 <= result.segments[0].start_s <= 3.0  # in the original file's time


def test_language_choice_is_limited_to_the_app_languages() -> None:
    probabilities = {"cy": 0.5, "en": 0.3, "zh": 0.1}
    assert pick_language(probabilities, ("en", "zh")) == ("en", 0.3)
    assert pick_language(probabilities, ()) == ("cy", 0.5)


def test_build_transcript_joins_kept_segments() -> None:
    speech = ScoredText(" 你好", -0.2, 0.1, 1.0)
    noise = ScoredText(" 字幕由Amara.org社区提供", -0.2, 0.1, 1.0)
    decoded = [(0.0, 1.0, speech), (1.0, 2.5, noise), (2.0, 9.0, ScoredText("世界", -0.3, 0.1, 1))]
    result = build_transcript(decoded, "zh", 0.9, 3.0, HallucinationGuard())
    assert result.text == "你好世界"  # no spaces between Chinese segments
    assert [(s.start_s, s.end_s) for s in result.segments] == [(0.0, 1.0), (2.0, 3.0)]


def listen(
    audio: np.ndarray, vad: Vad, config: EndpointConfig, early_ms: int = 0, partial_ms: int = 0
) -> list[Heard]:
    """Everything a listener hears in a recording, frame ``i`` beginning at ``i * 32 ms``."""
    listener = Listener(config, early_ms=early_ms, partial_ms=partial_ms)
    frames = frames_of(audio)
    heard = [listener.push(f, i * FRAME_S, vad.probability(f)) for i, f in enumerate(frames)]
    heard.append(listener.end(len(frames) * FRAME_S))
    return [h for h in heard if h is not None]


def test_listener_cuts_utterances_with_pre_roll() -> None:
    config = EndpointConfig(end_silence_ms=320, pre_roll_ms=320)
    audio = np.concatenate([silence(1.0), tone(0.64), silence(1.0), tone(0.32), silence(0.2)])
    events = listen(audio, FakeVad(), config)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["SpeechStarted", "Utterance", "SpeechStarted", "Utterance"]
    first, second = (e for e in events if isinstance(e, Utterance))
    assert first.reason == "silence" and second.reason == "end_of_stream"
    assert first.speech_start_s == pytest.approx(1.0, abs=0.04)
    assert first.start_s == pytest.approx(first.speech_start_s - 0.32, abs=1e-6)
    # the audio is pre-roll + speech + the silence that ended it, in whole frames
    assert len(first.audio) % FRAME_SAMPLES == 0
    assert len(first.audio) / SAMPLE_RATE == pytest.approx(
        first.speech_end_s - first.start_s + 0.32
    )
    assert np.abs(first.audio[: int(0.3 * SAMPLE_RATE)]).max() == 0  # pre-roll: the silence before
    started = next(e for e in events if isinstance(e, SpeechStarted))
    assert started.at_s == first.speech_start_s
    assert started.noticed_s - started.at_s == pytest.approx(config.start_frames * FRAME_S)


def test_listener_hands_out_the_audio_so_far_while_the_user_speaks() -> None:
    """Every ``partial_ms`` of speech: the utterance so far (growing, from the same start),
    never in a pause (that is the early recognition's moment) and never without speech."""
    config = EndpointConfig(end_silence_ms=480, pre_roll_ms=96)
    speech = np.concatenate([tone(1.0), silence(0.3), tone(1.0)])
    audio = np.concatenate([silence(0.5), speech, silence(0.6)])
    events = listen(audio, FakeVad(), config, early_ms=192, partial_ms=400)
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "SpeechStarted" and kinds[-1] == "Utterance"
    so_far = [e for e in events if isinstance(e, HeardSoFar)]
    assert 3 <= len(so_far) <= 5  # 2 s of speech, one every 0.4 s
    assert kinds.index("HeardPause") > kinds.index("HeardSoFar")  # the pause in between
    lengths = [len(e.audio) for e in so_far]
    assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths)
    final = events[-1]
    assert isinstance(final, Utterance)
    for e in so_far:  # the same audio the utterance begins with
        np.testing.assert_array_equal(e.audio, final.audio[: len(e.audio)])
        assert final.speech_start_s < e.at_s <= final.speech_end_s + FRAME_S
    gaps = np.diff([e.at_s for e in so_far])
    assert all(gap >= 0.4 - 1e-6 for gap in gaps)
    assert not any(isinstance(e, HeardSoFar) for e in listen(audio, FakeVad(), config))


def test_speak_synthesizes_the_next_sentence_while_one_plays() -> None:
    log: list[str] = []
    made: dict[str, float] = {}
    synthesizer = FakeSynthesizer(word_s=0.3, log=log, after=lambda t: made.setdefault(t, now()))
    spoken = speak("First one. Second one! 第三句。", synthesizer, FakeSpeaker(log=log))
    assert [s.text for s in spoken] == ["First one.", "Second one!", "第三句。"]
    played = [s.played for s in spoken]
    assert all(p is not None and not p.interrupted for p in played)
    assert [e for e in log if e.startswith("play")] == ["play:0", "play:1", "play:2"]
    # The second sentence was synthesized while the first one was heard (0.75 s of it).
    assert played[0] is not None and played[0].ended_s is not None
    assert made["Second one!"] < played[0].ended_s - 0.5


def test_a_failing_sentence_is_skipped_not_fatal() -> None:
    speaker = FakeSpeaker(realtime=False)
    spoken = speak("Good. Bad! Good again.", FakeSynthesizer(fail_on="Bad"), speaker)
    assert [s.played is not None for s in spoken] == [True, False, True]


def test_cancel_stops_synthesis_at_the_next_sentence() -> None:
    cancel = threading.Event()
    log: list[str] = []
    synthesizer = FakeSynthesizer(log=log, after=lambda text: text == "Two." and cancel.set())
    spoken = speak("One. Two. Three.", synthesizer, FakeSpeaker(realtime=False), cancel)
    assert "synth:Three." not in log  # synthesis stopped
    assert [s.text for s in spoken] == ["One.", "Two."] and spoken[1].played is None


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "***"])
def test_nothing_to_say(text: str) -> None:
    synthesizer = FakeSynthesizer()
    assert speak(text, synthesizer, FakeSpeaker(realtime=False)) == []
    assert len(synthesize_all(text, synthesizer)) == 0 and synthesizer.log == []


@pytest.mark.parametrize("samples", [0, 100, FRAME_SAMPLES])
def test_gate_handles_tiny_inputs(samples: int) -> None:
    inner = FakeRecognizer()
    result = GatedRecognizer(inner, FakeVad()).transcribe(np.zeros(samples, dtype=np.float32))
    assert result.empty and inner.calls == [] and result.audio_seconds == samples / SAMPLE_RATE
