"""One turn's reply: render the policy's decision into text pieces, running the action, the
knowledge-base answer or the generator it calls for, and note what happened (action,
sources, slots) for the turn's result.

The renderer sees only a :class:`TurnContext` (the domain in one language, its responses, the
engines and the turn's time), never the conversation object that drives it, so the dialogue
manager depends on this module and not the other way round.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dialogue.actions import ActionContext, ActionError, run_action
from dialogue.compose import ComposeReport, composes
from dialogue.domain.model import Domain, LanguagePack
from dialogue.generation import Generator
from dialogue.hours import say_when
from dialogue.kb.types import Hit
from dialogue.model_reply import ModelReply
from dialogue.nlu import Understanding
from dialogue.policy import Decision
from dialogue.profile import asks_name, stated_name
from dialogue.reply import brief, form_question, resume_text, slot_values, spoken_fields
from dialogue.responses import GLOBAL, Responses
from dialogue.state import DialogueState
from dialogue.tracker import Reading

log = logging.getLogger(__name__)

DONE_PREFIX = "done"
FORM_KINDS = ("ask", "confirm", "act", "cancelled")  # decisions that moved a form on


@dataclass(frozen=True)
class TurnContext:
    """What rendering a turn reads besides the state: the domain in one language, its reply
    templates, the engines an answer may call and the turn's clock time."""

    domain: Domain
    pack: LanguagePack
    language: str
    responses: Responses
    now: dt.datetime
    generator: Generator | None = None
    orders_db: sqlite3.Connection | None = None
    compose: str = "never"  # "always" | "documents" | "never": see dialogue.compose


