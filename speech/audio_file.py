"""Reading and writing audio files: the one place a file becomes the app's 16 kHz mono array.

Decoding is libsndfile (via soundfile): WAV, FLAC, OGG Vorbis/Opus, MP3 (libsndfile 1.1+),
AIFF and more, at any rate and channel count, without ffmpeg. Headerless ``.raw``/``.pcm``
files are read as 16 kHz signed 16-bit mono, the format speech corpora and ``arecord -t raw``
use. Every failure is an :class:`AudioFileError` that names the file and what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.audio import SAMPLE_RATE, resample, seconds, to_float32, to_mono
from speech.errors import AudioFileError

log = logging.getLogger(__name__)

RAW_SUFFIXES = (".raw", ".pcm")
MIN_SAMPLE_RATE = 4_000  # Hz; below this there is no intelligible speech to recover
# Hz; above this no recorder goes, and a damaged header's rate (4 GHz) would make the
# resampler's filter as long as the rate: gigabytes for a second of audio.
MAX_SAMPLE_RATE = 384_000
SUPPORTED = "WAV, FLAC, OGG (Vorbis/Opus), MP3, AIFF, or 16 kHz 16-bit mono .raw"


class AudioTooLongError(AudioFileError):
    """The file is longer than the caller's limit (refused before decoding)."""


@dataclass(frozen=True)
class AudioInfo:
    """What the file held before conversion (for messages and logs)."""

    sample_rate: int
    channels: int
    seconds: float
    format: str
    subtype: str = ""


def _open_error(path: Path, error: Exception) -> AudioFileError:
    detail = str(error).split(":", 1)[-1].strip().rstrip(".") or type(error).__name__
    if "does not exist" in detail:  # libsndfile's words for bytes it cannot recognise
        detail = "format not recognised"
    return AudioFileError(
        f"{path}: cannot decode this file ({detail}). It may be damaged or in a format "
        f"libsndfile does not read; supported: {SUPPORTED}. Convert it, e.g. with "
        f"`sox IN OUT.wav` or `ffmpeg -i IN OUT.wav`."
    )


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise AudioFileError(f"{path}: cannot read: {e.strerror or e}") from e
    if size == 0:
        raise AudioFileError(f"{path}: the file is empty (0 bytes)")


