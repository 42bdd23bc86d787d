"""The seam between the dialogue manager and a reply generator (a chat model, local or served).

The manager decides *what* must be said (state, retrieved passages, recent history); a
generator only phrases it. Generators stream text pieces so speech can start with the first
sentence, and stop at the next piece when the ``stop`` event is set (barge-in).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    """A retrieved knowledge-base text the reply may use, with where it came from."""

    text: str
    source: str
    score: float = 0.0


@dataclass(frozen=True)
class Message:
    role: str  # "user" | "assistant"
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a generator may use; a grounded reply uses nothing else."""

    user_text: str
    language: str = "en"
    state: dict[str, str] = field(default_factory=dict)
    passages: tuple[Passage, ...] = ()
    history: tuple[Message, ...] = ()
    max_new_tokens: int = 96


class Generator(Protocol):
    def stream(
        self, request: GenerationRequest, stop: threading.Event | None = None
    ) -> Iterator[str]:
        """Yield the reply in pieces (tokens or words); return early once ``stop`` is set."""
        ...
