"""The engines a voice session drives.

The devices and the speech models keep the protocols of the package that owns them
(``speech.microphone.Microphone``, ``speech.speaker.Speaker``, ``speech.vad.Vad``,
``speech.recognition.Recognizer``, ``speech.synthesis.Synthesizer``); here are only the
ones the session itself defines: the dialogue as a :class:`Conversation` and the sentence
aggregator. ``app.voice.build`` loads the real engines; ``tests/fakes/`` has a fake of
each. The device boundary (microphone, speaker) reports times on the monotonic clock,
because echo gating and latency both compare what was played with what was heard.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from speech.expectation import Expectation
from speech.microphone import Microphone
from speech.recognition import Recognizer
from speech.speaker import Speaker
from speech.synthesis import Synthesizer
from speech.turn_end import TurnModel
from speech.vad import Vad

log = logging.getLogger(__name__)


class SentenceStream(Protocol):
    """Collects reply pieces and releases whole sentences (``speech.sentences``)."""

    def push(self, piece: str) -> list[str]:
        """Add text; the sentences it completed."""
        ...

    def flush(self) -> list[str]:
        """The text is complete: the rest."""
        ...


@dataclass(frozen=True)
class ReplyInfo:
    """What a finished reply was: the intent it answered and where its words came from
    (template, kb, generator, ...); ``extra`` is shown in ``wenda talk --json``."""

    intent: str
    source: str
    extra: dict[str, object] = field(default_factory=dict)


class Conversation(Protocol):
    """The dialogue: understands a user turn and replies; remembers what was heard."""

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        """Understand ``text``, update the dialogue state, and yield the reply in pieces of
        any size (a template sentence, generator tokens), each carrying its own leading
        space where one belongs, so the reply is the pieces concatenated; then one
        :class:`ReplyInfo`. Ends early (still with the info) once ``stop`` is set."""
        ...

    def heard(self, text: str) -> None:
        """The last reply was cut short: the user heard only ``text`` of it (maybe nothing),
        and the history must keep just that. Called after the reply's stream has ended."""
        ...


@dataclass
class Engines:
    """Everything a session runs, loaded by the caller (``app.voice.build``) or faked."""

    microphone: Microphone
    speaker: Speaker
    vad: Vad
    recognizer: Recognizer
    synthesizer: Synthesizer
    conversation: Conversation
    sentences: Callable[[], SentenceStream]  # a fresh aggregator per reply
    # The answer the dialogue's last reply asked for (app.voice.expected); None: none.
    expectation: Callable[[], Expectation | None] | None = None
    turn_model: TurnModel | None = None  # is the user done at a pause? None: silence only
