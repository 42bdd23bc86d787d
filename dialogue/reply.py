"""Turn a policy decision into reply text: template keys, placeholder values, form questions.

Values a template may use: the form's slots said in the reply language (``{color}`` is
"blue" / "蓝色"), the action's fields (ISO dates are spoken: "Wednesday 18 March" /
"3月18日（周三）"), and ``{name}``, ``{title}``, ``{question}``, ``{option}``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dialogue.domain.model import Domain, LanguagePack
from dialogue.nlu.values import format_date
from dialogue.responses import GLOBAL, Responses
from dialogue.slots import display
from dialogue.state import DialogueState, SlotValue

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")


def slot_values(
    domain: Domain, pack: LanguagePack, slots: Mapping[str, SlotValue]
) -> dict[str, str]:
    """``{slot: spoken value, slot_name: spoken value}`` for templates."""
    values = {}
    for name, slot in slots.items():
        spec = domain.slots.get(name)
        spoken = (
            display(spec, slot.value, pack.lexicon.get(name, {}), pack.language)
            if spec
            else slot.value
        )
        values[name] = spoken
        values.setdefault(f"{name}_name", spoken)
    return values


def spoken_fields(fields: Mapping[str, Any], language: str) -> dict[str, str]:
    """Action fields as strings; ISO dates become spoken dates."""
    out = {}
    for key, value in fields.items():
        text = "" if value is None else str(value)
        if _ISO_DATE.match(text):
            text = format_date(dt.date.fromisoformat(text), language)
        out[key] = text
    return out


def form_question(
    responses: Responses, state: DialogueState, values: Mapping[str, str], domain: Domain
) -> str | None:
    """The open form's current question: the awaited slot's, or the confirmation."""
    form = state.form
    if form is None:
        return None
    key = (
        "confirm" if form.awaiting_confirm else f"ask_{form.requested}" if form.requested else None
    )
    if key is None:
        missing = [s for s in domain.forms[form.intent].slots if s not in form.slots]
        key = f"ask_{missing[0]}" if missing else None
    return responses.render(form.intent, key, values, state.turn) if key else None


def resume_text(
    responses: Responses,
    state: DialogueState,
    values: Mapping[str, str],
    pack: LanguagePack,
    domain: Domain,
) -> str | None:
    """The open form's question after a digression ("Back to your return. Which order?")."""
    if state.form is None:
        return None
    question = form_question(responses, state, values, domain)
    if not question:
        return None
    intent = pack.intents.get(state.form.intent)
    title = intent.title if intent else state.form.intent
    filled = {**values, "title": title, "question": question}
    resume = responses.render(GLOBAL, "resume_form", filled, state.turn)
    if not resume:
        return question
    if question in resume:
        return resume
    return join_pieces([resume, question], pack.language)  # "Back to your return." + question


def brief(text: str, sentences: int = 2) -> str:
    """The first ``sentences`` sentences (frustrated users get short answers)."""
    parts = [p for p in _SENTENCE.split(text.strip()) if p]
    joiner = "" if any("\u4e00" <= c <= "\u9fff" for c in text) else " "
    return joiner.join(parts[:sentences]) if len(parts) > sentences else text.strip()


def spaced(pieces: Iterable[str], language: str) -> Iterator[str]:
    """Reply pieces as they are sent on: each carries the space that goes before it, so a
    consumer (the chat, the voice, the window) just concatenates them.

    Generator pieces are sub-words that carry their own spaces ("L", "emon", "ade" is one
    word; " is" starts a new one), so they are kept as they are; a space goes only where a
    template sentence ends and the next begins without one ("Back to your return." + "Which
    order?"). Chinese gets no spaces between sentences. Empty pieces are dropped and the reply
    starts with its first character, not with a space."""
    before = ""
    for piece in pieces:
        if not before:
            piece = piece.lstrip()
        if not piece:
            continue
        if language != "zh" and _new_sentence(before, piece):
            piece = " " + piece
        before = piece
        yield piece


def join_pieces(pieces: Iterable[str], language: str) -> str:
    """Reply pieces as one text: the one place where pieces are joined (see :func:`spaced`;
    pieces that already went through it join to the same text)."""
    return "".join(spaced(pieces, language)).rstrip()


def _new_sentence(before: str, piece: str) -> bool:
    """Whether ``piece`` starts a sentence glued to the end of ``before`` ("3." + "50" is a
    number, not two sentences: only a capital letter after the stop counts)."""
    return bool(before) and before[-1:] in ".!?:;" and piece[:1].isalpha() and piece[:1].isupper()
