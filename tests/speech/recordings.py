"""Real recordings made by people (Debian packages, not this project) and how to score them.

- ``pocketsphinx-testdata``: LibriVox read speech with a ``transcription`` file, the "cards"
  clips with ``cards.transcription``, and ``goforward.raw`` (16 kHz s16le).
- ``alsa-utils``: ``/usr/share/sounds/alsa/*.wav``, whose file names are the words spoken
  (``Front_Left.wav``), and ``Noise.wav``, which holds no speech at all.

Word error rate uses a small normaliser: lower case, punctuation and hyphens to spaces,
numbers 0-99 spelled out, and the titles Whisper abbreviates ("Mr." -> "mister").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
NOISE_WAV = ALSA_SOUNDS / "Noise.wav"
GOFORWARD_RAW = POCKETSPHINX / "goforward.raw"
LIBRIVOX_0880 = POCKETSPHINX / "librivox/sense_and_sensibility_01_austen_64kb-0880.wav"

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
ONES += "fifteen sixteen seventeen eighteen nineteen"
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


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


def _number_words(n: int) -> str:
    names = ONES.split()
    if n < 20:
        return names[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + names[n % 10])
    return " ".join(names[int(d)] for d in str(n))  # read digit by digit


def normalize(text: str) -> list[str]:
    """Words for scoring: case, punctuation, hyphens, digits and titles made uniform."""
    text = re.sub(r"[^\w\s']|_", " ", text.lower()).replace("'", "")
    words = []
    for word in text.split():
        if word.isdigit():
            words.extend(_number_words(int(word)).split())
        else:
            words.append(TITLES.get(word, word))
    return words


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        previous, row[0] = row[:], i
        for j, hyp_word in enumerate(hypothesis, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
    return row[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(errors, reference words) after normalising both."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def white_noise(seconds: float, level: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * 16_000)) * level).astype(np.float32)
