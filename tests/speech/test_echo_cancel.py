"""The echo canceller (WebRTC AEC3) on recordings of people: one reader's voice plays as
Wenda's, through a room (delay, reverberation, noise) into the microphone, and another
reader talks over it. Without the canceller the VAD hears speech all the time; with it,
only the user."""

from __future__ import annotations

import numpy as np
import pytest

from app.bench.echo_room import Room, RoomFilter, impulse_response
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.audio_file import load_audio
from speech.echo_cancel import CHUNK, EchoCanceller, Reference, WebRtcApm
from speech.endpoint import EndpointConfig, SpeechStarted
from speech.listen import Listener
from tests.speech.recordings import librivox, word_errors

pytestmark = pytest.mark.usefixtures("recordings_installed")

USER_AT_S = 6.0  # the user starts talking this far into Wenda's speech


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


@pytest.fixture(scope="module")
def far() -> np.ndarray:
    """Wenda's voice: 15 s of read speech (four LibriVox clips), peaking at half scale."""
    audio = np.concatenate([load_audio(r.path) for r in librivox()[:4]])
    return (audio / np.abs(audio).max() * 0.5).astype(np.float32)


def _microphone(far: np.ndarray, user: np.ndarray | None, user_db: float) -> np.ndarray:
    """What the microphone hears: the room's echo of ``far``, plus ``user`` from
    ``USER_AT_S`` at ``user_db`` relative to the echo's level there."""
    echo = RoomFilter(impulse_response(Room(delay_ms=80.0)))(far.astype(np.float64))
    mic = echo + 1e-3 * np.random.default_rng(0).standard_normal(len(echo))
    if user is not None:
        at = int(USER_AT_S * SAMPLE_RATE)
        level = 10 ** ((_rms_db(echo[at : at + len(user)]) - _rms_db(user) + user_db) / 20)
        mic[at : at + len(user)] += user * level
    return mic.astype(np.float32)


def _cancel(far: np.ndarray, mic: np.ndarray) -> np.ndarray:
    """The microphone through the canceller in the app's 32 ms blocks, realigned."""
    canceller = EchoCanceller(WebRtcApm(), origin_s=0.0)
    canceller.add_reference(far, 0.0)
    n = len(mic) // FRAME_SAMPLES * FRAME_SAMPLES
    blocks = [
        canceller.process(mic[i : i + FRAME_SAMPLES], i / SAMPLE_RATE)
        for i in range(0, n, FRAME_SAMPLES)
    ]
    return np.concatenate(blocks)[CHUNK:]


def _speech_frames(vad, audio: np.ndarray, start_s: float, end_s: float) -> float:  # type: ignore[no-untyped-def]
    """Share of 32 ms frames in ``[start_s, end_s)`` the VAD calls speech."""
    a, b = int(start_s * SAMPLE_RATE), int(end_s * SAMPLE_RATE)
    frames = [audio[i : i + FRAME_SAMPLES] for i in range(a, b - FRAME_SAMPLES, FRAME_SAMPLES)]
    vad.reset()
    return float(np.mean([vad.probability(f) >= 0.5 for f in frames]))


def test_echo_alone_is_taken_out_and_the_vad_hears_nothing(far, vad) -> None:
    mic = _microphone(far, None, 0.0)
    out = _cancel(far, mic)
    after = slice(SAMPLE_RATE, len(out))  # the filter converges within the first second
    reduction = _rms_db(mic[after]) - _rms_db(out[after])
    print(f"echo reduced by {reduction:.1f} dB")
    assert reduction >= 25.0
    assert _speech_frames(vad, mic, 1.0, 14.0) >= 0.8  # raw: Wenda's voice is speech
    assert _speech_frames(vad, out, 1.0, 14.0) <= 0.02