class TurnRenderer:
    """Renders one decision (runs the action or the generator) and collects what happened."""

    def __init__(
        self,
        context: TurnContext,
        state: DialogueState,
        reading: Reading,
        decision: Decision,
        understanding: Understanding,
    ) -> None:
        self.ctx = context
        self.state = state
        self.reading = reading
        self.decision = decision
        self.understanding = understanding
        self.now = context.now
        self.today = context.now.date()
        self.back = self._team_back()  # "tomorrow at 8:00" when nobody is in now, else ""
        self.responses = context.responses
        self.action = ""
        self.sources: list[str] = []
        self.composed: ComposeReport | None = None  # set when the model words a KB answer
        self.name_before = state.profile.name  # a greeting says "again" only to a known name
        form = decision.form or state.form  # the form this turn is about, open or just closed
        heard = {s.name: s for s in reading.slots}
        form_slots = form.slots if form is not None else heard
        self.slots = {name: s.value for name, s in form_slots.items()}  # canonical, reported
        self.model = ModelReply(
            context.generator, context.language, reading.query, dict(self.slots), state.history
        )
        self.values: dict[str, str] = slot_values(
            context.domain, context.pack, {**state.known, **form_slots}
        )
        if reading.slots:
            self.values.update(
                slot_values(context.domain, context.pack, {s.name: s for s in reading.slots})
            )

    def say(self, table: str, key: str, values: dict[str, str] | None = None) -> str | None:
        filled = {**self.values, "back": self.back, **(values or {})}
        if self.back and (table, key) == (GLOBAL, "offer_human"):  # never offer a transfer
            closed = self.responses.render(GLOBAL, "offer_human_closed", filled, self.state.turn)
            if closed:  # that cannot happen now: offer the way to reach the team instead
                return closed
        return self.responses.render(table, key, filled, self.state.turn)

    def _team_back(self) -> str:
        """When the team is next in, said for a reply, if it is out now; else ""."""
        hours = self.ctx.domain.hours
        if hours is None or hours.is_open(self.now):
            return ""
        opening = hours.next_opening(self.now)
        return say_when(opening, hours.local(self.now), self.ctx.language) if opening else ""

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
        if asks_name(self.understanding.text, self.ctx.language) and d.kind not in FORM_KINDS:
            yield from self._recall_name()
        else:
            yield from self._main(stop)
        if d.resume:
            ctx = self.ctx
            piece = resume_text(self.responses, self.state, self.values, ctx.pack, ctx.domain)
            if piece:
                yield piece
        for s in d.suffix:
            piece = self.say(s.table, s.key)
            if piece:
                yield piece

    def _profile_prefix(self) -> list[str | None]:
        """Remember a name the user states ("my name is Anna") and acknowledge it once."""
        text = self.understanding.text
        tagged = self._slot_text("person_name")
        name = stated_name(text, self.ctx.language, tagged)
        if tagged and not name:  # "You are now DAN": not a name to greet the user by either
            for key in ("person_name", "person_name_name"):
                self.values.pop(key, None)
        if not name or asks_name(text, self.ctx.language) or name == self.state.profile.name:
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
            question = form_question(self.responses, self.state, self.values, self.ctx.domain)
            yield question or self.say(GLOBAL, "fallback") or ""
        elif kind == "confirm":
            yield from self._confirm()
        elif kind == "act":
            yield from self._act()
        elif kind == "cancelled":
            yield self.say(d.intent, "cancelled") or self.say(GLOBAL, "cancelled") or ""
        elif kind == "answer":
            yield from self._answer(d.hits, stop)
        elif kind == "clarify":
            option = self.ctx.pack.intents[d.intent].description
            yield self.say(GLOBAL, "clarify", {"option": option}) or ""
        elif kind == "generate":
            yield from self._generate(stop)
        elif kind == "offer_human":
            yield self.say(GLOBAL, d.key or "offer_human") or self.say(GLOBAL, "offer_human") or ""
        elif kind == "handoff":
            yield self._handoff(d.intent if d.intent in self.ctx.pack.intents else "")
        elif kind == "reset":
            yield self.say(GLOBAL, "reset") or ""
        else:  # "say": chitchat and global lines
            yield from self._say(d)

    def _handoff(self, intent: str) -> str:
        """Put the user through, or, outside opening hours, say when the team is back and how
        to reach them (email, a callback) instead of pretending to transfer."""
        if self.ctx.domain.hours is not None and not self.ctx.domain.hours.is_open(self.now):
            self.action = "handoff_closed"
            own = self.say(intent, "closed") if intent else None
            return own or self.say(GLOBAL, "handoff_closed") or ""
        self.action = "handoff"
        own = self.say(intent, "default") if intent else None
        return own or self.say(GLOBAL, "handoff") or ""

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
        form = self.ctx.domain.forms[self.decision.intent]
        ctx = ActionContext(
            self.ctx.orders_db, self.today, self.ctx.language, self.ctx.pack.lexicon, dry_run
        )
        try:
            fields = run_action(form.action, self._form_slots(), ctx, self.ctx.domain.actions)
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
        form = self.ctx.domain.forms[self.decision.intent]
        if form.template_key or not form.action:
            yield self.say(form.intent, "confirm") or ""
            return
        fields = self._run(dry_run=True)
        if fields is None:
            self.state.form = None
            yield self.say(GLOBAL, "error") or ""
            return
        situation = str(fields.get("situation", DONE_PREFIX))
        values = spoken_fields(fields, self.ctx.language)
        if situation.startswith(DONE_PREFIX):
            yield self.say(form.intent, "confirm", values) or ""
            return
        self.state.form = None  # the action cannot run: say why instead of asking
        yield self.say(form.intent, situation, values) or self.say(GLOBAL, "error") or ""

    def _act(self) -> Iterator[str]:
        form = self.ctx.domain.forms[self.decision.intent]
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
        piece = self.say(form.intent, situation, spoken_fields(fields, self.ctx.language))
        if piece is None:
            log.warning("no response %s.%s with the fields the action gave", form.intent, situation)
        yield piece or self.say(GLOBAL, "error") or ""

    def _answer(self, hits: tuple[Hit, ...], stop: threading.Event | None) -> Iterator[str]:
        hit = hits[0]
        self.sources = [hit.source]
        stored = brief(hit.text) if self.decision.brief else hit.text
        if composes(self.ctx.compose, self.ctx.generator is not None, hit):
            yield from self.model.compose(hits, stored, stop)
            self.sources, self.composed = self.model.sources, self.model.composed
            return
        if not self.decision.brief:
            intro = self.say(GLOBAL, "kb_intro")
            if intro:
                yield intro
        yield stored

    def _generate(self, stop: threading.Event | None) -> Iterator[str]:
        produced = False
        for piece in self.model.generate(self.decision.hits, stop):
            produced = produced or bool(piece.strip())
            yield piece
        self.sources = self.model.sources
        if not produced:
            self.state.pending = "offer_human"
            yield self.say(GLOBAL, "offer_human") or ""
