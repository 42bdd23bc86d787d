"""Splitting text into words with character offsets, the unit slots are tagged on.

Latin-script text splits on whitespace, with each punctuation mark its own word (so "5pm,"
gives "5pm" and ","). Chinese, Japanese and Korean ideographs have no spaces between words, so
each CJK character is a word of its own: a slot is then any run of characters, and the encoder's
own sub-word pieces still see the whole string in context.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from dialogue.nlu.schema import Word

# Ideographs, kana, hangul and CJK punctuation: each is a word of its own.
_CJK_RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # full-width forms (，。！？ and full-width letters)
    (0x20000, 0x2FA1F),  # CJK extensions B-F and compatibility supplement
)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def is_punctuation(char: str) -> bool:
    """Unicode punctuation and symbols, except the ones that live inside words (' - . : / etc.)."""
    if char in "'’-_.:/@&+%$#":
        return False
    return unicodedata.category(char)[0] in "PS"


def _breaks_before(text: str, i: int) -> bool:
    """Whether a word must start at ``text[i]`` (given the previous char is not a space)."""
    char, prev = text[i], text[i - 1]
    if is_cjk(char) or is_cjk(prev) or is_punctuation(char) or is_punctuation(prev):
        return True
    # A dot, colon or apostrophe ends a word unless a letter or digit follows ("5:30", "u.s.",
    # "don't"), so "Paris." gives "Paris" and "." like tokenizers would.
    if prev in ".:'’" and not char.isalnum():
        return True
    return char in ".:'’" and (i + 1 >= len(text) or not text[i + 1].isalnum())


def split_words(text: str, boundaries: Iterable[int] = ()) -> tuple[Word, ...]:
    """Words of ``text`` with ``[start, end)`` offsets; whitespace separates and is dropped.

    ``boundaries`` are extra offsets where a word must break (the edges of labelled entities),
    so that an entity that starts or ends inside a run of letters still covers whole words.
    """
    extra = set(boundaries)
    words: list[Word] = []
    start: int | None = None
    for i, char in enumerate(text):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            if start is not None:
                words.append(Word(text[start:i], start, i))
                start = None
            continue
        if start is not None and (i in extra or _breaks_before(text, i)):
            words.append(Word(text[start:i], start, i))
            start = None
        if start is None:
            start = i
    if start is not None:
        words.append(Word(text[start:], start, len(text)))
    return tuple(words)


def words_from_tokens(tokens: Iterable[str]) -> tuple[str, tuple[Word, ...]]:
    """Join pre-split tokens (JointBERT ``seq.in``) with single spaces; offsets into the result."""
    words: list[Word] = []
    offset = 0
    for token in tokens:
        words.append(Word(token, offset, offset + len(token)))
        offset += len(token) + 1
    return " ".join(w.text for w in words), tuple(words)
