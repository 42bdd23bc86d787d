"""Checkable facts in a reply: numbers (prices, times, days, order numbers) and product codes.

The grounding criterion is deliberately mechanical so it can be re-run and argued with: a
reply is *supported* when every fact token in it also occurs in the texts it may draw on
(the passages, the customer's own words). A wrong price, an invented date or a made-up
product code shows up as an unsupported fact; a paraphrase of the passage does not. Chinese
numerals written as characters count too (九点九 is 9.9, 两天 is 2) when they are a number
for sure: two or more numeral characters, or one before a measure word (三个, 五天); a lone
一 in 一起 or 一下 is a word, not a number. An amount's currency is checked too: a price the
passages give in euros, said "at £69", has a grounded number and an invented currency.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"\b[A-Z]{1,5}-\d{2,}[A-Z0-9]*\b")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_ZH_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_ZH_NUMBER = re.compile(
    rf"[{_ZH_NUMERAL}][{_ZH_NUMERAL}点]*[{_ZH_NUMERAL}]|[{_ZH_NUMERAL}](?=[个天日元块件次周小分岁号月年欧])"
)
# A currency named in a reply, as its ISO code (symbols and the words for it, en and zh).
_CURRENCIES = (
    ("EUR", re.compile(r"€|\beuros?\b|欧元", re.IGNORECASE)),
    ("GBP", re.compile(r"£|\bpounds?\b|\bquid\b|英镑", re.IGNORECASE)),
    ("USD", re.compile(r"\$|\bdollars?\b|\busd\b|美元", re.IGNORECASE)),
    ("CNY", re.compile(r"¥|￥|\byuan\b|\brmb\b|人民币", re.IGNORECASE)),
    ("CHF", re.compile(r"\bfrancs?\b|\bchf\b|瑞士法郎", re.IGNORECASE)),
)


def currency_tokens(text: str) -> set[str]:
    """The currencies ``text`` names ("EUR", "GBP", ...)."""
    return {code for code, pattern in _CURRENCIES if pattern.search(text)}


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
    numbers |= {_chinese_number(n) for n in _ZH_NUMBER.findall(without_codes)}
    return codes | {n for n in numbers if n}


def _chinese_number(text: str) -> str:
    """A Chinese numeral as a canonical number ("" when it is not one cn2an can read)."""
    import cn2an

    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, TypeError):
        return ""
    return _number(
        f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    )


def unsupported_facts(reply: str, sources: list[str]) -> set[str]:
    """Fact tokens and currencies of ``reply`` that occur in none of ``sources``."""
    known: set[str] = set()
    for source in sources:
        known |= fact_tokens(source) | currency_tokens(source)
    return (fact_tokens(reply) | currency_tokens(reply)) - known


def contains_fact(reply: str, fact: str) -> bool:
    """Whether the expected ``fact`` (a number, code or phrase) is stated in ``reply``."""
    wanted = fact_tokens(fact)
    if wanted:
        return wanted <= fact_tokens(reply)
    return fact.lower() in reply.lower()
