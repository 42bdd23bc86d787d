"""Real recordings made by people (Debian packages, not this project) and how to score them.

- ``pocketsphinx-testdata``: LibriVox read speech with a ``transcription`` file, the "cards"
  clips with ``cards.transcription``, and ``goforward.raw`` (16 kHz s16le).
- ``alsa-utils``: ``/usr/share/sounds/alsa/*.wav``, whose file names are the words spoken
  (``Front_Left.wav``), and ``Noise.wav``, which holds no speech at all.

Word error rate: ``app.bench.words`` (the benchmarks score transcripts the same way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.bench.words import edit_distance, normalize, word_errors

__all__ = ["edit_distance", "normalize", "word_errors"]

POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
NOISE_WAV = ALSA_SOUNDS / "Noise.wav"
GOFORWARD_RAW = POCKETSPHINX / "goforward.raw"
LIBRIVOX_0880 = POCKETSPHINX / "librivox/sense_and_sensibility_01_austen_64kb-0880.wav"


@dataclass(frozen=True)
class Recording:
    path: Path
    words: str  # what was said, lower case


def _sphinx_transcriptions(listing: Path, folder: Path) -> list[Recording]:
    recordings = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        match = re.match(r"<s>(.*)</s>\s*\((.*)\)", line.strip())
        if match:
            recordings.append(Recording(folder / f"{match[2]}.wav", match[1].strip()))
    return recordings


def librivox() -> list[Recording]:
    folder = POCKETSPHINX / "librivox"
    return _sphinx_transcriptions(folder / "transcription", folder)


def cards() -> list[Recording]:
    folder = POCKETSPHINX / "cards"
    return _sphinx_transcriptions(folder / "cards.transcription", folder)


def channel_names() -> list[Recording]:
    return [
        Recording(p, p.stem.replace("_", " ").lower()) for p in sorted(ALSA_SOUNDS.glob("*_*.wav"))
    ]


def goforward() -> Recording:
    return Recording(GOFORWARD_RAW, "go forward ten meters")


def white_noise(seconds: float, level: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * 16_000)) * level).astype(np.float32)
