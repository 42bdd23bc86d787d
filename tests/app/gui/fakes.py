"""Stand-ins for the dialogue and the voice session, so window tests run in milliseconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    text: str


@dataclass(frozen=True)
class Result:
    user_text: str
    reply: str
    intent: str
    confidence: float
    sources: list[str] = field(default_factory=list)
    latency_ms: float = 12.0


class FakeDialogue:
    """Replies in two pieces; "slow" replies take a while so a test can interrupt them."""

    language = "en"

    def __init__(self) -> None:
        self.forgotten = 0
        self.memory = self
        self.user = "local"

    def stream(self, text: str, stop: threading.Event | None = None) -> Iterator[object]:
        if text == "boom":
            raise RuntimeError("the knowledge base is unreadable")
        pieces = ["Your order 12345 has shipped.", "It arrives on Tuesday."]
        if text.startswith("slow"):
            pieces = [f"word{i}" for i in range(200)]
        said = []
        for piece in pieces:
            if stop is not None and stop.is_set():
                break
            if text.startswith("slow"):
                time.sleep(0.02)
            said.append(piece)
            yield Chunk(piece)
        yield Result(text, " ".join(said), "check_order_status", 0.97, ["faq:shipping-times"])

    def forget(self, user: str) -> int:
        self.forgotten += 1
        return 0
