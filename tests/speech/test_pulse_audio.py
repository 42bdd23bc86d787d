"""The real audio path through a private PulseAudio server: no fakes anywhere.

Microphone: a real recording is played into the virtual microphone with ``paplay``, captured
by sounddevice, endpointed with Silero VAD and transcribed by Whisper. Speaker: a Piper
sentence is played to the virtual speaker and recorded back from its monitor with
``parecord``; then playback is stopped midway and the recording shows where it was cut.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.bench.virtual_audio import VirtualAudio
from speech.audio import SAMPLE_RATE, FrameClock
from speech.devices import find_device
from speech.endpoint import EndpointConfig
from speech.errors import AudioDeviceError
from speech.listen import Listener, Utterance
from speech.microphone import MicrophoneConfig, make_microphone
from speech.speaker import Played, SpeakerConfig, make_speaker
from tests.speech.recordings import ALSA_SOUNDS, LIBRIVOX_0880, word_errors

pytestmark = [pytest.mark.audio, pytest.mark.usefixtures("recordings_installed")]


def collect_utterances(mic, vad, count: int, timeout_s: float) -> list[Utterance]:  # type: ignore[no-untyped-def]
    """Listen on a thread until ``count`` utterances arrive (or the time is up)."""
    found: list[Utterance] = []
    done = threading.Event()
    listener, clock = Listener(EndpointConfig()), FrameClock()
    vad.reset()

    def run() -> None:
        while len(found) < count and (block := mic.read()) is not None:
            for frame, start_s in clock.push(block.samples, block.start_s):
                heard = listener.push(frame, start_s, vad.probability(frame))
                if isinstance(heard, Utterance):
                    found.append(heard)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    done.wait(timeout_s)
    mic.close()
    thread.join(5)
    return found


@pytest.mark.slow
def test_microphone_to_transcript(pulse: VirtualAudio, vad, recognizer) -> None:  # type: ignore[no-untyped-def]
    base = recognizer("faster", "base")
    mic = make_microphone(MicrophoneConfig())
    mic.start()
    assert mic.sample_rate == SAMPLE_RATE and mic.channels == 1
    # A new stream delivers its first second or two in one burst, whose blocks share one
    # stamp (see speech.microphone.CaptureClock): speak once it flows.
    assert mic.read() is not None
    said_at: list[float] = []

    def feed() -> None:  # two real recordings into the microphone, a pause before each
        for path in (LIBRIVOX_0880, ALSA_SOUNDS / "Front_Left.wav"):
            time.sleep(0.8)
            player = pulse.say(path)
            said_at.append(time.monotonic())
            player.wait(30)

    feeder = threading.Thread(target=feed)
    feeder.start()
    utterances = collect_utterances(mic, vad, count=2, timeout_s=30)
    feeder.join()
    assert [u.reason for u in utterances] == ["silence", "silence"]
    assert mic.overruns == 0
    heard = [base.transcribe(u.audio).text for u in utterances]
    print(f"\nheard through the virtual microphone: {heard}")
    for u in utterances:  # pre-roll: audio from before the first speech frame
        # the capture clock may move its estimate by up to a block meanwhile
        assert u.speech_start_s - u.start_s == pytest.approx(0.32, abs=0.035)
    # The blocks carry their capture times: speech starts after paplay started playing
    # (its first silence and its start-up, ~20 ms), not before, and not long after.
    for said, u in zip(said_at, utterances, strict=True):
        print(f"speech began {(u.speech_start_s - said) * 1000:.0f} ms after paplay started")
        assert 0.0 <= u.speech_start_s - said < 1.0
    errors, words = word_errors("he was not an ill disposed young man front left", " ".join(heard))
    assert errors <= 1


def _record(pulse: VirtualAudio, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["parecord", "--device=speaker.monitor", "--file-format=wav", "--rate=16000",
         "--channels=1", "--latency-msec=10", str(path)],
        env={**os.environ, **pulse.env},
    )  # fmt: skip


def _sounding(recording: np.ndarray) -> tuple[int, int]:
    """First and last sample of the recording that is not silence."""
    loud = np.nonzero(np.abs(recording) > 0.01)[0]
    return int(loud[0]), int(loud[-1])


@pytest.fixture(scope="module")
def sentence(voice) -> np.ndarray:  # type: ignore[no-untyped-def]
    text = "Your order of three items ships tomorrow morning, and should arrive on Friday."
    return voice("joe", "en").synthesize(text)


def test_playback_reaches_the_speaker(pulse: VirtualAudio, sentence, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with make_speaker(SpeakerConfig()) as speaker:
        recorder = _record(pulse, tmp_path / "out.wav")
        time.sleep(0.5)
        played = speaker.play(sentence, threading.Event())
        time.sleep(0.3)
        recorder.terminate()
        recorder.wait(10)
        # Underflows depend on how busy the machine is (PortAudio flags late callbacks); the
        # correlation below is what proves the audio arrived intact.
        print(f"\nunderflows during playback: {speaker.underflows}")
    recording, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    first, _ = _sounding(recording)
    lead = int(np.nonzero(np.abs(sentence) > 0.01)[0][0])
    start = first - lead
    heard = recording[start : start + len(sentence)]
    r = np.corrcoef(heard, sentence[: len(heard)])[0, 1]
    print(f"\nplayback recorded back: r = {r:.3f}")
    assert rate == SAMPLE_RATE and r > 0.9
    assert (played.played_samples, played.interrupted) == (len(sentence), False)
    assert played.started_s is not None and played.ended_s is not None
    assert played.ended_s - played.started_s == pytest.approx(len(sentence) / SAMPLE_RATE)


def test_stop_cuts_playback_within_50_ms(pulse: VirtualAudio, sentence, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with make_speaker(SpeakerConfig()) as speaker:
        recorder = _record(pulse, tmp_path / "cut.wav")
        time.sleep(0.5)
        stop = threading.Event()
        plays: list[Played] = []
        player = threading.Thread(target=lambda: plays.append(speaker.play(sentence, stop)))
        player.start()
        time.sleep(1.5)
        stopped_at = time.monotonic()
        stop.set()  # as the voice pipeline does on a barge-in: the event, then the speaker
        speaker.stop()
        player.join(5)
        (first,) = plays
        second = speaker.play(sentence, stop)  # the next sentence of the cut reply
        time.sleep(0.5)
        recorder.terminate()
        recorder.wait(10)
    recording, _ = sf.read(tmp_path / "cut.wav", dtype="float32")
    begin, end = _sounding(recording)
    lead = int(np.nonzero(np.abs(sentence) > 0.01)[0][0])
    heard_s = (end - begin + lead) / SAMPLE_RATE  # how much of the clip the recording holds
    assert first.started_s is not None
    cut_delay_s = heard_s - (stopped_at - first.started_s)
    played_s = first.played_samples / SAMPLE_RATE
    print(
        f"\nheard {heard_s:.3f} s, reported {played_s:.3f} s; "
        f"sound ended {cut_delay_s * 1000:.0f} ms after stop()"
    )
    assert first.interrupted and second.interrupted and second.played_samples == 0
    assert abs(heard_s - played_s) < 0.05  # the report matches what was heard
    assert cut_delay_s < 0.05


def test_named_devices_and_missing_ones(pulse: VirtualAudio) -> None:
    assert find_device("pulse", "input") == find_device("PULSE", "output")
    with pytest.raises(AudioDeviceError, match="no microphone named 'no-such-mic'; devices: "):
        find_device("no-such-mic", "input")
    with pytest.raises(AudioDeviceError, match="speaker 999 does not exist"):
        find_device("999", "output")


def test_no_sound_server_is_a_clear_error(pulse: VirtualAudio, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With the sound server gone, opening a device fails with a message, not a traceback."""
    import sounddevice as sd

    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native")
    try:
        with pytest.raises(AudioDeviceError) as error:
            make_microphone(MicrophoneConfig(stall_timeout_s=1.0)).start()
        assert "microphone" in str(error.value)
        with pytest.raises(AudioDeviceError, match="speaker"):
            make_speaker(SpeakerConfig())
    finally:
        monkeypatch.setenv("PULSE_SERVER", pulse.env["PULSE_SERVER"])
        sd._terminate()
        sd._initialize()