@pytest.mark.parametrize("user_db", [0.0, -6.0])
def test_the_user_talking_over_wenda_starts_a_turn(far, vad, user_db: float) -> None:
    user_clip = librivox()[4]
    user = load_audio(user_clip.path)
    out = _cancel(far, _microphone(far, user, user_db))
    listener = Listener(EndpointConfig())
    vad.reset()  # a fresh session: the detector's state is not carried from other tests
    starts = []
    for i in range(0, len(out) - FRAME_SAMPLES, FRAME_SAMPLES):
        frame = out[i : i + FRAME_SAMPLES]
        heard = listener.push(frame, i / SAMPLE_RATE, vad.probability(frame))
        if isinstance(heard, SpeechStarted):
            starts.append(i / SAMPLE_RATE)
    print(f"user at {user_db} dB: speech started at {starts}")
    assert starts and USER_AT_S <= starts[0] <= USER_AT_S + 1.0


def test_the_users_words_come_through_better_than_without_cancelling(far, recognizer) -> None:
    clip = librivox()[4]
    user = load_audio(clip.path)
    mic = _microphone(far, user, 0.0)
    out = _cancel(far, mic)
    span = slice(int((USER_AT_S - 0.3) * SAMPLE_RATE), int(USER_AT_S * SAMPLE_RATE) + len(user))
    asr = recognizer("faster", "base")
    raw_errors, words = word_errors(clip.words, asr.transcribe(mic[span]).text)
    errors, _ = word_errors(clip.words, asr.transcribe(out[span]).text)
    print(f"word errors over Wenda's voice: {raw_errors}/{words} raw, {errors}/{words} cancelled")
    # Double talk all through (live, Wenda stops within 200 ms of a barge-in): the canceller
    # keeps Wenda's words out (raw: more errors than words) but also dims the user's.
    assert errors <= raw_errors - 3 and errors / words < 0.75


def test_the_reference_is_what_plays_at_each_moment() -> None:
    reference = Reference(origin_s=10.0)
    tone = np.arange(1, 1601, dtype=np.float32)  # 100 ms, every sample distinct
    reference.add(tone, start_s=10.5)
    at = reference.index(10.5)
    assert at == 8000
    assert np.array_equal(reference.samples(at - 10, 20), np.r_[np.zeros(10), tone[:10]])
    assert not reference.samples(at + 1600, 160).any()  # nothing after the clip
    reference.cut(10.55)  # stopped halfway: nothing after it plays
    assert np.array_equal(reference.samples(at, 1600), np.r_[tone[:800], np.zeros(800)])


class _Passthrough:
    """Records what the canceller hands the echo canceller; returns the mic unchanged."""

    def __init__(self) -> None:
        self.reverse_chunks: list[np.ndarray] = []

    def reverse(self, chunk: np.ndarray) -> None:
        self.reverse_chunks.append(chunk.copy())

    def forward(self, chunk: np.ndarray) -> np.ndarray:
        return chunk


@pytest.mark.parametrize("block", [160, 512, 100, 1000])
def test_blocks_of_any_size_come_out_one_chunk_late_with_the_reference_in_step(block: int) -> None:
    apm = _Passthrough()
    canceller = EchoCanceller(apm, origin_s=0.0, lead_ms=100.0)
    played = np.random.default_rng(1).standard_normal(SAMPLE_RATE).astype(np.float32)
    canceller.add_reference(played, start_s=0.5)
    mic = np.random.default_rng(2).standard_normal(2 * SAMPLE_RATE).astype(np.float32)
    n = len(mic) // block * block
    out = np.concatenate(
        [canceller.process(mic[i : i + block], i / SAMPLE_RATE) for i in range(0, n, block)]
    )
    assert len(out) == n
    assert np.array_equal(out[CHUNK:], mic[: n - CHUNK])  # one 10 ms chunk late, nothing lost
    fed = np.concatenate(apm.reverse_chunks)  # chunk k: what plays 100 ms after mic chunk k
    expected = np.zeros(len(fed), dtype=np.float32)
    first = SAMPLE_RATE // 2 - SAMPLE_RATE // 10  # played from 0.5 s, fed 0.1 s ahead
    expected[first : first + len(played)] = played
    assert np.array_equal(fed, expected)
