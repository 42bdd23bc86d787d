"""Slot values: validate and normalise what the user said into the canonical value the
domain declares (slots.toml types + the language's lexicon), find a value the NLU missed,
say a value back in the user's language, and spot negation ("not the red one").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from dialogue.domain.model import SlotType
from dialogue.nlu.numbers import find_number
from dialogue.nlu.values import format_date, parse_date

log = logging.getLogger(__name__)

Lexicon = dict[str, tuple[str, ...]]  # canonical value -> the surface forms that say it

# A negation cue right before a value, with nothing but an article or "one of" in between.
_NEGATION_EN = re.compile(
    r"(?:\b(?:not|never|don't|dont|do not|doesn't|isn't|wasn't|without|except|rather than|"
    r"instead of)(?:\s+[a-z']+){0,2}|\bno)\s*$",
    re.IGNORECASE,
)
_NEGATION_ZH = re.compile(r"(?:不要|不是|别|不用|除了|而不是|不)(?:那个|这个|那|这|用|给我)?$")


@dataclass(frozen=True)
class Value:
    """A normalised slot value: ``value`` canonical (what actions get), ``text`` as heard."""

    value: str
    text: str


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip(".,!?;:。，！？；：\"'“”‘’")


def _lexicon_matches(text: str, lexicon: Lexicon, language: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of every lexicon surface form (or canonical value) in ``text``."""
    lowered = text.lower()
    found = []
    for canonical, surfaces in lexicon.items():
        for surface in {*surfaces, canonical}:
            needle = surface.lower()
            if language == "zh" and not needle.isascii():
                pattern = re.escape(needle)
            else:
                pattern = rf"(?<![\w-]){re.escape(needle)}(?![\w-])"
            found += [(m.start(), m.end(), canonical) for m in re.finditer(pattern, lowered)]
    # the longest match at each place wins ("navy blue" over "blue")
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    kept: list[tuple[int, int, str]] = []
    for match in found:
        if not kept or match[0] >= kept[-1][1]:
            kept.append(match)
    return kept


@dataclass(frozen=True)
class _Said:
    """What a normaliser gets: the slot, the cleaned text and its surroundings."""

    slot: SlotType
    text: str
    lexicon: Lexicon
    language: str
    today: dt.date
    hint: object  # the NLU's own normalised value (an int, a float or an ISO date), or None


def _text(said: _Said) -> str | None:
    return said.text


def _pattern(said: _Said) -> str | None:
    """The value with spaces and "#" gone, upper-cased where only that matches ("ab12")."""
    compact = re.sub(r"[\s#]", "", said.text)
    return next((v for v in (compact, compact.upper()) if re.fullmatch(said.slot.pattern, v)), None)


def _choice(said: _Said) -> str | None:
    """The canonical value of the first lexicon form said, or a canonical value itself."""
    matches = _lexicon_matches(said.text, said.lexicon, said.language)
    if matches:
        return matches[0][2]
    lowered = said.text.lower()
    return lowered if lowered in said.slot.values else None


def _number(said: _Said) -> str | None:
    """The NLU's number, else the first number in the text; within the slot's min and max."""
    hint = said.hint
    valid_hint = isinstance(hint, int | float) and not isinstance(hint, bool)
    number = hint if valid_hint else find_number(said.text, said.language)
    if not isinstance(number, int | float):
        return None
    slot = said.slot
    if (slot.min is not None and number < slot.min) or (slot.max is not None and number > slot.max):
        return None
    return str(number)


def _date(said: _Said) -> str | None:
    """The NLU's ISO date, else the first date in the text (:mod:`dialogue.nlu.values`)."""
    if isinstance(said.hint, str):
        try:
            return dt.date.fromisoformat(said.hint[:10]).isoformat()
        except ValueError:
            pass  # a time only ("17:00"): read the text
    date = parse_date(said.text, said.language, said.today)
    return date.isoformat() if date else None


NORMALISERS: dict[str, Callable[[_Said], str | None]] = {
    "text": _text,
    "pattern": _pattern,  # order ids, e-mail addresses
    "choice": _choice,  # colours, sizes, products, countries (through the lexicon)
    "number": _number,  # quantities
    "date": _date,
}


def normalise(
    slot: SlotType,
    text: str,
    lexicon: Lexicon,
    language: str,
    today: dt.date,
    hint: object = None,
) -> Value | None:
    """The canonical value of ``text`` for ``slot``, or None when it is not a valid value.

    ``hint`` is the NLU's own normalised value (a number or ISO date) and is used when valid;
    the normaliser is looked up by the slot's type in :data:`NORMALISERS`.
    """
    cleaned = _clean(text)
    normaliser = NORMALISERS.get(slot.type)
    if not cleaned or normaliser is None:
        return None
    value = normaliser(_Said(slot, cleaned, lexicon, language, today, hint))
    return Value(value, cleaned) if value is not None else None


def extract(
    slot: SlotType,
    text: str,
    lexicon: Lexicon,
    language: str,
    today: dt.date,
) -> tuple[Value, int, int] | None:
    """Find a value for ``slot`` anywhere in ``text`` (the NLU missed it): value, start, end.

    Used only for the slot the assistant has just asked for, so a bare "10482" or "the navy
    one" is understood as the answer. Free-text slots take the whole utterance.
    """
    if slot.type == "pattern":
        core = slot.pattern.removeprefix("^").removesuffix("$")
        for match in re.finditer(
            rf"(?<![0-9A-Za-z]){core}(?![0-9A-Za-z])",
            unicodedata.normalize("NFKC", text),
            re.IGNORECASE,
        ):
            value = normalise(slot, match.group(), lexicon, language, today)
            if value:
                return value, match.start(), match.end()
        return None
    if slot.type == "choice":
        matches = _lexicon_matches(text, lexicon, language)
        if matches:
            start, end, canonical = matches[-1]  # "not red, blue": the last one named
            return Value(canonical, text[start:end]), start, end
        return None
    value = normalise(slot, text, lexicon, language, today)
    return (value, 0, len(text)) if value else None


def is_negated(text: str, start: int, language: str) -> bool:
    """Whether the value starting at ``start`` is negated ("not the red one", "不要红色的")."""
    before = text[:start]
    if language == "zh":
        return bool(_NEGATION_ZH.search(before.rstrip()))
    return bool(_NEGATION_EN.search(before))


def display(slot: SlotType, value: str, lexicon: Lexicon, language: str) -> str:
    """How a reply says a canonical value: the lexicon's first form, a spoken date, as is."""
    if slot.type == "date":
        try:
            return format_date(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    surfaces = lexicon.get(value)
    if surfaces and (language == "zh" or slot.type == "choice"):
        return surfaces[0]
    return value
