"""Whisper on real recordings, both engines: word error rate, silence and noise, languages.

Recordings are the Debian test corpora (people reading, not this project's voices); the
WER is printed per file and overall (run with ``-s`` to see it).
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import Config
from app.serving import recognizer_config
from speech.audio import SAMPLE_RATE, resample
from speech.audio_file import load_audio
from speech.errors import LanguageError
from tests.speech.recordings import (
    LIBRIVOX_0880,
    NOISE_WAV,
    Recording,
    cards,
    channel_names,
    goforward,
    librivox,
    white_noise,
    word_errors,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("recordings_installed")]


def corpus() -> list[Recording]:
    return [*librivox(), *cards(), *channel_names(), goforward()]


def score(recognizer, recordings: list[Recording], label: str) -> float:  # type: ignore[no-untyped-def]
    errors = words = 0
    for recording in recordings:
        transcript = recognizer.transcribe(load_audio(recording.path))
        e, n = word_errors(recording.words, transcript.text)
        errors, words = errors + e, words + n
        mark = "  " if e == 0 else f"{e:2d}"
        print(f"  {mark} {recording.path.name:48s} {transcript.text}")
    wer = errors / words
    print(f"WER {label}: {errors}/{words} words = {wer:.1%}")
    return wer


@pytest.mark.parametrize("engine", ["faster", "openai"])
def test_word_error_rate_base(recognizer, engine: str) -> None:  # type: ignore[no-untyped-def]
    print()
    assert score(recognizer(engine, "base"), corpus(), f"{engine} base") < 0.10


def test_word_error_rate_tiny_en(recognizer) -> None:  # type: ignore[no-untyped-def]
    print()
    assert score(recognizer("faster", "tiny.en"), corpus(), "faster tiny.en") < 0.15


NO_SPEECH = {
    "digital silence": lambda: np.zeros(3 * SAMPLE_RATE, dtype=np.float32),
    "white noise": lambda: white_noise(3.0, level=0.1),
    "loud white noise": lambda: white_noise(3.0, level=0.5, seed=1),
    "Noise.wav": lambda: load_audio(NOISE_WAV),
}


@pytest.mark.parametrize("engine", ["faster", "openai"])
@pytest.mark.parametrize("kind", list(NO_SPEECH))
def test_no_speech_gives_empty_text(recognizer, engine: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    transcript = recognizer(engine, "base").transcribe(NO_SPEECH[kind]())
    assert transcript.text == "" and transcript.segments == () and transcript.language is None


@pytest.mark.parametrize(("model", "kind"), [("tiny.en", "digital silence"),
                                             ("tiny.en", "white noise"),
                                             ("base", "Noise.wav")])  # fmt: skip
def test_whisper_guards_hold_without_the_vad_gate(recognizer, model: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Second line of defence: Whisper alone invents "You" / ". . ." here; the thresholds
    and filters drop it."""
    transcript = recognizer("faster", model, gated=False).transcribe(NO_SPEECH[kind]())
    assert transcript.text == ""


def test_language_is_detected_and_reported(recognizer) -> None:  # type: ignore[no-untyped-def]
    audio = load_audio(LIBRIVOX_0880)
    base = recognizer("faster", "base")
    auto = base.transcribe(audio)
    assert auto.language == "en" and 0.5 < auto.language_probability <= 1.0
    fixed = base.transcribe(audio, language="en")
    assert fixed.language == "en" and fixed.language_probability == 1.0
    with pytest.raises(LanguageError, match="English only"):
        recognizer("faster", "tiny.en").transcribe(audio, language="zh")


def test_telephone_audio(recognizer) -> None:  # type: ignore[no-untyped-def]
    """8 kHz audio (as phones and many call recordings are) still transcribes."""
    narrow = resample(load_audio(LIBRIVOX_0880), SAMPLE_RATE, 8_000)
    transcript = recognizer("faster", "base").transcribe(resample(narrow, 8_000))
    errors, words = word_errors("he was not an ill disposed young man", transcript.text)
    assert errors <= 1, transcript.text


def test_long_audio_keeps_time_order(recognizer) -> None:  # type: ignore[no-untyped-def]
    """Over Whisper's 30 s window, with silence around: times stay in the file's frame."""
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    clips = [load_audio(r.path) for r in librivox()]
    audio = np.concatenate([gap, *[np.concatenate([c, gap]) for c in clips], clips[0]])
    transcript = recognizer("faster", "base").transcribe(audio)
    starts = [s.start_s for s in transcript.segments]
    assert starts == sorted(starts) and 0.8 <= starts[0] <= 1.3
    assert transcript.segments[-1].end_s <= len(audio) / SAMPLE_RATE
    assert transcript.text.lower().count("dashwood") == 2  # the first and the last clip


class _FramesSeen:
    """Passes features on to the model's encoder, noting how many frames it was given."""

    def __init__(self, encode, seen: list[int]) -> None:  # type: ignore[no-untyped-def]
        self.encode, self.seen = encode, seen

    def __call__(self, features: np.ndarray):  # type: ignore[no-untyped-def]
        self.seen.append(features.shape[-1])
        return self.encode(features)


def test_short_encoder_window_keeps_the_words(store) -> None:  # type: ignore[no-untyped-def]
    """asr.window_s = 10: the encoder reads 10 s (or the clip + 2 s) of Whisper's 30 s
    window, about 3x faster on two cores. On people's recordings (read sentences, single words
    at 8 and 16 kHz) it costs tiny.en a few words of ~150 against the full window, varying
    from run to run with Whisper's temperature fallback (0 to 5 seen): hence opt-in."""
    from dataclasses import replace

    from speech.asr import make_recognizer
    from tests.speech.short_answers import ANSWERS, clip

    settings = recognizer_config(Config(), store, "faster", "tiny.en", "en")
    clips = [(load_audio(r.path), r.words) for r in librivox()]
    clips += [(clip(a, rate), a.words) for a in ANSWERS for rate in (16_000, 8_000)]
    errors: dict[float, int] = {}
    frames_read: dict[float, list[int]] = {}
    for window in (30.0, 10.0):
        recognizer = make_recognizer(replace(settings, window_s=window, vad_path=""))
        window_of = recognizer._window  # type: ignore[attr-defined]
        window_of._encode = _FramesSeen(window_of._encode, frames_read.setdefault(window, []))
        errors[window] = sum(
            word_errors(words, recognizer.transcribe(audio).text)[0] for audio, words in clips
        )
    words = sum(word_errors(w, w)[1] for _, w in clips)
    print(f"\nword errors of {words}: full window {errors[30.0]}, 10 s window {errors[10.0]}")
    assert set(frames_read[30.0]) == {3000}
    longest = max(len(audio) for audio, _ in clips) / SAMPLE_RATE
    assert max(frames_read[10.0]) <= max(1000, round((longest + 2) * 100) + 1)
    assert errors[10.0] <= errors[30.0] + 6
    assert errors[10.0] / words < 0.15
