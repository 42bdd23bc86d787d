"""The voices, checked by ear's proxy: Whisper must hear what they were asked to say."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import time
import unicodedata

import numpy as np
import pytest

from speech.audio import SAMPLE_RATE
from speech.errors import ModelLoadError
from speech.onnx_session import ShrinkingSession
from speech.sentences import split_sentences
from speech.speak import speak, synthesize_all
from speech.tts import VoiceConfig, make_synthesizer
from speech.tts_piper import phoneme_pieces
from tests.fakes.speech import FakeSpeaker
from tests.speech.recordings import edit_distance, word_errors

pytestmark = pytest.mark.slow


def char_error_rate(reference: str, hypothesis: str) -> float:
    def chars(text: str) -> list[str]:
        return [c for c in text if unicodedata.category(c)[0] in "LN"]

    ref = chars(reference)
    return edit_distance(ref, chars(hypothesis)) / len(ref)


@pytest.mark.parametrize(
    ("voice_name", "text"),
    [
        ("joe", "Please send the blue shirt to my office tomorrow."),
        ("espeak-ng", "Hello there. Your parcel ships on Monday."),
    ],
)
def test_english_round_trip(voice, recognizer, voice_name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Piper samples its voice (VITS noise), so a rendering now and then is one Whisper
    mishears ("Please send" -> "Place in", 2 of 9 words, once in a CI run): the better of two
    renderings must be heard within one word."""
    best = None
    for _ in range(2):
        audio = synthesize_all(text, voice(voice_name, "en"))
        assert audio.dtype == np.float32 and 1.0 < len(audio) / SAMPLE_RATE < 8.0
        assert 0.05 < np.abs(audio).max() <= 1.0
        heard = recognizer("faster", "base").transcribe(audio)
        errors, words = word_errors(text, heard.text)
        print(f"\n{voice_name}: {text!r} -> {heard.text!r} ({errors}/{words} errors)")
        assert heard.language == "en"
        best = errors if best is None else min(best, errors)
        if best <= 1:
            break
    assert best is not None and best <= 1


def test_long_sentence_is_spoken_whole_in_pieces(voice, recognizer) -> None:  # type: ignore[no-untyped-def]
    # No rare names: Piper's voice varies from call to call, and about one rendering in five of
    # "in Leipzig" made Whisper base repeat the sentence's start (8-20 word errors, a flaky test).
    text = (
        "Your parcel left our warehouse in the north this morning, it travels with the national "
        "post, and it should reach your front door on Thursday or Friday afternoon"
    )
    piper = voice("joe", "en")
    phonemes = piper._voice.phonemize(text)[0]
    assert len(phoneme_pieces(phonemes)) >= 2  # more than one synthesis call
    audio = piper.synthesize(text)
    assert np.abs(audio).max() == pytest.approx(1.0, abs=0.05)  # normalised as one sentence
    heard = recognizer("faster", "base").transcribe(audio)
    errors, words = word_errors(text, heard.text)
    print(f"\npiper, long sentence: {heard.text!r} ({errors}/{words} errors)")
    assert errors <= 3  # every piece is spoken, in order


def test_clock_times_are_not_read_digit_by_digit(voice, recognizer) -> None:  # type: ignore[no-untyped-def]
    audio = voice("joe", "en").synthesize("We are open from 8:00 to 20:00.")
    heard = recognizer("faster", "base").transcribe(audio).text.lower()
    print(f"\npiper, opening hours: {heard!r}")
    assert "zero" not in heard and "00" not in heard
    assert "p.m." in heard or "pm" in heard


def test_chinese_round_trip(voice, recognizer) -> None:  # type: ignore[no-untyped-def]
    text = "您好，欢迎光临我们的商店。请问您想买什么？"
    audio = synthesize_all(text, voice("jm_kumo", "zh"))
    heard = recognizer("faster", "base").transcribe(audio)
    cer = char_error_rate(text, heard.text)
    print(f"\nkokoro zh: {text} -> {heard.text} (CER {cer:.0%})")
    assert heard.language == "zh" and cer < 0.35


def test_first_audio_comes_before_the_whole_reply_is_synthesized(voice) -> None:  # type: ignore[no-untyped-def]
    joe = voice("joe", "en")
    reply = (
        "Your order has shipped. It left our warehouse this morning. "
        "The courier expects to deliver it on Friday. You will get a text message before then."
    )
    played_at: list[float] = []
    started = time.perf_counter()
    speaker = FakeSpeaker(realtime=False, on_play=lambda: played_at.append(time.perf_counter()))
    spoken = speak(reply, joe, speaker)
    total = time.perf_counter() - started
    first = played_at[0] - started
    print(f"\nfirst audio after {first:.2f} s of {total:.2f} s synthesis")
    assert len(spoken) == 4 and len(played_at) == 4
    assert first < 0.5 * total  # one sentence of four, not the whole reply


