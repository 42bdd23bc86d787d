"""What a user typed or said, made safe to understand, and which language it is written in.

Every front end hands the dialogue raw text: a terminal line decoded leniently can hold lone
surrogates (the tokenizer then fails with a ``TypeError`` about its internals), a pasted
file holds control characters, a script can send a megabyte on one line. :func:`readable`
turns any of it into text the models can read; :func:`written_language` tells Chinese from
English by script, so a Chinese question in an English conversation is answered with a word
about the language instead of a confident wrong intent.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2000  # far beyond what the NLU reads (64 tokens); keeps history rows sane
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` without control characters (tabs and line breaks become spaces), lone
    surrogates replaced by U+FFFD, runs of spaces collapsed, at most :data:`MAX_CHARS`."""
    text = _SURROGATE.sub("\ufffd", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" or char in "\u2028\u2029":
            kept.append(" " if char in "\t\n\r\v\f\u2028\u2029" else "")
        elif category not in ("Cf", "Cs", "Co", "Cn") or char == "\u200d":
            kept.append(char)
    return " ".join("".join(kept).split())[:MAX_CHARS]


def written_language(text: str) -> str:
    """``"zh"`` when Chinese characters carry the text, ``"en"`` when Latin words do (three or
    more and no Chinese), ``""`` when it cannot tell (a number, "ok", an emoji)."""
    han = len(_HAN.findall(text))
    latin = _LATIN_WORD.findall(text)
    if han >= 2 and han >= sum(len(w) for w in latin) / 4:
        return "zh"
    if han == 0 and len(latin) >= 3:
        return "en"
    return ""
