"""Slot values: validate and normalise what the user said into the canonical value the
domain declares (slots.toml types + the language's lexicon), find a value the NLU missed,
say a value back in the user's language, and spot negation ("not the red one").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass

from dialogue.dates import format_date, parse_date
from dialogue.domain.model import SlotType
from dialogue.nlu.values import (
    NUMBER_WORDS,
    ZH_NUMERALS,
    parse_chinese_number,
    parse_english_number,
)

log = logging.getLogger(__name__)

_QUANTITY_PHRASES = {"a couple": 2, "a pair": 2}  # counts that are not number words
_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"\b(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*\b")
_ZH_NUMERAL_RUN = re.compile(f"[{ZH_NUMERALS}]+")
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


def _lexicon_matches(
    text: str, lexicon: dict[str, tuple[str, ...]], language: str
) -> list[tuple[int, int, str]]:
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


def parse_number(text: str, language: str) -> int | None:
    """The first count in ``text``: digits, Chinese numerals, English number words or "a
    couple"; the parsing itself is :mod:`dialogue.nlu.values`'."""
    t = _clean(text).lower()
    if match := re.search(r"\d+", t):
        return int(match.group())
    if language == "zh":
        run = _ZH_NUMERAL_RUN.search(t)
        return parse_chinese_number(run.group()) if run else None
    for phrase, number in _QUANTITY_PHRASES.items():
        if re.search(rf"\b{phrase}\b", t):
            return number
    run = _NUMBER_WORDS.search(t)
    return parse_english_number(run.group()) if run else None


def normalise(
    slot: SlotType,
    text: str,
    lexicon: dict[str, tuple[str, ...]],
    language: str,
    today: dt.date,
    hint: object = None,
) -> Value | None:
    """The canonical value of ``text`` for ``slot``, or None when it is not a valid value.

    ``hint`` is the NLU's own normalised value (an int or ISO date) and is used when valid.
    """
    cleaned = _clean(text)
    if not cleaned:
        return None
    if slot.type == "text":
        return Value(cleaned, cleaned)
    if slot.type == "pattern":
        compact = re.sub(r"[\s#]", "", cleaned)
        if re.fullmatch(slot.pattern, compact):
            return Value(compact, cleaned)
        if re.fullmatch(slot.pattern, compact.upper()):
            return Value(compact.upper(), cleaned)
        return None
    if slot.type == "choice":
        matches = _lexicon_matches(cleaned, lexicon, language)
        if matches:
            return Value(matches[0][2], cleaned)
        lowered = cleaned.lower()
        return Value(lowered, cleaned) if lowered in slot.values else None
    if slot.type == "number":
        number = (
            hint
            if isinstance(hint, int) and not isinstance(hint, bool)
            else parse_number(cleaned, language)
        )
        if number is None:
            return None
        if (slot.min is not None and number < slot.min) or (
            slot.max is not None and number > slot.max
        ):
            return None
        return Value(str(number), cleaned)
    if slot.type == "date":
        date = None
        if isinstance(hint, str):
            try:
                date = dt.date.fromisoformat(hint[:10])
            except ValueError:
                date = None
        date = date or parse_date(cleaned, language, today)
        return Value(date.isoformat(), cleaned) if date else None
    return None


def extract(
    slot: SlotType,
    text: str,
    lexicon: dict[str, tuple[str, ...]],
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


def display(slot: SlotType, value: str, lexicon: dict[str, tuple[str, ...]], language: str) -> str:
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
