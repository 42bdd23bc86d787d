"""Update the dialogue state from one NLU result: what did the user just do?

Pure: ``track(state, understanding, context)`` returns a new state and a :class:`Reading`
(the user's act plus what changed) and touches nothing else. Handles slot carry-over,
corrections (a later value for a slot replaces the earlier one; "no, the blue one",
"actually make it Tuesday", "改成周二"), negation ("not the red one"), answers to the
question just asked ("10482" while an order number is awaited), digressions (the open form
stays open) and starting over.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from dialogue.cues import RESET_INTENTS, asks_reset, is_correction, yes_or_no
from dialogue.domain.model import Domain, LanguagePack
from dialogue.nlu import Understanding
from dialogue.slots import extract, is_negated, normalise
from dialogue.state import (
    PENDING_CLARIFY,
    PENDING_HUMAN,
    Clarification,
    DialogueState,
    FormState,
    SlotValue,
)

INFORM_INTENTS = frozenset({"inform", "provide_info"})


Heard = tuple[SlotValue, bool]  # a value and whether it was negated ("not the red one")
Changes = tuple[list[str], list[str]]  # slot names corrected, slot names negated


@dataclass(frozen=True)
class TrackContext:
    """What tracking needs besides the state: the domain in one language, and today."""

    domain: Domain
    pack: LanguagePack
    language: str
    today: dt.date


@dataclass(frozen=True)
class Reading:
    """The user's act this turn and what it changed.

    ``act``: reset | fill | new_task | confirm_yes | confirm_no | question | chitchat |
    handoff | unclear | clarify_no | human_no | stray. ``intent`` is the intent acted on;
    ``query`` the text to look up in the knowledge base (the clarified one after "no").
    """

    act: str
    intent: str = ""
    confidence: float = 0.0
    query: str = ""
    corrected: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    candidate: str = ""
    slots: tuple[SlotValue, ...] = field(default=(), repr=False)


def _candidates(nlu: Understanding, ctx: TrackContext, turn: int) -> tuple[list[Heard], list[str]]:
    """NLU slots as normalised values, each with whether it was negated; invalid slot names."""
    values, invalid = [], []
    for slot in nlu.slots:
        spec = ctx.domain.slots.get(slot.label)
        if spec is None:
            continue
        lexicon = ctx.pack.lexicon.get(slot.label, {})
        value = normalise(spec, slot.text, lexicon, ctx.language, ctx.today, slot.value)
        if value is None:
            invalid.append(slot.label)
            continue
        negated = is_negated(nlu.text, slot.start, ctx.language)
        values.append(
            (SlotValue(slot.label, value.value, value.text, turn, "nlu", slot.confidence), negated)
        )
    return values, invalid


def _extract_requested(
    state: DialogueState, nlu: Understanding, ctx: TrackContext, turn: int, other_intent: bool
) -> list[Heard]:
    """The awaited slot found by the slot type itself when the NLU did not tag it."""
    form = state.form
    if form is None or form.requested is None:
        return []
    spec = ctx.domain.slots[form.requested]
    if spec.type == "text" and other_intent:
        return []  # a free-text answer must not swallow a real question
    found = extract(spec, nlu.text, ctx.pack.lexicon.get(spec.name, {}), ctx.language, ctx.today)
    if found is None:
        return []
    value, start, _ = found
    slot = SlotValue(spec.name, value.value, value.text, turn, "extracted", 1.0)
    return [(slot, is_negated(nlu.text, start, ctx.language))]


def _form_slots(ctx: TrackContext, intent: str) -> tuple[str, ...]:
    form = ctx.domain.forms[intent]
    return (*form.slots, *form.optional)


def _apply(state: DialogueState, values: list[Heard], ctx: TrackContext) -> Changes:
    """Write values into the form and the carry-over memory; returns (corrected, negated).

    A later value for a slot replaces the earlier one (a correction); a negated value is
    recorded as rejected and removed where it was the current value.
    """
    corrected: list[str] = []
    negated: list[str] = []
    form = state.form
    form_slots = form.slots if form is not None else {}
    for slot, is_negated_value in values:
        in_form = form is not None and slot.name in _form_slots(ctx, form.intent)
        if is_negated_value:
            state.rejected.setdefault(slot.name, []).append(slot.value)
            negated.append(slot.name)
            for table in (form_slots, state.known):
                if slot.name in table and table[slot.name].value == slot.value:
                    del table[slot.name]
            continue
        if slot.value in state.rejected.get(slot.name, []):
            state.rejected[slot.name].remove(slot.value)
        state.known[slot.name] = slot
        if in_form:
            previous = form_slots.get(slot.name)
            if previous is not None and previous.value != slot.value:
                corrected.append(slot.name)
            form_slots[slot.name] = slot
    return corrected, negated


def _start_form(state: DialogueState, intent: str, ctx: TrackContext) -> None:
    """Open the form for ``intent`` and carry over values heard earlier in the session."""
    form = ctx.domain.forms[intent]
    state.form = FormState(intent)
    for name in (*form.slots, *form.optional):
        if name in state.known:
            carried = state.known[name]
            state.form.slots[name] = SlotValue(
                name, carried.value, carried.text, carried.turn, "carried", carried.confidence
            )


def _filled(base: Reading, values: list[Heard], invalid: list[str], changes: Changes) -> Reading:
    return replace(
        base,
        corrected=tuple(changes[0]),
        negated=tuple(changes[1]),
        invalid=tuple(invalid),
        slots=tuple(v for v, _ in values),
    )


def track(
    state: DialogueState, nlu: Understanding, ctx: TrackContext, emotion: str = "neutral"
) -> tuple[DialogueState, Reading]:
    """The new state after the user said ``nlu.text``, and what they did (see module doc)."""
    state = state.copy()
    state.turn += 1
    if emotion in ("frustrated", "angry"):
        state.negative_turns += 1
    confident = not nlu.out_of_scope and nlu.confidence >= ctx.domain.policy.clarify_below
    kind = ctx.pack.kind(nlu.intent) if confident else ""
    base = Reading("", nlu.intent if confident else "", nlu.confidence, nlu.text)

    if (confident and nlu.intent in RESET_INTENTS) or asks_reset(nlu.text, ctx.language):
        state.reset()
        return state, replace(base, act="reset")

    values, invalid = _candidates(nlu, ctx, state.turn)
    yes_no = yes_or_no(nlu, ctx.language, confident)
    pending, state.pending = state.pending, None

    if pending == PENDING_HUMAN and yes_no and not values:
        return state, replace(base, act="handoff" if yes_no == "yes" else "human_no")
    if pending == PENDING_CLARIFY and state.clarification and yes_no and not values:
        clarified, state.clarification = state.clarification, None
        base = replace(base, query=clarified.text)
        if yes_no == "no":
            return state, replace(base, act="clarify_no")
        heard = [(s, False) for s in clarified.slots]
        kind = ctx.pack.kind(clarified.intent)
        return _act_on_intent(state, replace(base, intent=clarified.intent), kind, heard, [], ctx)

    if state.form is not None:
        answered = _answer_to_form(state, state.form, nlu, ctx, base, kind, values, invalid, yes_no)
        if answered is not None:
            return state, answered
    if not confident:
        _apply(state, values, ctx)  # remember values for later, act on nothing
        plausible = nlu.confidence >= ctx.domain.policy.clarify_min
        guess = nlu.intent if plausible and ctx.pack.kind(nlu.intent) not in ("", "control") else ""
        if guess:
            kept = [v for v, negated in values if not negated]
            state.clarification = Clarification(guess, nlu.text, kept)
        return state, replace(base, act="unclear", candidate=guess)
    if yes_no and kind == "control":
        return state, replace(base, act="stray")
    return _act_on_intent(state, base, kind, values, invalid, ctx)


def _answer_to_form(
    state: DialogueState,
    form: FormState,
    nlu: Understanding,
    ctx: TrackContext,
    base: Reading,
    kind: str,
    values: list[Heard],
    invalid: list[str],
    yes_no: str,
) -> Reading | None:
    """The user's turn read as an answer to the open form, or None if it is something else."""
    base = replace(base, intent=form.intent)
    other_intent = kind in ("faq", "chitchat", "handoff") or (
        kind == "task" and nlu.intent != form.intent
    )
    in_form = [v for v in values if v[0].name in _form_slots(ctx, form.intent)]
    if not in_form and not other_intent:
        values = values + _extract_requested(state, nlu, ctx, state.turn, other_intent)
        in_form = values
    if form.awaiting_confirm and yes_no and not in_form:
        return replace(base, act="confirm_yes" if yes_no == "yes" else "confirm_no")
    correcting = is_correction(nlu.text, ctx.language)
    answers = bool(in_form) and (not other_intent or correcting or _mostly_slots(nlu, values))
    if answers or (form.requested in invalid and not other_intent):
        changes = _apply(state, values, ctx)
        form.awaiting_confirm = False
        return replace(_filled(base, values, invalid, changes), act="fill")
    return None


def _mostly_slots(nlu: Understanding, values: list[Heard]) -> bool:
    """A short answer that is little more than the value ("the navy one", "10482 please")."""
    covered = sum(len(v.text) for v, _ in values)
    rest = re.sub(r"\s+", " ", nlu.text).strip()
    words_left = len(rest.split()) - sum(len(v.text.split()) for v, _ in values)
    return covered >= 0.5 * len(rest.replace(" ", "")) or words_left <= 3


def _act_on_intent(
    state: DialogueState,
    base: Reading,
    kind: str,
    values: list[Heard],
    invalid: list[str],
    ctx: TrackContext,
) -> tuple[DialogueState, Reading]:
    """A confident intent outside any open form's answer: start (or keep) its form, or ask."""
    if kind == "task":
        if state.form is None or state.form.intent != base.intent:
            _start_form(state, base.intent, ctx)
        changes = _apply(state, values, ctx)
        act = "fill" if changes[0] else "new_task"
        return state, replace(_filled(base, values, invalid, changes), act=act)
    _apply(state, values, ctx)
    if kind in ("faq", "chitchat", "handoff"):
        return state, replace(base, act="question" if kind == "faq" else kind)
    return state, replace(base, act="stray")
