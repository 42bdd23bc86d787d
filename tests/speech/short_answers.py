"""Short answers recorded by people, cut from the Debian recordings in ``recordings``.

No registry package carries the free spoken digit dataset or speech commands, so the short
answers are cut from what is installed: the pocketsphinx "cards" speakers saying a card
("five", "ten of clubs"), "go forward ten meters", and the TIDIGITS string "two nine three
four zero". Each cut is a word span located once with Whisper's word timestamps, widened
by ``MARGIN_S`` so no phoneme is lost; the words are the recordings' own transcriptions.
Every clip also comes band-limited to 8 kHz (telephone audio, down and up again).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.audio import SAMPLE_RATE, resample
from speech.audio_file import load_audio
from tests.speech.recordings import POCKETSPHINX

MARGIN_S = 0.05


@dataclass(frozen=True)
class ShortAnswer:
    source: str  # file name under the pocketsphinx test data
    start_s: float
    end_s: float
    words: str


# (file, start, end, words): single digits and a few short card answers.
ANSWERS = (
    ShortAnswer("cards/001.wav", 0.0, 0.30, "ten"),
    ShortAnswer("cards/002.wav", 0.0, 0.48, "four"),
    ShortAnswer("cards/003.wav", 0.0, 0.48, "seven"),
    ShortAnswer("cards/004.wav", 0.0, 0.58, "five"),
    ShortAnswer("cards/004.wav", 0.58, 1.10, "five"),
    ShortAnswer("cards/004.wav", 0.0, 1.10, "five five"),
    ShortAnswer("cards/005.wav", 0.0, 0.38, "eight"),
    ShortAnswer("cards/005.wav", 2.22, 2.54, "seven"),
    ShortAnswer("goforward.raw", 1.02, 1.46, "ten"),
    ShortAnswer("tidigits/dhd.2934z.raw", 0.0, 1.40, "two nine three four zero"),
    ShortAnswer("cards/001.wav", 0.0, 1.10, "ten of clubs"),
    ShortAnswer("cards/003.wav", 0.0, 1.10, "seven of clubs"),
)


def _raw(path: str) -> np.ndarray:
    full = POCKETSPHINX / path
    if full.suffix == ".raw":
        return np.fromfile(full, dtype="<i2").astype(np.float32) / 32768.0
    return load_audio(full)


def clip(answer: ShortAnswer, rate_hz: int = SAMPLE_RATE) -> np.ndarray:
    """The answer's audio at 16 kHz; ``rate_hz`` 8000 band-limits it to telephone audio."""
    audio = _raw(answer.source)
    start = max(0, int((answer.start_s - MARGIN_S) * SAMPLE_RATE))
    end = min(len(audio), int((answer.end_s + MARGIN_S) * SAMPLE_RATE))
    cut = audio[start:end]
    if rate_hz != SAMPLE_RATE:
        cut = resample(resample(cut, SAMPLE_RATE, rate_hz), rate_hz, SAMPLE_RATE)
    return cut.astype(np.float32)
