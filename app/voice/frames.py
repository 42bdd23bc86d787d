"""What flows between the stages of the voice loop: typed frames, each tagged with its turn.

Data frames travel in order through bounded queues and are dropped once their turn is stale
(a barge-in or typed text started a newer turn). Control frames take the fast lane: they are
handled on the loop the moment they are made, never queued behind audio and never dropped.
Times are ``time.monotonic()`` seconds; audio is mono float32 at 16 kHz.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """Base of every frame: ``turn_id`` names the user turn the frame belongs to."""

    turn_id: int


# --- data frames (in order, dropped when stale) -------------------------------------------


@dataclass(frozen=True)
class UtteranceFrame(Frame):
    """One endpointed user utterance: pre-roll, speech, and the silence that ended it.

    ``speech_end_s`` is when the user stopped talking (end of the last speech frame);
    ``endpoint_s`` is when the endpointer decided the turn was over (``end_silence_ms`` later).
    """

    audio: np.ndarray = field(repr=False, compare=False)
    speech_start_s: float = 0.0
    speech_end_s: float = 0.0
    endpoint_s: float = 0.0


@dataclass(frozen=True)
class TranscriptFrame(Frame):
    """What the user said (recognised, or typed when ``typed``)."""

    text: str
    language: str = "en"
    typed: bool = False


@dataclass(frozen=True)
class SentenceFrame(Frame):
    """One sentence of the reply, ready for synthesis; ``index`` counts from 0 in the turn."""

    index: int
    text: str


@dataclass(frozen=True)
class SpeechAudioFrame(Frame):
    """A synthesised sentence waiting for the speaker."""

    index: int
    text: str
    audio: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class ReplyEndFrame(Frame):
    """The reply is complete: follows the last sentence through synthesis and playback."""

    reply: str
    intent: str = ""
    source: str = ""  # template | kb | generator | ... as the dialogue reports it


# --- control frames (fast lane, never dropped) --------------------------------------------


@dataclass(frozen=True)
class UserSpeechFrame(Frame):
    """The user started talking (after echo gating); starts turn ``turn_id``."""

    at_s: float


@dataclass(frozen=True)
class InterruptFrame(Frame):
    """Stop the turn in progress now (user command or typed text); ``turn_id`` is the new turn."""

    reason: str = "command"


DataFrame = UtteranceFrame | TranscriptFrame | SentenceFrame | SpeechAudioFrame | ReplyEndFrame
ControlFrame = UserSpeechFrame | InterruptFrame
