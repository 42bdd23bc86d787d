"""Checkable facts in a reply: numbers (prices, times, days, order numbers) and product codes.

The grounding criterion is deliberately mechanical so it can be re-run and argued with: a
reply is *supported* when every fact token in it also occurs in the texts it may draw on
(the passages, the customer's own words). A wrong price, an invented date or a made-up
product code shows up as an unsupported fact; a paraphrase of the passage does not. Chinese
numerals written as characters are not checked (the shop's texts use digits for facts).
"""

from __future__ import annotations

import re

_CODE = re.compile(r"\b[A-Z]{1,5}-\d{2,}[A-Z0-9]*\b")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _number(text: str) -> str:
    """Canonical number: decimal comma as point, trailing zero decimals dropped (4.90 = 4.9)."""
    text = text.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", text) else text.replace(",", "")
    if re.fullmatch(r"\d+\.\d+", text):
        text = text.rstrip("0").rstrip(".")
    return text


def fact_tokens(text: str) -> set[str]:
    """Product codes (upper-cased) and canonical numbers in ``text``."""
    codes = {c.upper() for c in _CODE.findall(text)}
    without_codes = _CODE.sub(" ", text)
    numbers = {_number(n.rstrip(".:,")) for n in _NUMBER.findall(without_codes)}
    return codes | {n for n in numbers if n}


def unsupported_facts(reply: str, sources: list[str]) -> set[str]:
    """Fact tokens of ``reply`` that occur in none of ``sources``."""
    known: set[str] = set()
    for source in sources:
        known |= fact_tokens(source)
    return fact_tokens(reply) - known


def contains_fact(reply: str, fact: str) -> bool:
    """Whether the expected ``fact`` (a number, code or phrase) is stated in ``reply``."""
    wanted = fact_tokens(fact)
    if wanted:
        return wanted <= fact_tokens(reply)
    return fact.lower() in reply.lower()
