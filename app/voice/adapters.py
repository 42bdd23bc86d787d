"""Fit the real engines to the session's protocols (``app.voice.engines``).

The dialogue manager streams ``ReplyChunk`` pieces and ends with a ``TurnResult``; the
session wants text pieces and a ``ReplyInfo``, and a way to say what was heard of a reply
that was cut short. The pieces come already spaced (``dialogue.reply`` is the one place
pieces are joined), so they pass through as they are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

from app.voice.engines import ReplyInfo
from app.voice.expected import open_question
from speech.expectation import Expectation

log = logging.getLogger(__name__)

SOURCES = {"answer": "kb", "generate": "generator"}  # decision kind -> where the words came from


class DialogueConversation:
    """A ``dialogue.manager.DialogueManager`` as a :class:`~app.voice.engines.Conversation`."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def respond(self, text: str, stop: threading.Event) -> Iterator[str | ReplyInfo]:
        from dialogue.manager import ReplyChunk, TurnResult

        for item in self.manager.stream(text, stop):
            if isinstance(item, ReplyChunk):
                if item.text:
                    yield item.text
            elif isinstance(item, TurnResult):
                source = SOURCES.get(item.decision, "template")
                yield ReplyInfo(item.intent, source, item.to_json())

    def expectation(self) -> Expectation | None:
        """The answer the last reply asked for (call on the dialogue's worker)."""
        return open_question(self.manager)

    def forget(self) -> int:
        """Forget me: delete this user's stored history and profile; turns deleted."""
        return int(self.manager.forget_user())

    def heard(self, text: str) -> None:
        """Keep only the heard part of the last reply in the history the generator sees."""
        own = getattr(self.manager, "heard", None)
        if callable(own):
            own(text)
            return
        history = self.manager.state.history
        if history and history[-1].role == "assistant" and history[-1].text != text:
            # Until the manager has its own heard(): the last assistant message is this
            # turn's reply (the session calls this right after the reply's stream ends).
            history[-1].text = text
