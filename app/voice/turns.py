"""Book-keeping for one turn: what was said, what was replied, what was heard, and when.

The pipeline owns one :class:`TurnLog` per turn id and touches it only from the loop
thread. The one thing shared with other threads is ``stop``: setting it ends generation at
the next token and playback at the next audio block, which is how a barge-in reaches work
already running on the executors.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from app.voice.events import TurnDone
from app.voice.latency import TurnTimes

log = logging.getLogger(__name__)

NO_SPACE_SCRIPTS = ("\u3400", "\u9fff")  # CJK: heard text is cut by characters, not words


def _is_cjk(text: str) -> bool:
    lo, hi = NO_SPACE_SCRIPTS
    return any(lo <= ch <= hi for ch in text)


def heard_part(text: str, fraction: float) -> str:
    """The words of ``text`` the user heard when playback stopped after ``fraction`` of its
    audio. Rounds down: a word cut in the middle was not heard."""
    fraction = min(1.0, max(0.0, fraction))
    if fraction >= 1.0:
        return text
    if _is_cjk(text):
        return text[: math.floor(len(text) * fraction)]
    words = text.split()
    return " ".join(words[: math.floor(len(words) * fraction)])


@dataclass
class TurnLog:
    """A turn as it happens. ``state``: idle (nothing yet), active, or done."""

    turn_id: int
    stop: threading.Event = field(default_factory=threading.Event)
    state: str = "idle"
    transcript: str = ""
    typed: bool = False
    responded: bool = False  # the dialogue saw this turn (so it must hear what was heard)
    reply_drained: bool = False  # the dialogue's reply stream has ended
    cut_short: bool = False  # finished by an interruption
    told_heard: bool = False
    intent: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    utterance: np.ndarray | None = field(default=None, repr=False)
    playing: bool = False  # the speaker is busy with one of this turn's sentences
    played_any: bool = False
    times: TurnTimes = field(default_factory=TurnTimes)

    @property
    def in_progress(self) -> bool:
        return self.state == "active"

    def mark(self, **moments: float) -> None:
        """Record stage times; the first value of each stays (first sentence, first audio)."""
        fresh = {k: v for k, v in moments.items() if getattr(self.times, k) is None}
        if fresh:
            self.times = replace(self.times, **fresh)

    def done_event(self, interrupted: bool, done_s: float) -> TurnDone:
        self.state = "done"
        self.mark(done_s=done_s)
        return TurnDone(
            turn_id=self.turn_id,
            transcript=self.transcript,
            reply=" ".join(self.sentences)
            if not _is_cjk("".join(self.sentences))
            else "".join(self.sentences),
            heard=self.heard_text,
            intent=self.intent,
            source=self.source,
            interrupted=interrupted,
            times=self.times,
            extra=dict(self.extra),
        )

    @property
    def heard_text(self) -> str:
        joiner = "" if _is_cjk("".join(self.heard)) else " "
        return joiner.join(h for h in self.heard if h)
