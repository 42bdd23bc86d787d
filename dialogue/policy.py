"""Decide what to do next from the state and what the user just did. Pure: no I/O.

The rules, in order: a reset starts over; a human is handed over when asked for; task
intents fill their form (ask each missing slot, re-ask invalid ones, confirm when the form
says so, then run the action); questions go to the knowledge base; chitchat answers from a
template. What is not understood climbs a ladder, one rung per turn: one clarifying "did you
mean ...?", then the knowledge base, then the generator when one is configured, then the
offer of a human. A general question ("how long does a refund take?", not "where is my
refund?") that the knowledge base answers confidently is answered at once, whether the
understanding model was unsure or heard a task in it; one that asks for a quantity none of
the confident passages states ("how heavy is the throw?") gets "I don't know" and the
offer of a colleague (``dialogue.asked_fact``). Facts come only from actions (the
order database) and the knowledge base.
Frustration adds an apology and keeps replies brief; after ``frustration_turns`` such turns
a human is offered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dialogue.asked_fact import fact_missing
from dialogue.domain.model import Domain, LanguagePack
from dialogue.kb.types import Hit
from dialogue.questions import general_question
from dialogue.state import PENDING_CLARIFY, PENDING_HUMAN, DialogueState, FormState
from dialogue.tracker import Reading

NEGATIVE = ("frustrated", "angry")
GLOBAL = "_global"
COMPLAINT_INTENTS = frozenset({"complaint"})
ASKING_ACTS = frozenset({"new_task", "question", "unclear", "clarify_no"})  # may be a question


@dataclass(frozen=True)
class Say:
    """A reply piece from a response template: ``table`` is an intent or ``_global``."""

    table: str
    key: str


@dataclass(frozen=True)
class Decision:
    """What the reply does. ``kind``: ask | confirm | act | cancelled | answer | clarify |
    generate | offer_human | handoff | say | reset | reask.

    ``slot`` is the slot asked for; ``hits`` the knowledge-base answer or the passages a
    generator may use; ``prefix``/``suffix`` wrap the main reply (apology, correction,
    "back to your return: ...", the offer of a human); ``brief`` asks for the short form.
    """

    kind: str
    intent: str = ""
    slot: str = ""
    key: str = ""  # the response key of a "say" or "offer_human" decision
    hits: tuple[Hit, ...] = ()
    prefix: tuple[Say, ...] = ()
    suffix: tuple[Say, ...] = ()
    brief: bool = False
    resume: bool = False  # after the main reply, ask the open form's question again
    corrected: tuple[str, ...] = ()
    form: FormState | None = None  # the form just completed or cancelled (closed in the state)


@dataclass(frozen=True)
class PolicyContext:
    domain: Domain
    pack: LanguagePack
    hits: tuple[Hit, ...] = ()  # knowledge-base results for ``reading.query`` (best first)
    has_generator: bool = False
    emotion: str = "neutral"


def decide(
    state: DialogueState, reading: Reading, ctx: PolicyContext
) -> tuple[DialogueState, Decision]:
    """The next state and the decision for this turn (see the module doc for the rules)."""
    state = state.copy()
    steps_before = state.unclear_turns
    decision = _main(state, reading, ctx)
    if state.unclear_turns == steps_before:  # understood this turn: the ladder starts again
        state.unclear_turns = 0
    return state, _wrap(state, ctx, decision)


def _main(state: DialogueState, reading: Reading, ctx: PolicyContext) -> Decision:
    act = reading.act
    if act == "reset":
        return Decision("reset")
    if act == "handoff":
        state.form = None
        return Decision("handoff", intent=reading.intent)
    if act == "human_no":
        return Decision("say", intent=GLOBAL, key="human_declined", resume=state.form is not None)
    if act in ASKING_ACTS and _general(reading, ctx) and _fact_missing(reading, ctx):
        return _offer_human(state, key="dont_know")  # known topic, unknown fact: say so
    if act == "new_task" and _general(reading, ctx) and _answer(ctx) is not None:
        state.form = None  # a question about the rules, not this customer's own task
        return _answered(reading, ctx)
    if act in ("fill", "new_task", "confirm_yes", "confirm_no"):
        return _form_step(state, reading, ctx)
    if act == "question":
        best = _answer(ctx)
        if best is not None:
            return Decision(
                "answer",
                intent=reading.intent,
                hits=_with_passages(best, ctx),
                resume=state.form is not None,
            )
        if "default" in ctx.pack.responses.get(reading.intent, {}):  # the domain's short answer
            return Decision(
                "say", intent=reading.intent, key="default", resume=state.form is not None
            )
        return _ladder(state, reading, ctx, allow_clarify=False)
    if act == "chitchat":
        if reading.intent in COMPLAINT_INTENTS:  # its reply offers a colleague: "yes" hands over
            state.pending = PENDING_HUMAN
        return Decision("say", intent=reading.intent, key="default", resume=state.form is not None)
    if act == "clarify_no":
        return _ladder(state, reading, ctx, allow_clarify=False)
    if act == "stray":  # a "yes", "no" or bare detail with nothing open to apply it to
        if state.form is not None:
            return _reask(state, ctx)
        return Decision("say", intent=reading.intent, key="default")
    return _unclear(state, reading, ctx)


def _form_step(state: DialogueState, reading: Reading, ctx: PolicyContext) -> Decision:
    """Ask the next missing slot, re-ask an invalid one, confirm, or run the action."""
    assert state.form is not None
    form_state = state.form
    form = ctx.domain.forms[form_state.intent]
    corrected = reading.corrected
    if reading.act == "confirm_no":
        state.form = None
        return Decision("cancelled", intent=form.intent, form=form_state)
    for slot in reading.invalid:
        if slot in (*form.slots, *form.optional) and slot not in form_state.slots:
            form_state.requested = slot
            return Decision(
                "ask", intent=form.intent, slot=slot, prefix=(Say(form.intent, f"invalid_{slot}"),)
            )
    missing = [s for s in form.slots if s not in form_state.slots]
    if missing:
        if form_state.requested == missing[0] and reading.act == "fill" and not reading.slots:
            form_state.reasks += 1
        form_state.requested = missing[0]
        return Decision("ask", intent=form.intent, slot=missing[0], corrected=corrected)
    form_state.requested = None
    if form.confirm and reading.act != "confirm_yes":
        form_state.awaiting_confirm = True
        return Decision("confirm", intent=form.intent, corrected=corrected)
    state.form = None
    return Decision("act", intent=form.intent, corrected=corrected, form=form_state)


def _answer(ctx: PolicyContext) -> Hit | None:
    """The knowledge-base hit good enough to answer with, if any."""
    if ctx.hits and ctx.hits[0].confidence >= ctx.domain.policy.kb_min_score:
        return ctx.hits[0]
    return None


def _fact_missing(reading: Reading, ctx: PolicyContext) -> bool:
    """The question asks for a quantity (a weight, a size ...) that no confident passage
    states: reading the nearest passage out would answer something else."""
    threshold = ctx.domain.policy.kb_min_score
    return fact_missing(reading.query, ctx.hits, ctx.pack.language, threshold)


def _general(reading: Reading, ctx: PolicyContext) -> bool:
    """A general question (see ``dialogue.questions``) that gives none of the details its
    task's form asks for ("after a PayPal refund, how soon is the money back?" names a payment
    method, not the order the refund form needs)."""
    form = ctx.domain.forms.get(reading.intent)
    needed = set(form.slots) if form is not None else set()
    given = {s.name for s in reading.slots}
    return not (given & needed) and general_question(reading.query, ctx.pack.language)


def _answered(reading: Reading, ctx: PolicyContext) -> Decision:
    best = _answer(ctx)
    assert best is not None
    return Decision("answer", intent=reading.intent, hits=_with_passages(best, ctx))


def _with_passages(best: Hit, ctx: PolicyContext) -> tuple[Hit, ...]:
    """The answer's hits: the best one first (the stored answer), then the others retrieved,
    which a composed answer may also draw on."""
    return (best, *(h for h in ctx.hits if h is not best))


def _reask(state: DialogueState, ctx: PolicyContext) -> Decision:
    """Not understood while a form is open: say so and ask its question again."""
    assert state.form is not None
    state.form.reasks += 1
    if state.form.reasks > ctx.domain.policy.max_reasks:
        state.form.reasks = 0
        return _offer_human(state)
    slot = state.form.requested or ""
    return Decision(
        "reask", intent=state.form.intent, slot=slot, prefix=(Say("_global", "not_understood"),)
    )


def _unclear(state: DialogueState, reading: Reading, ctx: PolicyContext) -> Decision:
    if state.form is not None:
        best = _answer(ctx)
        if best is not None:  # a question the NLU missed, asked in the middle of a form
            return Decision("answer", intent="", hits=_with_passages(best, ctx), resume=True)
        return _reask(state, ctx)
    return _ladder(state, reading, ctx, allow_clarify=True)


def _ladder(
    state: DialogueState, reading: Reading, ctx: PolicyContext, allow_clarify: bool
) -> Decision:
    """One rung per not-understood turn: clarify, knowledge base, generator, a human."""
    step = state.unclear_turns
    state.unclear_turns += 1
    if step == 0 and _general(reading, ctx) and _answer(ctx) is not None:
        state.clarification = None  # a question the knowledge base answers: no "did you mean"
        state.unclear_turns = 0
        return _answered(reading, ctx)
    if allow_clarify and step == 0 and reading.candidate and state.clarification is not None:
        state.pending = PENDING_CLARIFY
        return Decision("clarify", intent=reading.candidate)
    best = _answer(ctx)
    if best is not None:
        return Decision("answer", intent=reading.intent, hits=_with_passages(best, ctx))
    if ctx.has_generator and step <= 1:
        return Decision("generate", intent=reading.intent, hits=ctx.hits)
    return _offer_human(state, key="dont_know")


def _offer_human(state: DialogueState, key: str = "offer_human") -> Decision:
    """Offer a colleague; ``dont_know`` says first that the answer is not known."""
    state.pending = PENDING_HUMAN
    return Decision("offer_human", key=key)


def _wrap(state: DialogueState, ctx: PolicyContext, decision: Decision) -> Decision:
    """Adapt to emotion: apology and brevity; offer a human after repeated frustration."""
    if ctx.emotion not in NEGATIVE:
        return decision
    prefix = (Say(GLOBAL, "apology_prefix"), *decision.prefix)
    suffix = decision.suffix
    frustrated = state.negative_turns >= ctx.domain.policy.frustration_turns
    if (
        frustrated
        and not state.frustration_offer
        and decision.kind not in ("offer_human", "handoff")
    ):
        state.frustration_offer = True  # once per conversation, not at every angry turn
        state.pending = PENDING_HUMAN
        suffix = (*suffix, Say(GLOBAL, "offer_human"))
    return replace(decision, prefix=prefix, suffix=suffix, brief=True)