@contextlib.contextmanager
def _decoder_notes_to_log() -> Iterator[None]:
    """libsndfile's MP3 decoder (mpg123) writes notes such as "Illegal Audio-MPEG-Header"
    straight to file descriptor 2, past Python: catch them there and log them, so a damaged
    file gives Wenda's one message on the terminal and nothing else."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded, closed): nothing to keep clean
        yield
        return
    with tempfile.TemporaryFile() as notes:
        os.dup2(notes.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            notes.seek(0)
            for line in notes.read().decode("utf-8", "replace").splitlines():
                log.debug("audio decoder: %s", line)


def probe(path: Path) -> AudioInfo:
    """Header information without decoding the samples (cheap, for the length check)."""
    import soundfile as sf

    path = Path(path)
    _check_path(path)
    if path.suffix.lower() in RAW_SUFFIXES:
        size = path.stat().st_size
        return AudioInfo(SAMPLE_RATE, 1, size / 2 / SAMPLE_RATE, "RAW", "PCM_16")
    try:
        with _decoder_notes_to_log():
            info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as e:
        raise _open_error(path, e) from e
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioFileError(f"{path}: the header is damaged (rate {info.samplerate} Hz)")
    duration = info.frames / info.samplerate
    return AudioInfo(info.samplerate, info.channels, duration, info.format, info.subtype)


_BYTES_PER_SAMPLE = {"PCM_U8": 1, "PCM_S8": 1, "ULAW": 1, "ALAW": 1, "PCM_16": 2, "PCM_24": 3,
                     "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8}  # fmt: skip


def _warn_if_truncated_wav(path: Path, decoded_frames: int, info: AudioInfo) -> None:
    """libsndfile quietly decodes what is left of a cut-off WAV; say so, since the words at
    the end are missing. Compares the data size the header declares with what was decoded."""
    width = _BYTES_PER_SAMPLE.get(info.subtype)
    if not info.format.startswith("WAV") or width is None:
        return
    with open(path, "rb") as f:
        head = f.read(4096)
    at = head.find(b"data")
    if at < 0 or at + 8 > len(head):
        return
    declared = int.from_bytes(head[at + 4 : at + 8], "little")
    if declared in (0, 0xFFFFFFFF):  # streaming writers leave the size unset
        return
    declared_frames = declared // (width * info.channels)
    if decoded_frames < declared_frames:
        log.warning(
            "%s is truncated: the header declares %.1f s, the file holds %.1f s; using that",
            path,
            declared_frames / info.sample_rate,
            decoded_frames / info.sample_rate,
        )


def _decode(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    kwargs = {}
    if path.suffix.lower() in RAW_SUFFIXES:
        kwargs = {"samplerate": SAMPLE_RATE, "channels": 1, "subtype": "PCM_16", "endian": "LITTLE"}
    try:
        with _decoder_notes_to_log():
            data, rate = sf.read(str(path), dtype="float32", always_2d=True, **kwargs)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        raise _open_error(path, e) from e
    return data, rate


def load_audio(path: str | Path, max_seconds: float | None = None) -> np.ndarray:
    """Decode ``path`` to mono float32 at ``SAMPLE_RATE``, resampled once if needed.

    Raises AudioFileError when the file is missing, empty, undecodable, holds no samples,
    or is longer than ``max_seconds`` (checked from the header before decoding, so a
    ten-hour file is refused without reading it into memory).
    """
    path = Path(path)
    info = probe(path)
    if max_seconds is not None and info.seconds > max_seconds:
        raise AudioTooLongError(
            f"{path}: {info.seconds:.0f} s of audio is over the {max_seconds:.0f} s limit; "
            f"split the file or raise the limit"
        )
    if info.sample_rate < MIN_SAMPLE_RATE:
        raise AudioFileError(
            f"{path}: sample rate {info.sample_rate} Hz is too low for speech "
            f"(at least {MIN_SAMPLE_RATE} Hz is needed)"
        )
    if info.sample_rate > MAX_SAMPLE_RATE:
        raise AudioFileError(
            f"{path}: sample rate {info.sample_rate} Hz is not an audio rate (at most "
            f"{MAX_SAMPLE_RATE} Hz); the file's header is probably damaged"
        )
    data, rate = _decode(path)
    _warn_if_truncated_wav(path, len(data), info)
    if len(data) == 0:
        raise AudioFileError(f"{path}: the file holds no audio samples (0 s)")
    if rate < SAMPLE_RATE:
        log.info("%s: %d Hz audio (telephone quality) upsampled to 16 kHz", path, rate)
    audio = resample(_within_full_scale(path, to_mono(to_float32(data))), rate, SAMPLE_RATE)
    log.debug("%s: %s %d Hz x%d, %.2f s", path, info.format, rate, data.shape[1], seconds(audio))
    return audio


def _within_full_scale(path: Path, audio: np.ndarray) -> np.ndarray:
    """Float files may hold any value: a damaged one (a byte lost, so every sample is read
    from the wrong bytes) holds 1e36 and worse, which resampling turns into infinities.
    Samples are clipped to full scale, with a warning when that is more than a little."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak <= 1.0:
        return audio
    if peak > 2.0:
        log.warning("%s: samples reach %.3g, far beyond full scale (damaged?); clipped", path, peak)
    return np.clip(audio, -1.0, 1.0)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float audio as 16-bit PCM WAV (what every player opens)."""
    import soundfile as sf

    path = Path(path)
    try:
        sf.write(str(path), np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16")
    except (sf.LibsndfileError, RuntimeError, OSError) as e:
        raise AudioFileError(f"{path}: cannot write the WAV file: {e}") from e
