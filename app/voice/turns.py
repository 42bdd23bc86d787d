"""The turns of a conversation: what each one is doing, what it said and heard, and its end.

A :class:`Turn` moves through :class:`TurnState` (waiting -> hearing -> answering -> done
or cut); separately its reply stream moves through :class:`ReplyStream`, because a reply
the user cut short goes on streaming until the dialogue has finished its turn, and only
then may the dialogue be told what was heard. :class:`Turns` keeps the current turn and
ends turns; the pipeline and its stages touch both only from the loop thread. The one
thing shared with other threads is a turn's ``stop``: setting it ends generation at the
next token and playback at the next audio block, which is how a barge-in reaches work
already running on the executors.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from app.voice import events as ev
from app.voice.latency import TurnTimes

log = logging.getLogger(__name__)


class TurnState(enum.Enum):
    WAITING = "waiting"  # the turn is only an id: nobody has spoken or typed yet
    HEARING = "hearing"  # the user is talking, or what they said is being recognised
    ANSWERING = "answering"  # the dialogue has their words: a reply is made and spoken
    DONE = "done"  # answered in full, or there was nothing to answer
    CUT = "cut"  # ended early: a newer turn, an interruption or an error


class ReplyStream(enum.Enum):
    """Where the dialogue is with the turn's reply. It records a reply in its history once
    the stream has ended, so what was heard of a cut reply is told only after that."""

    NOT_ASKED = "not asked"
    STREAMING = "streaming"
    ENDED = "ended"
    HEARD_TOLD = "heard told"  # the dialogue was told what the user heard of a cut reply


@dataclass
class Reply:
    """The reply as it is made and heard. ``text`` is the dialogue's pieces concatenated
    (the dialogue spaces them: ``dialogue.reply`` is the one place pieces are joined);
    sentences are slices of it, so what was said and heard are prefixes of it."""

    text: str = ""
    sentences: int = 0  # sentences sent on to the voice
    said_until: int = 0  # end of the last of them in ``text``
    heard_until: int = 0  # end of what the user heard of ``text``
    intent: str = ""
    source: str = ""  # template | kb | generator | ... as the dialogue reports it
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def said(self) -> str:
        return self.text[: self.said_until].strip()

    @property
    def heard(self) -> str:
        return self.text[: self.heard_until].strip()


@dataclass
class Turn:
    """One turn as it happens."""

    turn_id: int
    stop: threading.Event = field(default_factory=threading.Event)
    state: TurnState = TurnState.WAITING
    stream: ReplyStream = ReplyStream.NOT_ASKED
    transcript: str = ""
    # What the user said before a pause, when they went on talking before the dialogue saw
    # it: recognised again together with the rest, so nothing they said is lost.
    utterance: np.ndarray | None = field(default=None, repr=False)
    reply: Reply = field(default_factory=Reply)
    times: TurnTimes = field(default_factory=TurnTimes)

    @property
    def in_progress(self) -> bool:
        return self.state in (TurnState.HEARING, TurnState.ANSWERING)

    def mark(self, **moments: float) -> None:
        """Record stage times; the first value of each stays (first sentence, first audio)."""
        fresh = {k: v for k, v in moments.items() if getattr(self.times, k) is None}
        if fresh:
            self.times = replace(self.times, **fresh)

    def end(self, cut: bool, done_s: float) -> ev.TurnDone:
        """Close the turn (done, or cut short) and describe it."""
        self.state = TurnState.CUT if cut else TurnState.DONE
        self.mark(done_s=done_s)
        reply = self.reply
        return ev.TurnDone(
            turn_id=self.turn_id,
            transcript=self.transcript,
            reply=reply.said,
            heard=reply.heard,
            intent=reply.intent,
            source=reply.source,
            interrupted=cut,
            times=self.times,
            extra=dict(reply.extra),
        )


class Turns:
    """The current turn, and the end of every turn: its events, and telling the dialogue
    what was heard of a cut reply (``tell_heard``, called off the loop by the caller)."""

    def __init__(self, emit: Callable[[Any], None], tell_heard: Callable[[str], None]) -> None:
        self.emit = emit
        self._tell_heard = tell_heard
        self.current = Turn(turn_id=0)
        self.input_ended = False
        self.finished = asyncio.Event()  # set when the input ended and the last turn is done

    def live(self, turn_id: int) -> Turn | None:
        """The current turn if ``turn_id`` is it and it is still running, else None (stale)."""
        turn = self.current
        return turn if turn_id == turn.turn_id and turn.in_progress else None

    def begin(self, turn_id: int) -> Turn:
        """Make turn ``turn_id`` the current one; returns the one it replaces."""
        old, self.current = self.current, Turn(turn_id=turn_id)
        return old

    def finish(self, turn: Turn, cut: bool) -> None:
        """End ``turn`` (once): its TurnDone, and Listening if it was the current one."""
        if turn.state in (TurnState.DONE, TurnState.CUT):
            return
        self.emit(turn.end(cut, time.monotonic()))
        self.tell_heard(turn)
        if turn is self.current:
            self.emit(ev.Listening(turn.turn_id))
        self.check_finished()

    def tell_heard(self, turn: Turn) -> None:
        """Once a cut turn is over and its reply stream has ended (the dialogue has
        recorded the whole reply by then), tell the dialogue what the user really heard."""
        if turn.state is TurnState.CUT and turn.stream is ReplyStream.ENDED:
            turn.stream = ReplyStream.HEARD_TOLD
            self._tell_heard(turn.reply.heard)

    def fail(self, turn_id: int, stage: str, error: Exception) -> None:
        """A stage failed on this turn: report it and end the turn, the session goes on."""
        self.emit(ev.Error(turn_id, stage, f"{type(error).__name__}: {error}"))
        turn = self.live(turn_id)
        if turn is not None:
            turn.stop.set()
            self.finish(turn, cut=True)

    def end_input(self) -> None:
        self.input_ended = True
        self.check_finished()

    def check_finished(self) -> None:
        if self.input_ended and not self.current.in_progress:
            self.finished.set()
