"""What the user says in voice benchmarks and tests: real recordings and synthetic shop turns.

Real recordings by people come first: Debian's ``pocketsphinx-testdata`` (LibriVox and
"cards" clips) and ``alsa-utils`` (channel names). They are not about a shop, so the shop
turns a conversation needs are synthesised at run time with the bundled Piper voice and
written as WAV files named ``synthetic-piper-*.wav``: never committed, always labelled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CARDS = Path("/usr/share/pocketsphinx/test/data/cards")
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")

# Turns the shop answers from templates or its FAQ (the target: p50 <= 1 s to first audio).
TEMPLATE_KB_TURNS = (
    "Hello there.",
    "What are your opening hours?",
    "How much does shipping cost?",
    "Can I pay with PayPal?",
    "What is your phone number?",
    "How long does delivery take to Austria?",
    "How do I return an item?",
    "Thank you very much.",
)
# Questions no template or FAQ answers go to the chat model; each is followed by a greeting,
# because the dialogue offers a human instead once two turns in a row were not understood.
GENERATOR_TURNS = (
    "Tell me a joke.",
    "Hello.",
    "Write me a short poem about the sea.",
    "Hello.",
    "What is the meaning of life?",
    "Hello.",
    "What do you think about cats?",
    "Hello.",
)
# Knowledge questions whose best passage is a document: the chat model words the answer
# (generator.compose = "documents") when an adapter serves.
COMPOSED_TURNS = (
    "How big is the linen tablecloth?",
    "How many people does the tablecloth seat?",
    "What material is the bathrobe made of?",
    "How much does the waffle bath towel cost?",
)
# A long answer to talk over, for the barge-in trials.
LONG_ANSWER_TURN = "What are your opening hours?"
INTERRUPTION = "Sorry, how much does shipping cost?"
LEAD_S = 0.3  # silence before each synthetic utterance, as a microphone would have


@dataclass(frozen=True)
class Clip:
    """One utterance to play in: ``kind`` is template_kb, generator or recording."""

    path: Path
    text: str  # what is said (the reference transcript)
    kind: str
    synthetic: bool


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def synthesize_clips(
    texts: Iterable[str], kind: str, folder: Path, speak: Callable[[str], np.ndarray]
) -> list[Clip]:
    """Write each text, spoken by ``speak`` (16 kHz float32), as a labelled synthetic WAV."""
    import soundfile

    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, text in enumerate(texts):
        audio = np.asarray(speak(text), dtype=np.float32)
        lead = np.zeros(int(LEAD_S * SAMPLE_RATE), dtype=np.float32)
        path = folder / f"synthetic-piper-{kind}-{i:02d}-{_slug(text)}.wav"
        soundfile.write(path, np.concatenate([lead, audio, lead]), SAMPLE_RATE, subtype="PCM_16")
        clips.append(Clip(path, text, kind, synthetic=True))
    return clips


def real_recordings(limit: int = 5) -> list[Clip]:
    """LibriVox sentences read by a person (with their transcripts), when installed."""
    transcription = LIBRIVOX / "transcription"
    if not transcription.is_file():
        log.warning("pocketsphinx-testdata is not installed: no real recordings")
        return []
    clips = []
    for line in transcription.read_text(encoding="utf-8").splitlines():
        match = re.match(r"(.*)\s+\((\S+)\)\s*$", line)
        if not match:
            continue
        text, name = match.groups()
        text = text.replace("<s>", "").replace("</s>", "").strip().lower()
        path = LIBRIVOX / f"{name}.wav"
        if path.is_file():
            clips.append(Clip(path, text, "recording", synthetic=False))
    return clips[:limit]
