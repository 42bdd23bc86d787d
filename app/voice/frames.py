"""What flows between the stages of the voice loop: typed frames, each tagged with its turn.

Data frames travel in order through bounded queues and are dropped once their turn is stale
(a barge-in or typed text started a newer turn). Control frames take the fast lane: they are
handled on the loop the moment they are made, never queued behind audio and never dropped.
Times are ``time.monotonic()`` seconds; audio is mono float32 at 16 kHz.

Frames born in the speech layer keep their type, with ``turn_id`` set by the pipeline: the
start of speech (``speech.endpoint.SpeechStarted``, control), an utterance
(``speech.listen.Utterance``) and what was said (``speech.transcript.Transcript``, also a
typed turn). The reply's frames are born here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from speech.endpoint import SpeechStarted
from speech.listen import Utterance
from speech.transcript import Transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """Base of the frames born here: ``turn_id`` names the user turn the frame belongs to."""

    turn_id: int


# --- data frames (in order, dropped when stale) -------------------------------------------


@dataclass(frozen=True)
class SentenceFrame(Frame):
    """One sentence of the reply, ready for synthesis; ``index`` counts from 0 in the turn
    and ``start`` is where the sentence begins in the reply's text."""

    index: int
    text: str
    start: int = 0


@dataclass(frozen=True)
class SpeechAudioFrame(Frame):
    """A synthesised sentence waiting for the speaker."""

    sentence: SentenceFrame
    audio: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class ReplyEndFrame(Frame):
    """The reply is complete: follows the last sentence through synthesis and playback."""


# --- control frames (fast lane, never dropped) --------------------------------------------


@dataclass(frozen=True)
class InterruptFrame(Frame):
    """Stop the turn in progress now (user command or typed text); ``turn_id`` is the new turn."""

    reason: str = "command"


DataFrame = Utterance | Transcript | SentenceFrame | SpeechAudioFrame | ReplyEndFrame
ControlFrame = SpeechStarted | InterruptFrame
