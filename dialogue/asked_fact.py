"""Does the knowledge base hold the kind of fact a question asks for?

"How heavy is the merino throw?" retrieves the throw's catalogue line with high confidence:
the topic is known. But the line gives colours, size and price, no weight, and reading it out
answers a question nobody asked. A question that asks for a measured quantity (a weight, a
length or size, a duration, a thread count, a head count) is answerable only from a passage
that states a value of that kind; when none of the confident passages does, the honest answer
is "I don't know, a colleague can find out". Pure string patterns per language; no model.

Only kinds whose values have a recognisable shape are checked (a number with its unit). Who
runs the company or whether students get a discount cannot be checked this way and are left
to retrieval's threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dialogue.kb.types import Hit

_NUM_EN = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_NUM_ZH = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千半]+)"

# What a question asks for: kind -> pattern over the question.
_ASKS = {
    "en": {
        "weight": r"\bhow heavy\b|\bweigh(?:s|t)?\b|\bgrams?\b|\bkilo(?:gram)?s?\b|\bgsm\b",
        "size": r"\bhow (?:big|long|wide|tall|high|large|deep)\b|\b(?:length|width|height|"
        r"dimensions?|measurements?)\b",
        "duration": r"\bhow long\b|\bhow many (?:days|weeks|hours|months|years)\b",
        "threads": r"\bthread ?count\b|\bhow many threads\b",
        "people": r"\bhow many (?:people|employees|staff|persons|workers)\b",
    },
    "zh": {
        "weight": r"多重|重量|重多少|多少克|几克|多少公斤|多少斤",
        "size": r"多长|多宽|多高|多大(?!金额|的金额)|尺寸|长度|宽度|高度",
        "duration": r"多长时间|多久|几天|几周|几个月|几年",
        "threads": r"支数|多少支",
        "people": r"多少(?:名|个|位)?(?:员工|人)",
    },
}
# What a passage must state for each kind: a number with its unit.
_STATES = {
    "en": {
        "weight": rf"{_NUM_EN}\s*(?:g|kg|grams?|kilo(?:gram)?s?|gsm|g/m2|g/m²)\b",
        "size": rf"{_NUM_EN}\s*(?:mm|cm|m|metres?|meters?|centimetres?|centimeters?|inch(?:es)?)\b"
        r"|\d+\s*[x×]\s*\d+",
        "duration": rf"{_NUM_EN}[\s-]*(?:(?:working|business|calendar)\s+)?"
        r"(?:days?|weeks?|hours?|months?|years?)\b",
        "threads": r"\d+\s*(?:threads?|tc)\b|thread ?count(?:\s+of)?\s+\d+",
        "people": rf"{_NUM_EN}\s*(?:people|employees|staff|persons|colleagues|workers)\b",
    },
    "zh": {
        "weight": rf"{_NUM_ZH}\s*(?:克|公斤|千克|斤|g|kg)",
        "size": rf"{_NUM_ZH}\s*(?:毫米|厘米|公分|米|mm|cm|m\b)|\d+\s*[x×]\s*\d+",
        "duration": rf"{_NUM_ZH}\s*(?:个)?(?:工作日|天|周|星期|小时|个月|月|年)",
        "threads": rf"{_NUM_ZH}\s*支",
        "people": rf"{_NUM_ZH}\s*(?:名|位|个)?(?:员工|人)",
    },
}
_ASK_RE = {lang: {k: re.compile(p, re.I) for k, p in ps.items()} for lang, ps in _ASKS.items()}
_STATE_RE = {lang: {k: re.compile(p, re.I) for k, p in ps.items()} for lang, ps in _STATES.items()}
PASSAGES_CHECKED = 3  # the confident hits a composed answer may draw on


def asked_kinds(question: str, language: str) -> frozenset[str]:
    """The kinds of quantity ``question`` asks for ("how long": a size or a duration)."""
    patterns = _ASK_RE.get(language, _ASK_RE["en"])
    return frozenset(kind for kind, pattern in patterns.items() if pattern.search(question))


def states_kind(text: str, kinds: frozenset[str], language: str) -> bool:
    """Whether ``text`` states a value of one of ``kinds`` (a number with its unit)."""
    patterns = _STATE_RE.get(language, _STATE_RE["en"])
    return any(patterns[kind].search(text) for kind in kinds)


def fact_missing(question: str, hits: Sequence[Hit], language: str, min_score: float) -> bool:
    """The knowledge base knows the topic (a hit at ``min_score`` or above) but none of its
    confident passages states the quantity the question asks for."""
    kinds = asked_kinds(question, language)
    confident = [h for h in hits[:PASSAGES_CHECKED] if h.confidence >= min_score]
    if not kinds or not confident:
        return False
    return not any(states_kind(f"{h.text}\n{h.matched}", kinds, language) for h in confident)
