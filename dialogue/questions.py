"""Is this turn a general question? Cues the policy uses to answer from the knowledge base
rather than ask "did you mean ...?" or open a form.

"By what time do I have to order so that it leaves today?" is a question about the shop's
rules, even when the understanding model hears the intent to change a delivery date in it;
"When does my order arrive?" is about the customer's own order, and the form that looks it up
is the right answer. Pure string cues per language; no model.
"""

from __future__ import annotations

import re

_QUESTION = {
    "en": re.compile(
        r"\?\s*$|^\s*(how|what|when|where|which|who|why|whose|is|are|do|does|did|can|could|"
        r"will|would|should|may|might|must|shall|have|has)\b",
        re.I,
    ),
    "zh": re.compile(
        r"[?？]\s*$|吗|呢\s*$|多少|多久|多长|几|什么|怎么|怎样|哪|是否|能不能|可不可以|有没有|会不会"
    ),
}
# The customer's own things: a question about them is a task (look it up), not a rule.
_OWN = {
    "en": re.compile(
        r"\b(my|our)\s+(\w+\s+)?(order|orders|parcel|parcels|package|packages|refund|return|"
        r"delivery|shipment|purchase|item|items)\b",
        re.I,
    ),
    "zh": re.compile(r"我(的|们的)?(订单|包裹|快递|退款|退货|货|东西|商品)"),
}


def is_question(text: str, language: str) -> bool:
    """Whether ``text`` asks something (a question mark, a question word, 吗/几/多少 ...)."""
    pattern = _QUESTION.get(language, _QUESTION["en"])
    return bool(pattern.search(text))


def about_own(text: str, language: str) -> bool:
    """Whether ``text`` is about the customer's own order, parcel, refund or return."""
    pattern = _OWN.get(language, _OWN["en"])
    return bool(pattern.search(text))


def general_question(text: str, language: str) -> bool:
    """A question about how things work, not about the customer's own order."""
    return is_question(text, language) and not about_own(text, language)
