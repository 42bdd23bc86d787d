"""Keyword side of retrieval: tokens for BM25 in English and Chinese.

English: lowercase words, with hyphenated codes kept whole *and* split ("ll-1042" ->
"ll-1042", "ll", "1042") so a product code matches however it is typed, each word reduced to
its Snowball (Porter 2) stem so "shoes"/"shoe", "shipping"/"ship", "charged"/"charge" meet
(stems are keys, not words: "charge" -> "charg"). Chinese: character bigrams plus the
single characters (no segmenter: robust to words a dictionary lacks, such as product names),
and the Latin tokens inside the text.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

_LATIN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOP_EN = frozenset(
    "a an the is are was were be been do does did i me my we our you your it its to of in on "
    "for at by with and or can could would will shall should may might how what when where "
    "which who why there this that these those have has had am please hi hello".split()
)
_STOP_ZH = frozenset("的了吗呢吧啊呀么我你您是在有")
_STEMMER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The Snowball English stem of a lowercase word; cached, as a document's vocabulary is
    small and the pure-Python stemmer takes ~60 us a word."""
    with _STEMMER_LOCK:  # a Snowball stemmer keeps state between calls: one call at a time
        return _english_stemmer().stemWord(word)


@functools.cache
def _english_stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def tokens_en(text: str) -> list[str]:
    out = []
    for token in _LATIN.findall(text.lower()):
        if token in _STOP_EN:
            continue
        if "-" in token:
            out.append(token)
            out += [p for p in token.split("-") if p]
        else:
            out.append(stem(token))
    return out


def tokens_zh(text: str) -> list[str]:
    out = tokens_en(text)
    for run in _CJK_RUN.findall(text):
        chars = [c for c in run]
        out += [c for c in chars if c not in _STOP_ZH]
        out += [a + b for a, b in zip(chars, chars[1:], strict=False)]
    return out


def tokenize(text: str, language: str) -> list[str]:
    """BM25 tokens of ``text`` in ``language`` ("en" or "zh")."""
    return tokens_zh(text) if language == "zh" else tokens_en(text)
