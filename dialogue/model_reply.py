"""The chat model's part of a turn: a knowledge answer in its words, or a reply when nothing
else fits. Builds the request (question, dialogue state, passages, recent history) and notes
the sources; the turn renderer (``dialogue.turn``) decides when to ask for either."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from dialogue.compose import (
    COMPOSE_HISTORY,
    COMPOSE_PASSAGES,
    ComposeReport,
    compose_answer,
    pick_passages,
)
from dialogue.generation import GenerationRequest, Generator, Message, Passage
from dialogue.kb.types import Hit

log = logging.getLogger(__name__)


class Said(Protocol):
    role: str
    text: str


class ModelReply:
    """One turn's use of the chat model; ``sources`` and ``composed`` say what it did."""

    def __init__(
        self,
        generator: Generator | None,
        language: str,
        question: str,
        slots: dict[str, str],
        history: Sequence[Said],
    ) -> None:
        self.generator = generator
        self.language = language
        self.question = question
        self.slots = slots
        self.history = history
        self.sources: list[str] = []
        self.composed: ComposeReport | None = None

    def compose(
        self, hits: Sequence[Hit], stored: str, stop: threading.Event | None
    ) -> Iterator[str]:
        """The knowledge answer from the best passage, checked (``dialogue.compose``)."""
        assert self.generator is not None
        request = self.request(pick_passages(hits, COMPOSE_PASSAGES), COMPOSE_HISTORY)
        self.sources = list(dict.fromkeys(p.source for p in request.passages))
        self.composed = ComposeReport()
        yield from compose_answer(self.generator, request, stored, stop, self.composed)

    def generate(self, hits: Sequence[Hit], stop: threading.Event | None) -> Iterator[str]:
        """A reply with no fitting answer: the model reads three passages and the history.
        A failure yields nothing (the caller offers a person); it never ends the turn."""
        assert self.generator is not None
        request = self.request(pick_passages(hits), len(self.history))
        self.sources = [p.source for p in request.passages]
        try:
            yield from self.generator.stream(request, stop)
        except Exception as e:  # a generator failure must not end the conversation
            log.error("generator failed: %s", e)

    def request(self, hits: Sequence[Hit], history: int) -> GenerationRequest:
        """What the chat model gets: the question, state, passages and the last messages."""
        return GenerationRequest(
            user_text=self.question,
            language=self.language,
            state=dict(self.slots),
            passages=tuple(Passage(h.text, h.source, h.confidence) for h in hits),
            history=tuple(Message(t.role, t.text) for t in self.history[-history:]),
        )
