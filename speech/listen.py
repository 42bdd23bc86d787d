"""Listening: microphone frames -> VAD -> endpointer -> utterances with their audio.

This is where the pure endpointer meets audio. It keeps just enough recent frames to cut
out each utterance (pre-roll included) and passes the start of speech on at once, so a
caller can stop playback the moment the user starts talking (barge-in).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.endpoint import EndpointConfig, Endpointer, EndReason, SpeechEnded, SpeechStarted
from speech.vad import Vad

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Utterance:
    """One turn of speech; times are seconds since listening began."""

    audio: np.ndarray  # mono float32 16 kHz: pre-roll, speech, trailing silence
    start_s: float
    speech_start_s: float
    speech_end_s: float
    reason: EndReason


def _seconds(frame: int) -> float:
    return frame * FRAME_SAMPLES / SAMPLE_RATE


def listen(
    frames: Iterable[np.ndarray], vad: Vad, config: EndpointConfig | None = None
) -> Iterator[SpeechStarted | Utterance]:
    """Yield ``SpeechStarted`` when a turn begins and an ``Utterance`` when it ends.

    Runs the VAD on the caller's thread, one frame at a time; ends when ``frames`` does
    (closing an open turn with reason ``end_of_stream``).
    """
    config = config or EndpointConfig()
    endpointer = Endpointer(config)
    keep = config.max_frames + config.pre_roll_frames + config.end_frames + 1
    recent: deque[np.ndarray] = deque(maxlen=keep)  # recent[-1] is frame endpointer.frame - 1
    vad.reset()

    def cut(event: SpeechEnded) -> Utterance:
        first = endpointer.frame - len(recent)  # index of recent[0]
        chosen = list(recent)[max(0, event.start - first) : event.end - first]
        return Utterance(
            np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.float32),
            _seconds(event.start),
            _seconds(event.speech_start),
            _seconds(event.speech_end),
            event.reason,
        )

    for frame in frames:
        recent.append(frame)
        event = endpointer.push(vad.probability(frame))
        if isinstance(event, SpeechStarted):
            log.debug("speech started at %.2f s", _seconds(event.frame))
            yield event
        elif isinstance(event, SpeechEnded):
            yield cut(event)
    last = endpointer.flush()
    if last is not None:
        yield cut(last)
