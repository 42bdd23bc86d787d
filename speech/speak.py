"""Speaking a reply: split into sentences, synthesize one while the previous one plays.

Sentences play one after another on a playback thread while this one synthesizes the next,
so the first audio comes after one sentence's synthesis, not the whole reply's. A cancel
event (barge-in) stops synthesis at the next sentence and keeps sentences not yet begun from
playing; the caller stops the speaker itself, which cuts the sound within 50 ms.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from speech.audio import DTYPE, SAMPLE_RATE
from speech.errors import SynthesisError
from speech.sentences import speakable, split_sentences
from speech.speaker import Played, Speaker
from speech.synthesis import Synthesizer

log = logging.getLogger(__name__)

PAUSE_S = 0.15  # silence after each sentence, so joined sentences do not run together


@dataclass(frozen=True)
class SpokenSentence:
    """One sentence of a reply: its text, synthesis time and what was heard of it."""

    text: str
    synth_s: float
    played: Played | None  # None when its synthesis failed (skipped) or it was cancelled


def sentence_audio(
    text: str, synthesizer: Synthesizer, cancel: threading.Event | None = None
) -> Iterator[tuple[str, np.ndarray | None, float]]:
    """``(sentence, audio or None if it failed, seconds to synthesize)`` one by one, lazily.

    A failing sentence is logged and skipped, so one odd word never silences a whole reply.
    """
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=DTYPE)
    for sentence in split_sentences(speakable(text)):
        if cancel is not None and cancel.is_set():
            return
        started = time.perf_counter()
        try:
            audio = synthesizer.synthesize(sentence)
        except SynthesisError as e:
            log.warning("skipping a sentence: %s", e)
            yield sentence, None, time.perf_counter() - started
            continue
        yield sentence, np.concatenate([audio, pause]), time.perf_counter() - started


def synthesize_all(text: str, synthesizer: Synthesizer) -> np.ndarray:
    """The whole reply as one array (for writing a file)."""
    clips = [audio for _, audio, _ in sentence_audio(text, synthesizer) if audio is not None]
    return np.concatenate(clips) if clips else np.zeros(0, dtype=DTYPE)


def speak(
    text: str,
    synthesizer: Synthesizer,
    speaker: Speaker,
    cancel: threading.Event | None = None,
) -> list[SpokenSentence]:
    """Speak ``text`` and wait until it has been heard (or cancelled and stopped).

    Returns one entry per sentence, in order, with when it started and how much was heard.
    """
    stop = cancel or threading.Event()
    plays: list[tuple[str, float, Future[Played] | None]] = []
    with ThreadPoolExecutor(1, thread_name_prefix="speak") as player:
        for sentence, audio, synth_s in sentence_audio(text, synthesizer, stop):
            future = None
            if audio is not None and not stop.is_set():
                future = player.submit(speaker.play, audio, stop)
            plays.append((sentence, synth_s, future))
        return [SpokenSentence(t, s, f.result() if f else None) for t, s, f in plays]
