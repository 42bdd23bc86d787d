"""What a voice session tells front ends (events) and what they ask of it (commands).

One small frozen dataclass per kind, so a GUI or CLI matches on type instead of parsing a
code and a dict. A fact keeps the type it was born as: the start of speech is the
endpointer's ``speech.endpoint.SpeechStarted`` and what was said the recognizer's
``speech.transcript.Transcript``, the same objects the pipeline passes between its stages.
Events are delivered from the session's thread: a front end hands them to its own thread
(the Qt bridge re-emits them as a signal). Commands go the other way through
``session.submit(command)``, which is safe from any thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from app.voice.latency import TurnTimes
from speech.endpoint import SpeechStarted as SpeechStarted  # re-exported: one type a fact
from speech.transcript import Transcript as Transcript

log = logging.getLogger(__name__)

# --- events: session -> front end ---------------------------------------------------------


@dataclass(frozen=True)
class Listening:
    """The session is waiting for the user to speak (after start and after every turn)."""

    turn_id: int


@dataclass(frozen=True)
class Thinking:
    """The dialogue is working on a reply."""

    turn_id: int


@dataclass(frozen=True)
class ReplyText:
    """One sentence of the reply, as soon as it is known (before it is spoken)."""

    turn_id: int
    index: int
    text: str


@dataclass(frozen=True)
class Speaking:
    """Playback of sentence ``index`` started at ``at_s`` (monotonic seconds)."""

    turn_id: int
    index: int
    text: str
    at_s: float


@dataclass(frozen=True)
class SentencePlayed:
    """Sentence ``index`` stopped playing: whole, or cut short by an interruption;
    ``ended_s`` is when the speaker fell silent (monotonic seconds)."""

    turn_id: int
    index: int
    text: str
    heard_text: str
    fraction: float
    interrupted: bool
    ended_s: float | None = None


@dataclass(frozen=True)
class TurnDone:
    """A turn is over. ``heard`` is the part of the reply the user heard (all of it unless
    interrupted); the dialogue history keeps only that part."""

    turn_id: int
    transcript: str
    reply: str
    heard: str
    intent: str
    source: str
    interrupted: bool
    times: TurnTimes
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Error:
    """A stage failed for this turn; the session goes on listening."""

    turn_id: int
    stage: str
    message: str


@dataclass(frozen=True)
class InputLevel:
    """Microphone loudness for a level meter, 0 (silence, -60 dBFS) to 1 (full scale);
    about 20 a second while the microphone is open (not muted)."""

    level: float


@dataclass(frozen=True)
class MicrophoneChanged:
    """The microphone was opened (``open``) or closed, by Mute, FinishUtterance or a device."""

    open: bool


@dataclass(frozen=True)
class Ready:
    """The session's models are loaded and commands are served. ``voice`` False: only typed
    turns work (``reason`` says why: no microphone, no speech models)."""

    voice: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Stopped:
    """The session has ended (``reason``: stop command, end of the input, or an error)."""

    reason: str


Event = (
    Listening
    | SpeechStarted
    | Transcript
    | Thinking
    | ReplyText
    | Speaking
    | SentencePlayed
    | TurnDone
    | Error
    | InputLevel
    | MicrophoneChanged
    | Ready
    | Stopped
)

# --- commands: front end -> session -------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Open the microphone and start listening."""


@dataclass(frozen=True)
class Stop:
    """End the session: stop playback and generation, close devices, shut the loop down."""


@dataclass(frozen=True)
class Mute:
    """Ignore the microphone while ``muted`` (typed text still works)."""

    muted: bool = True


@dataclass(frozen=True)
class Interrupt:
    """Stop the reply in progress, as if the user had barged in."""


@dataclass(frozen=True)
class TypedText:
    """A typed user turn: skips the microphone and ASR."""

    text: str


@dataclass(frozen=True)
class FinishUtterance:
    """Push-to-talk released: what was heard so far is the utterance (no waiting for the
    end-of-speech silence), then the microphone closes."""


@dataclass(frozen=True)
class SpeakReplies:
    """Speak replies aloud (``on``) or only show them as text."""

    on: bool = True


@dataclass(frozen=True)
class ForgetMe:
    """Delete everything the dialogue stored about this user (history and profile)."""


Command = Start | Stop | Mute | Interrupt | TypedText | FinishUtterance | SpeakReplies | ForgetMe
