"""One conversation: text in, reply out, with state, knowledge, actions, emotion and memory.

``DialogueManager.stream(text)`` yields :class:`ReplyChunk` pieces as soon as each is known
(a template sentence, or a generator's tokens) so speech can start early, already spaced so
that concatenating them gives the reply, then one :class:`TurnResult`; ``turn(text)``
returns just the result. The engines (NLU, retriever, generator) come in through small
protocols; the order database and memory are passed in.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dialogue.domain.model import Domain
from dialogue.emotion import detect_emotion
from dialogue.generation import Generator
from dialogue.kb.types import Hit
from dialogue.memory import Memory, TurnRecord
from dialogue.nlu import Understanding
from dialogue.policy import PolicyContext, decide
from dialogue.reply import join_pieces, spaced
from dialogue.responses import GLOBAL, Responses
from dialogue.state import DialogueState, Profile
from dialogue.tracker import Reading, TrackContext, track
from dialogue.turn import TurnContext, TurnRenderer
from dialogue.user_text import readable, written_language

log = logging.getLogger(__name__)

KB_ACTS = ("question", "unclear", "clarify_no", "new_task")  # new_task: a general question?
SEARCH_HITS = 8  # enough for a composed answer to find the best document unit among them


class Nlu(Protocol):
    def predict(
        self, texts: Sequence[str], now: dt.datetime | None = None
    ) -> list[Understanding]: ...


class Retriever(Protocol):
    def search(self, query: str, k: int = 3) -> list[Hit]: ...


@dataclass(frozen=True)
class ReplyChunk:
    """A piece of the reply, ready to be shown or spoken. It carries the space that goes
    before it (none in Chinese, none at the start), so the pieces of a turn concatenated are
    the reply."""

    text: str


@dataclass(frozen=True)
class TurnResult:
    """Everything about one turn (the chat command prints it as one JSON line)."""

    user_text: str
    reply: str
    intent: str
    confidence: float
    out_of_scope: bool
    slots: dict[str, str]
    action: str
    emotion: str
    sources: list[str]
    latency_ms: float
    decision: str = ""
    nlu_intent: str = ""
    language: str = "en"
    turn: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_text": self.user_text,
            "reply": self.reply,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "out_of_scope": self.out_of_scope,
            "slots": self.slots,
            "action": self.action,
            "emotion": self.emotion,
            "sources": self.sources,
            "latency_ms": round(self.latency_ms, 1),
            "decision": self.decision,
            "nlu_intent": self.nlu_intent,
            "language": self.language,
            "turn": self.turn,
            **{k: self.extra[k] for k in ("written_language", "compose") if k in self.extra},
        }


class DialogueManager:
    """A conversation in one language with one user (see the module doc)."""

    def __init__(
        self,
        domain: Domain,
        language: str,
        nlu: Nlu,
        retriever: Retriever | None = None,
        generator: Generator | None = None,
        orders_db: sqlite3.Connection | None = None,
        memory: Memory | None = None,
        user: str = "local",
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        compose: str = "never",
    ) -> None:
        self.domain = domain
        self.language = language
        self.pack = domain.pack(language)
        self.nlu = nlu
        self.retriever = retriever
        self.generator = generator
        self.orders_db = orders_db
        self.memory = memory
        self.user = user
        self.clock = clock
        self.compose = compose  # "always" | "documents" | "never": see dialogue.compose
        self.responses = Responses(self.pack)
        self.session_id = uuid.uuid4().hex[:12]
        self.state = DialogueState()
        if memory is not None:
            self.state.profile = memory.profile(user)

    def reset(self) -> None:
        """Start the conversation over (the task and its slots; the profile stays)."""
        self.state.reset()

    def forget_user(self) -> int:
        """Delete everything stored about this user ("forget me"); returns turns deleted."""
        deleted = self.memory.forget(self.user) if self.memory is not None else 0
        self.state.profile = Profile()
        return deleted

    def export_user(self) -> dict[str, Any]:
        """Everything stored about this user ("export my data"), JSON-ready."""
        if self.memory is None:
            return {"user": self.user, "profile": {}, "history": []}
        return self.memory.export(self.user)

    def wrote_file(self, path: Path, kind: str = "export") -> None:
        """Note a file written with this user's data (an export), for "forget me"."""
        if self.memory is not None:
            self.memory.remember_file(self.user, path, kind)

    def heard(self, text: str) -> None:
        """Keep only the part of the last reply the user heard (the voice loop calls this
        after a barge-in): the history the generator sees and the stored turn both say
        ``text`` instead, so the conversation never builds on words that were not spoken."""
        history = self.state.history
        if not history or history[-1].role != "assistant":
            return
        history[-1].text = text
        if self.memory is not None:
            self.memory.set_reply(self.user, self.session_id, self.state.turn, text)

    def turn(self, text: str) -> TurnResult:
        """Run one turn to the end and return its result."""
        result = None
        for item in self.stream(text):
            if isinstance(item, TurnResult):
                result = item
        assert result is not None
        return result

    def stream(
        self, text: str, stop: threading.Event | None = None
    ) -> Iterator[ReplyChunk | TurnResult]:
        """Yield reply pieces as they are ready, then the :class:`TurnResult`. Any text is
        taken (:func:`dialogue.user_text.readable`); text in another language is answered
        with a word about the language, not understood as this one."""
        started = time.perf_counter()
        text = readable(text)
        if (written := written_language(text)) and written != self.language:
            yield from self._other_language(text, written, started)
            return
        now = self.clock()
        understanding = self.nlu.predict([text], now=now)[0]
        emotion = detect_emotion(text, self.language)
        ctx = TrackContext(self.domain, self.pack, self.language, now.date())
        state, reading = track(self.state, understanding, ctx, emotion.label)
        hits = self._search(reading)
        policy_ctx = PolicyContext(
            self.domain, self.pack, tuple(hits), self.generator is not None, emotion.label
        )
        state, decision = decide(state, reading, policy_ctx)
        turn = TurnRenderer(self._context(now), state, reading, decision, understanding)
        pieces: list[str] = []
        for piece in spaced(turn.pieces(stop), self.language):
            pieces.append(piece)
            yield ReplyChunk(piece)
        result = TurnResult(
            user_text=text,
            reply=join_pieces(pieces, self.language),
            intent=reading.intent
            or ("oos" if understanding.out_of_scope else understanding.intent),
            confidence=understanding.confidence,
            out_of_scope=understanding.out_of_scope,
            slots=turn.slots,
            action=turn.action,
            emotion=emotion.label,
            sources=turn.sources,
            latency_ms=(time.perf_counter() - started) * 1000,
            decision=decision.kind,
            nlu_intent=understanding.intent,
            language=self.language,
            turn=state.turn,
            extra={"compose": asdict(turn.composed)} if turn.composed is not None else {},
        )
        yield self._finish(state, result)

    def _other_language(
        self, text: str, written: str, started: float
    ) -> Iterator[ReplyChunk | TurnResult]:
        """The turn of a message written in another language: say so, understand nothing."""
        state = self.state.copy()
        state.turn += 1
        reply = self.responses.render(GLOBAL, "other_language", {}, state.turn) or ""
        yield ReplyChunk(reply)
        latency_ms = (time.perf_counter() - started) * 1000
        result = TurnResult(text, reply, "other_language", 1.0, True, {}, "", "neutral", [],
                            latency_ms, "other_language", "", self.language, state.turn,
                            {"written_language": written})  # fmt: skip
        yield self._finish(state, result)

    def _finish(self, state: DialogueState, result: TurnResult) -> TurnResult:
        """The turn is over: it joins the state's history and the memory database."""
        state.remember("user", result.user_text)
        state.remember("assistant", result.reply)
        self.state = state
        self._store(result)
        return result

    def _context(self, now: dt.datetime) -> TurnContext:
        return TurnContext(
            self.domain,
            self.pack,
            self.language,
            self.responses,
            now,
            self.generator,
            self.orders_db,
            self.compose,
        )

    def _search(self, reading: Reading) -> list[Hit]:
        if self.retriever is None or reading.act not in KB_ACTS:
            return []
        return self.retriever.search(reading.query, k=SEARCH_HITS)

    def _store(self, result: TurnResult) -> None:
        if self.memory is None:
            return
        record = TurnRecord(
            self.session_id,
            result.turn,
            self.language,
            result.user_text,
            result.reply,
            result.intent,
            result.emotion,
            result.action,
            result.slots,
        )
        self.memory.record_turn(self.user, record, self.state.profile)
