"""Fakes of what the voice session itself defines: a scripted dialogue (``Conversation``)
and a log of the session's events. The speech engines' fakes are in ``tests/fakes/speech.py``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from app.voice.engines import ReplyInfo


class ScriptedConversation:
    """Replies from a script ``{user text: (intent, reply)}``; streams word by word with
    ``word_delay_s`` between words (a generator), else the whole reply at once (a template).
    Pieces come spaced, as the dialogue sends them: the reply is their concatenation."""

    def __init__(self, script: dict[str, tuple[str, str]], word_delay_s: float = 0.0) -> None:
        self.script, self.word_delay_s = script, word_delay_s
        self.calls: list[tuple[str, str]] = []  # ("respond" | "replied" | "heard", text)
        self.history: list[tuple[str, str]] = []

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        """Like the real manager, the history gets the reply once the stream has ended."""
        self.calls.append(("respond", text))
        intent, reply = self.script.get(text, ("oos", "Sorry, I did not get that."))
        produced = []
        if self.word_delay_s <= 0:
            produced.append(reply)
            yield reply
        else:
            for i, word in enumerate(reply.split()):
                if stop.wait(self.word_delay_s):
                    break
                piece = word if i == 0 else " " + word
                produced.append(piece)
                yield piece
        self.history += [("user", text), ("assistant", "".join(produced))]
        self.calls.append(("replied", text))
        yield ReplyInfo(intent, "generator" if self.word_delay_s else "template")

    def heard(self, text: str) -> None:
        self.calls.append(("heard", text))
        if self.history and self.history[-1][0] == "assistant":
            self.history[-1] = ("assistant", text)


class EventLog:
    """Collects a session's events; tests wait on a condition instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[tuple[float, object]] = []
        self._cond = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cond:
            self.events.append((time.monotonic(), event))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[object]], bool], timeout: float = 10.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.of_all()), timeout)
        assert ok, f"timed out; events: {[type(e).__name__ for e in self.of_all()]}"

    def of_all(self) -> list[object]:
        return [e for _, e in self.events]

    def of(self, kind: type) -> list:
        return [e for e in self.of_all() if isinstance(e, kind)]

    def time_of(self, event: object) -> float:
        return next(t for t, e in self.events if e is event)