@pytest.mark.parametrize("text", ["", "   ", "😀🎉👍", "*** ###"])
def test_nothing_speakable_gives_no_audio(voice, text: str) -> None:  # type: ignore[no-untyped-def]
    assert len(synthesize_all(text, voice("joe", "en"))) == 0


def test_very_long_text_is_spoken_in_bounded_pieces(voice) -> None:  # type: ignore[no-untyped-def]
    long_english = "This sentence goes on and on, " * 40
    pieces = split_sentences(long_english)
    assert len(pieces) > 4 and max(map(len, pieces)) <= 250
    assert len(voice("joe", "en").synthesize(pieces[0])) > SAMPLE_RATE
    unpunctuated_chinese = "我们的商店今天有很多商品正在打折欢迎大家来看看" * 5  # 115 characters
    audio = voice("jm_kumo", "zh").synthesize(unpunctuated_chinese)
    assert len(audio) / SAMPLE_RATE > 10  # past Kokoro's 510-phoneme window, all of it spoken


def test_voices_give_their_working_memory_back_after_each_sentence(voice) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(voice("joe", "en")._voice.session, ShrinkingSession)
    assert isinstance(voice("jm_kumo", "zh")._kokoro.sess, ShrinkingSession)
    # Measured in a process of its own: RSS in the test process moves with all the suite did.
    # With a plain arena these three replies left ~490 MB behind; shrinking leaves ~140 MB.
    script = textwrap.dedent(
        """
        import psutil
        from app.config import Config
        from app.serving import voice_config
        from app.store.store import ModelStore
        from app.voice.memory import configure_model_process, release_free_memory
        from speech.speak import synthesize_all
        from speech.tts import make_synthesizer
        configure_model_process()
        config = Config()
        voice = make_synthesizer(voice_config(config, ModelStore(config=config), "zh", "jm_kumo"))
        synthesize_all("您好。", voice)
        loaded = psutil.Process().memory_info().rss
        for text in (
            "我们的营业时间是周一到周五上午八点到晚上八点，周六和周日上午十点到下午六点，"
            "节假日可能会有调整，请以网站公告为准。",
            "退货需要在收到商品后三十天内申请，商品必须保持原包装和完好状态，"
            "我们会在收到退货后五个工作日内为您办理退款。",
            "您的订单明天早上发货。预计星期五送到。",
        ):
            synthesize_all(text, voice)
        release_free_memory()
        print((psutil.Process().memory_info().rss - loaded) // 2**20)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    kept_mb = int(done.stdout.split()[-1])
    print(f"\nkokoro kept {kept_mb} MB after three long replies")
    assert kept_mb < 300


def test_emoji_inside_text_is_not_read_out(voice, recognizer) -> None:  # type: ignore[no-untyped-def]
    audio = synthesize_all("Thanks for shopping with us 😀 see you soon!", voice("joe", "en"))
    # Half a second of silence after it, as a microphone would give: without it Whisper base
    # now and then drops the short last sentence of a rendering that stops dead (once in CI).
    padded = np.concatenate([audio, np.zeros(SAMPLE_RATE // 2, dtype=audio.dtype)])
    heard = recognizer("faster", "base").transcribe(padded).text.lower()
    assert "face" not in heard and "grinning" not in heard and "soon" in heard


def test_missing_voice_falls_back_to_espeak(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    missing = VoiceConfig(engine="piper", model_path=str(tmp_path))
    with caplog.at_level(logging.WARNING):
        fallback = make_synthesizer(missing)
    assert fallback.name.startswith("espeak-ng") and "espeak-ng instead" in caplog.text
    assert len(fallback.synthesize("Still talking.")) > 0
    with pytest.raises(ModelLoadError, match="Piper voice"):
        make_synthesizer(VoiceConfig(engine="piper", model_path=str(tmp_path), fallback=False))


def test_unknown_kokoro_voice_lists_the_real_ones(store) -> None:  # type: ignore[no-untyped-def]
    config = VoiceConfig("kokoro", store.path("tts-zh"), "af_nobody", "zh", fallback=False)
    with pytest.raises(ModelLoadError, match="jm_kumo"):
        make_synthesizer(config)


@pytest.mark.parametrize(
    ("phonemes", "limit", "pieces"),
    [
        ("ab cd", 10, ["ab cd"]),
        ("ab cd, ef gh ij", 10, ["ab cd,", " ef gh ij"]),  # at the pause
        ("abc def ghi jkl", 9, ["abc def ", "ghi jkl"]),  # no pause in reach: between words
        ("abcdefghijk", 4, ["abcd", "efgh", "ijk"]),  # neither: at the limit
        ("ab ,   ", 4, ["ab ,"]),  # a piece of only spaces is dropped
        ("", 4, []),
    ],
)
def test_phoneme_pieces(phonemes: str, limit: int, pieces: list[str]) -> None:
    got = phoneme_pieces(list(phonemes), limit)
    assert ["".join(p) for p in got] == pieces
    assert all(len(p) <= limit for p in got)
