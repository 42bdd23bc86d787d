"""One conversation: text in, reply out, with state, knowledge, actions, emotion and memory.

``DialogueManager.stream(text)`` yields :class:`ReplyChunk` pieces as soon as each is known
(a template sentence, or a generator's tokens) so speech can start early, then one
:class:`TurnResult`; ``turn(text)`` returns just the result. The engines (NLU, retriever,
generator) come in through small protocols; the order database and memory are passed in.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialogue.actions import ActionContext, ActionError, run_action
from dialogue.domain.model import Domain
from dialogue.emotion import detect_emotion
from dialogue.generation import GenerationRequest, Generator, Message, Passage
from dialogue.kb.types import Hit
from dialogue.memory import Memory, TurnRecord
from dialogue.nlu import Understanding
from dialogue.policy import Decision, PolicyContext, decide
from dialogue.profile import asks_name, stated_name
from dialogue.reply import (
    brief,
    form_question,
    join_pieces,
    resume_text,
    slot_values,
    spoken_fields,
)
from dialogue.responses import GLOBAL, Responses
from dialogue.state import DialogueState
from dialogue.tracker import Reading, TrackContext, track

log = logging.getLogger(__name__)

KB_ACTS = ("question", "unclear", "clarify_no")
FORM_KINDS = ("ask", "confirm", "act", "cancelled")  # decisions that moved a form on
DONE_PREFIX = "done"


class Nlu(Protocol):
    def predict(
        self, texts: Sequence[str], now: dt.datetime | None = None
    ) -> list[Understanding]: ...


class Retriever(Protocol):
    def search(self, query: str, k: int = 3) -> list[Hit]: ...


@dataclass(frozen=True)
class ReplyChunk:
    """A piece of the reply, ready to be shown or spoken."""

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
        self.responses = Responses(self.pack)
        self.session_id = uuid.uuid4().hex[:12]
        self.state = DialogueState()
        if memory is not None:
            self.state.profile = memory.profile(user)

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
        """Yield reply pieces as they are ready, then the :class:`TurnResult`."""
        started = time.perf_counter()
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
        turn = _Turn(self, state, reading, decision, understanding, now.date())
        pieces: list[str] = []
        for piece in turn.pieces(stop):
            pieces.append(piece)
            yield ReplyChunk(piece)
        reply = join_pieces(pieces, self.language)
        state.remember("user", text)
        state.remember("assistant", reply)
        self.state = state
        result = TurnResult(
            user_text=text,
            reply=reply,
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
        )
        self._store(result)
        yield result

    def _search(self, reading: Reading) -> list[Hit]:
        if self.retriever is None or reading.act not in KB_ACTS:
            return []
        return self.retriever.search(reading.query, k=3)

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


class _Turn:
    """Renders one decision (runs the action or the generator) and collects what happened."""

    def __init__(
        self,
        manager: DialogueManager,
        state: DialogueState,
        reading: Reading,
        decision: Decision,
        understanding: Understanding,
        today: dt.date,
    ) -> None:
        self.m = manager
        self.state = state
        self.reading = reading
        self.decision = decision
        self.understanding = understanding
        self.today = today
        self.responses = manager.responses
        self.action = ""
        self.sources: list[str] = []
        self.name_before = state.profile.name  # a greeting says "again" only to a known name
        form = decision.form or state.form  # the form this turn is about, open or just closed
        heard = {s.name: s for s in reading.slots}
        form_slots = form.slots if form is not None else heard
        self.slots = {name: s.value for name, s in form_slots.items()}  # canonical, reported
        self.values: dict[str, str] = slot_values(
            manager.domain, manager.pack, {**state.known, **form_slots}
        )
        if reading.slots:
            self.values.update(
                slot_values(manager.domain, manager.pack, {s.name: s for s in reading.slots})
            )

    def say(self, table: str, key: str, values: dict[str, str] | None = None) -> str | None:
        return self.responses.render(table, key, {**self.values, **(values or {})}, self.state.turn)

    def pieces(self, stop: threading.Event | None) -> Iterator[str]:
        """Reply pieces in order: prefix, main reply, suffix."""
        d = self.decision
        for piece in (*self._profile_prefix(), *(self.say(s.table, s.key) for s in d.prefix)):
            if piece:
                yield piece
        if d.corrected:
            slot = d.corrected[-1]
            piece = self.say(GLOBAL, "corrected", {"value": self.values.get(slot, "")})
            if piece:
                yield piece
        if asks_name(self.understanding.text, self.m.language) and d.kind not in FORM_KINDS:
            yield from self._recall_name()
        else:
            yield from self._main(stop)
        if d.resume:
            piece = resume_text(self.responses, self.state, self.values, self.m.pack, self.m.domain)
            if piece:
                yield piece
        for s in d.suffix:
            piece = self.say(s.table, s.key)
            if piece:
                yield piece

    def _profile_prefix(self) -> list[str | None]:
        """Remember a name the user states ("my name is Anna") and acknowledge it once."""
        text = self.understanding.text
        name = stated_name(text, self.m.language, self._slot_text("person_name"))
        if not name or asks_name(text, self.m.language) or name == self.state.profile.name:
            return []
        self.state.profile.name = name
        self.values["name"] = self.values["person_name"] = name
        if self.decision.intent == "provide_name" and self.responses.has("provide_name", "default"):
            return []  # its own template will greet them by name
        return [self.say(GLOBAL, "remember_name")]

    def _slot_text(self, label: str) -> str:
        return next((s.text for s in self.understanding.slots if s.label == label), "")

    def _recall_name(self) -> Iterator[str]:
        name = self.state.profile.name
        piece = (
            self.say(GLOBAL, "recall_name", {"name": name})
            if name
            else self.say(GLOBAL, "unknown_name")
        )
        if piece:
            yield piece

    def _main(self, stop: threading.Event | None) -> Iterator[str]:
        d = self.decision
        kind = d.kind
        if kind in ("ask", "reask"):
            question = form_question(self.responses, self.state, self.values, self.m.domain)
            yield question or self.say(GLOBAL, "fallback") or ""
        elif kind == "confirm":
            yield from self._confirm()
        elif kind == "act":
            yield from self._act()
        elif kind == "cancelled":
            yield self.say(d.intent, "cancelled") or self.say(GLOBAL, "cancelled") or ""
        elif kind == "answer":
            yield from self._answer(d.hits[0])
        elif kind == "clarify":
            option = self.m.pack.intents[d.intent].description
            yield self.say(GLOBAL, "clarify", {"option": option}) or ""
        elif kind == "generate":
            yield from self._generate(stop)
        elif kind == "offer_human":
            yield self.say(GLOBAL, d.key or "offer_human") or self.say(GLOBAL, "offer_human") or ""
        elif kind == "handoff":
            self.action = "handoff"
            own = self.say(d.intent, "default") if d.intent in self.m.pack.intents else None
            yield own or self.say(GLOBAL, "handoff") or ""
        elif kind == "reset":
            yield self.say(GLOBAL, "reset") or ""
        else:  # "say": chitchat and global lines
            yield from self._say(d)

    def _say(self, d: Decision) -> Iterator[str]:
        name = self.state.profile.name
        named = {"name": name, "person_name": name} if name else {}
        if d.intent == "greet" and self.name_before:  # a returning user is greeted by name
            piece = self.say(d.intent, "returning", named) or self.say(GLOBAL, "greet_name", named)
            if piece:
                yield piece
                return
        piece = self.say(d.intent, d.key or "default", named) if d.intent else None
        yield piece or self.say(GLOBAL, "fallback") or ""

    def _form_slots(self) -> dict[str, str]:
        """Canonical values of the decision's form (the form may already be closed)."""
        form = self.decision.form or self.state.form
        return {name: s.value for name, s in form.slots.items()} if form is not None else {}

    def _run(self, dry_run: bool) -> dict[str, Any] | None:
        form = self.m.domain.forms[self.decision.intent]
        ctx = ActionContext(
            self.m.orders_db, self.today, self.m.language, self.m.pack.lexicon, dry_run
        )
        try:
            fields = run_action(form.action, self._form_slots(), ctx)
        except ActionError as e:
            log.error("%s", e)
            return None
        if not dry_run:
            self.action = form.action
            order_id = self.slots.get("order_id")
            if order_id and order_id not in self.state.profile.orders:
                self.state.profile.orders.append(order_id)
        return fields

    def _confirm(self) -> Iterator[str]:
        form = self.m.domain.forms[self.decision.intent]
        if form.template_key or not form.action:
            yield self.say(form.intent, "confirm") or ""
            return
        fields = self._run(dry_run=True)
        if fields is None:
            self.state.form = None
            yield self.say(GLOBAL, "error") or ""
            return
        situation = str(fields.get("situation", DONE_PREFIX))
        values = spoken_fields(fields, self.m.language)
        if situation.startswith(DONE_PREFIX):
            yield self.say(form.intent, "confirm", values) or ""
            return
        self.state.form = None  # the action cannot run: say why instead of asking
        yield self.say(form.intent, situation, values) or self.say(GLOBAL, "error") or ""

    def _act(self) -> Iterator[str]:
        form = self.m.domain.forms[self.decision.intent]
        if form.template_key:
            self.action = form.action
            yield self.say(form.intent, form.template_key) or ""
            return
        fields = self._run(dry_run=False)
        if fields is None:
            yield self.say(GLOBAL, "error") or ""
            return
        situation = str(fields.get("situation", DONE_PREFIX))
        for slot in ("color", "size"):
            if slot in self.slots:
                self.state.profile.preferences[slot] = self.slots[slot]
        piece = self.say(form.intent, situation, spoken_fields(fields, self.m.language))
        if piece is None:
            log.warning("no response %s.%s with the fields the action gave", form.intent, situation)
        yield piece or self.say(GLOBAL, "error") or ""

    def _answer(self, hit: Hit) -> Iterator[str]:
        self.sources = [hit.source]
        if not self.decision.brief:
            intro = self.say(GLOBAL, "kb_intro")
            if intro:
                yield intro
        yield brief(hit.text) if self.decision.brief else hit.text

    def _generate(self, stop: threading.Event | None) -> Iterator[str]:
        assert self.m.generator is not None
        hits = self.decision.hits
        self.sources = [h.source for h in hits]
        request = GenerationRequest(
            user_text=self.reading.query,
            language=self.m.language,
            state={k: v for k, v in self.slots.items()},
            passages=tuple(Passage(h.text, h.source, h.confidence) for h in hits),
            history=tuple(Message(t.role, t.text) for t in self.state.history),
        )
        produced = False
        try:
            for piece in self.m.generator.stream(request, stop):
                produced = produced or bool(piece.strip())
                yield piece
        except Exception as e:  # a generator failure must not end the conversation
            log.error("generator failed: %s", e)
        if not produced:
            self.state.pending = "offer_human"
            yield self.say(GLOBAL, "offer_human") or ""
