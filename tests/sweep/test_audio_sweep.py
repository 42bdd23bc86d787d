"""A sweep of bad audio files (issue 15): what ``wenda transcribe`` and ``wenda talk --input``
take, as hypothesis draws it. A real recording of a person is written in one of the formats
people hand in (WAV 8/16/24-bit and float, FLAC, OGG Vorbis, headerless .raw) at a drawn rate
and channel count, with drawn samples (silence, full scale, NaN and infinities in float
files), then damaged like any file (cut short, bytes inserted, replaced by junk, a header
byte changed). Each file either loads as finite 16 kHz mono audio of about the right length
or gives the one error the loader promises (``AudioFileError``) naming the file; never
another exception. The command line then says it in one line with exit code 2.

CI runs a fixed, derandomized sample (``WENDA_SWEEP_EXAMPLES``, default 60);
``WENDA_SWEEP_EXAMPLES=1000`` runs the measured sweep of BENCHMARKS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from speech.audio import SAMPLE_RATE
from speech.audio_file import AudioTooLongError, load_audio
from speech.errors import AudioFileError
from tests.speech.recordings import LIBRIVOX_0880
from tests.sweep.budget import SWEEP
from tests.sweep.mutations import Mutation

# (suffix, soundfile format, subtype); None: headerless 16 kHz 16-bit mono
FORMATS = [
    (".wav", "WAV", "PCM_16"),
    (".wav", "WAV", "PCM_U8"),
    (".wav", "WAV", "PCM_24"),
    (".wav", "WAV", "FLOAT"),
    (".flac", "FLAC", "PCM_16"),
    (".ogg", "OGG", "VORBIS"),
    (".raw", None, None),
]
RATES = [4_000, 8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000, 44_101]
MAX_SECONDS = 60.0  # the limit a caller passes (asr.max_audio_s)


def _speech(seconds: float) -> np.ndarray:
    """The recording of a person, repeated or cut to ``seconds`` (16 kHz mono)."""
    voice = load_audio(LIBRIVOX_0880)
    n = max(0, int(seconds * SAMPLE_RATE))
    return np.resize(voice, n).astype(np.float32) if n else np.zeros(0, np.float32)


SAMPLES = st.sampled_from(["speech", "silence", "full_scale", "nan", "inf"])


def _signal(kind: str, seconds: float, rate: int, channels: int) -> np.ndarray:
    """``(frames, channels)`` float samples of ``kind`` at ``rate``."""
    frames = int(seconds * rate)
    if kind == "speech":
        mono = np.interp(
            np.arange(frames) * SAMPLE_RATE / rate, np.arange(int(seconds * SAMPLE_RATE)),
            _speech(seconds),
        ) if frames else np.zeros(0)  # fmt: skip
    elif kind == "full_scale":
        mono = np.where(np.arange(frames) % 2, 1.0, -1.0)
    else:
        mono = np.zeros(frames)
        if kind in ("nan", "inf") and frames:
            mono[:: max(1, frames // 50)] = np.nan if kind == "nan" else np.inf
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


def _write(path: Path, signal: np.ndarray, rate: int, fmt: str | None, subtype: str | None):
    if fmt is None:  # .raw: what arecord -t raw writes
        pcm = np.clip(np.nan_to_num(signal[:, 0]), -1, 1)
        path.write_bytes((pcm * 32767).astype("<i2").tobytes())
        return
    if subtype != "FLOAT":  # integer and lossy encodings cannot hold NaN or infinity
        signal = np.clip(np.nan_to_num(signal), -1, 1)
    # In blocks: libsndfile's Vorbis encoder crashes the process when handed a minute of
    # audio in one call (the writer's limit, not the reader's; Wenda writes only WAV).
    with sf.SoundFile(str(path), "w", rate, signal.shape[1], subtype, format=fmt) as f:
        for start in range(0, len(signal), rate):
            f.write(signal[start : start + rate])


def _header_byte(at: int, value: int) -> Mutation:
    def mutate(data: bytes) -> bytes:
        if not data:
            return data
        i = at % min(len(data), 64)
        return data[:i] + bytes([value]) + data[i + 1 :]

    return mutate


DAMAGE = st.one_of(
    st.just(lambda data: data),  # undamaged: must load
    st.builds(lambda f: lambda data: data[: int(len(data) * f)], st.floats(0, 1)),
    st.builds(
        lambda f, junk: lambda data: data[: int(len(data) * f)] + junk + data[int(len(data) * f) :],
        st.floats(0, 1),
        st.binary(min_size=1, max_size=32),
    ),
    st.builds(lambda junk: lambda _: junk, st.binary(max_size=256)),
    st.builds(_header_byte, st.integers(0, 63), st.integers(0, 255)),
)


@SWEEP
@given(
    fmt=st.sampled_from(FORMATS),
    rate=st.sampled_from(RATES),
    channels=st.sampled_from([1, 2, 6]),
    seconds=st.sampled_from([0.0, 0.01, 0.5, 3.0, 61.0]),
    kind=SAMPLES,
    damage=DAMAGE,
)
def test_an_audio_file_loads_sound_or_is_named(
    tmp_path: Path, fmt, rate: int, channels: int, seconds: float, kind: str, damage: Mutation
) -> None:
    suffix, container, subtype = fmt
    if container == "OGG" and rate > 48_000:
        rate = 48_000  # Vorbis stops at 192 kHz in theory, libvorbis at 48 in practice
    path = tmp_path / f"clip{suffix}"
    _write(path, _signal(kind, seconds, rate, channels), rate, container, subtype)
    undamaged = path.read_bytes()
    path.write_bytes(damage(undamaged))
    try:
        audio = load_audio(path, max_seconds=MAX_SECONDS)
    except AudioTooLongError as e:
        assert str(path) in str(e) and "limit" in str(e)
        return
    except AudioFileError as e:
        assert str(e).startswith(f"{path}:"), e
        return
    assert audio.dtype == np.float32 and audio.ndim == 1 and len(audio) > 0
    assert np.isfinite(audio).all()
    if path.read_bytes() == undamaged and container != "OGG":  # lossless and whole
        expected = seconds if container else len(undamaged) / 2 / SAMPLE_RATE
        assert len(audio) / SAMPLE_RATE == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.wav", b""),
        ("junk.wav", b"RIFF\x00\x00\x00\x00WAVEjunk" * 3),
        ("notes.mp3", b"this is not audio\n"),
        ("folder.wav", None),
    ],
)
def test_wenda_transcribe_names_a_bad_file_in_one_line(
    tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "app", "transcribe", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
