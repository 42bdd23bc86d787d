"""The dialogue's open question, as the words the recogniser should expect next.

After a reply, the dialogue may be waiting for one kind of answer: a yes or no (a
confirmation, a "did you mean ...?", an offer of a human), a form slot's value (a colour, a
size, a product, an order number). ``speech.expectation`` turns that into a hint for Whisper;
this module reads it off a ``dialogue.manager.DialogueManager`` (its state, domain and
language pack), which ``speech`` may not import.
"""

from __future__ import annotations

import logging
from typing import Any

from speech.expectation import Expectation, expect

log = logging.getLogger(__name__)

# Surface forms per value in a hint: the display name and one alternative is enough.
FORMS_PER_VALUE = 2


def slot_expectation(slot: Any, lexicon: dict[str, tuple[str, ...]], language: str) -> Expectation:
    """What answering ``slot`` (a ``dialogue.domain.model.SlotType``) sounds like: a choice
    slot's values as the language pack says them; digits for numbers and digit patterns."""
    if slot.type == "choice":
        forms = [f for v in slot.values for f in lexicon.get(v, (v,))[:FORMS_PER_VALUE]]
        return expect("choice", language, forms)
    if slot.type == "number":
        return expect("number", language)
    if slot.type == "pattern" and "\\d" in slot.pattern:
        return expect("digits", language)
    return Expectation("free", language)


def open_question(manager: Any) -> Expectation | None:
    """The answer ``manager``'s last reply asked for, or None when it asked nothing."""
    state, language = manager.state, manager.language
    form = state.form
    if form is not None and form.awaiting_confirm:
        return expect("yes_no", language)
    if form is not None and form.requested:
        slot = manager.domain.slots.get(form.requested)
        if slot is not None:
            lexicon = manager.pack.lexicon.get(slot.name, {})
            return slot_expectation(slot, lexicon, language)
    if state.clarification is not None or state.pending is not None:
        return expect("yes_no", language)
    return None
