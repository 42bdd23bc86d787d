"""Audio files in, 16 kHz mono out: every format users have, and every way a file goes wrong."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.audio import SAMPLE_RATE, resample
from speech.audio_file import load_audio, probe, write_wav
from speech.errors import AudioFileError
from tests.speech.recordings import GOFORWARD_RAW, LIBRIVOX_0880

pytestmark = pytest.mark.skipif(
    not LIBRIVOX_0880.is_file(), reason="needs Debian pocketsphinx-testdata (setup.sh --test)"
)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    audio, rate = sf.read(LIBRIVOX_0880, dtype="float32")
    assert rate == SAMPLE_RATE
    return audio


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.mark.parametrize(
    ("suffix", "subtype", "min_r"),
    [
        (".wav", "PCM_16", 0.999),
        (".wav", "FLOAT", 0.999),
        (".flac", "PCM_24", 0.999),
        (".ogg", "VORBIS", 0.95),
        (".ogg", "OPUS", 0.0),  # Opus delays the signal; checked by length only
        (".mp3", "MPEG_LAYER_III", 0.0),
    ],
)
def test_formats(tmp_path: Path, speech: np.ndarray, suffix: str, subtype: str, min_r: float):
    path = tmp_path / f"clip{suffix}"
    sf.write(path, speech, SAMPLE_RATE, subtype=subtype)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - len(speech)) < 0.1 * SAMPLE_RATE
    assert correlation(audio, speech) >= min_r


def test_telephone_8khz_stereo_is_converted(tmp_path: Path, speech: np.ndarray) -> None:
    narrow = resample(speech, SAMPLE_RATE, 8_000)
    path = tmp_path / "phone.wav"
    sf.write(path, np.stack([narrow, narrow * 0.5], axis=1), 8_000)
    audio = load_audio(path)
    assert abs(len(audio) - len(speech)) <= 2
    assert correlation(audio, speech) > 0.9  # the band below 4 kHz survives


def test_44k_stereo_int16(tmp_path: Path, speech: np.ndarray) -> None:
    wide = resample(speech, SAMPLE_RATE, 44_100)
    path = tmp_path / "cd.wav"
    sf.write(path, np.stack([wide, wide], axis=1), 44_100, subtype="PCM_16")
    assert correlation(load_audio(path), speech) > 0.99


def test_raw_is_16khz_s16le() -> None:
    audio = load_audio(GOFORWARD_RAW)
    assert len(audio) == GOFORWARD_RAW.stat().st_size // 2
    assert probe(GOFORWARD_RAW).seconds == pytest.approx(len(audio) / SAMPLE_RATE)


def test_truncated_wav_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = LIBRIVOX_0880.read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        audio = load_audio(path)
    assert 1.2 < len(audio) / SAMPLE_RATE < 1.8
    assert "truncated" in caplog.text


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    data = LIBRIVOX_0880.read_bytes()
    cases: dict[str, tuple[bytes | None, str, str]] = {
        "missing": (None, "missing.wav", "no such file"),
        "empty": (b"", "empty.wav", "empty"),
        "header only": (data[:30], "header.wav", "cannot decode"),
        "text": (b"this is not audio\n" * 20, "notes.wav", "cannot decode"),
        "random bytes": (np.random.default_rng(0).bytes(5000), "noise.mp3", "cannot decode"),
        "m4a": (b"\x00\x00\x00\x20ftypM4A " + bytes(200), "voice.m4a", "cannot decode"),
    }
    out = {}
    for name, (content, filename, message) in cases.items():
        path = tmp / filename
        if content is not None:
            path.write_bytes(content)
        out[name] = (path, message)
    zero = tmp / "zero.wav"
    sf.write(zero, np.zeros(0, dtype=np.float32), SAMPLE_RATE)
    out["zero samples"] = (zero, "no audio samples")
    low = tmp / "low.wav"
    sf.write(low, np.zeros(100, dtype=np.float32), 1_000)
    out["1 kHz"] = (low, "too low")
    out["folder"] = (tmp, "folder")
    return out


@pytest.mark.parametrize(
    "case",
    ["missing", "empty", "header only", "text", "random bytes", "m4a", "zero samples", "1 kHz",
     "folder"],
)  # fmt: skip
def test_bad_files_give_clear_errors(tmp_path: Path, case: str) -> None:
    path, message = _bad_files(tmp_path)[case]
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_over_long_audio_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(5 * SAMPLE_RATE, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(AudioFileError, match="over the 4 s limit"):
        load_audio(path, max_seconds=4)
    assert len(load_audio(path, max_seconds=6)) == 5 * SAMPLE_RATE


def test_write_wav_round_trip(tmp_path: Path, speech: np.ndarray) -> None:
    path = tmp_path / "out.wav"
    write_wav(path, speech * 2)  # clipped, not wrapped
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16")
    assert correlation(load_audio(path), np.clip(speech * 2, -1, 1)) > 0.999
    with pytest.raises(AudioFileError):
        write_wav(tmp_path / "no" / "such" / "dir.wav", speech)


def test_a_damaged_headers_sample_rate_is_refused_before_decoding(tmp_path: Path) -> None:
    """A rate no recorder uses (the header's bytes damaged) would make the resampler's
    filter gigabytes long: refused, naming the file (found by tests/sweep)."""
    path = tmp_path / "damaged.wav"
    sf.write(str(path), np.zeros(16_000, np.float32), SAMPLE_RATE)
    data = bytearray(path.read_bytes())
    data[24:28] = (2_000_003).to_bytes(4, "little")  # the fmt chunk's sample rate
    path.write_bytes(bytes(data))
    with pytest.raises(AudioFileError, match="not an audio rate.*damaged"):
        load_audio(path)


def test_a_float_file_read_from_the_wrong_bytes_stays_finite(
    tmp_path: Path, speech: np.ndarray, caplog
) -> None:
    """A float WAV with one byte lost reads 1e36-sized samples, which resampling turned into
    infinities for Whisper: clipped to full scale, with a warning."""
    path = tmp_path / "shifted.wav"
    sf.write(str(path), speech[:8000], 8000, subtype="FLOAT")
    data = path.read_bytes()
    path.write_bytes(data[:1000] + b"\x00" + data[1000:])
    with caplog.at_level(logging.WARNING):
        audio = load_audio(path)
    # clipped before resampling, whose ringing stays near full scale (not 1e36, not inf)
    assert np.isfinite(audio).all() and np.abs(audio).max() < 3.0
    assert "beyond full scale" in caplog.text
