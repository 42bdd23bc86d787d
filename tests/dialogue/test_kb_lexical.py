"""Keyword stems of the knowledge-base search: a word and its inflections meet on one stem
(the hand-made suffix strip gave shoes -> "sho", sizes -> "siz", shipping -> "shipp")."""

from __future__ import annotations

import pytest

from dialogue.kb.lexical import tokenize


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("shoes", "shoe"),
        ("sizes", "size"),
        ("shipping", "ship"),
        ("shipped", "ship"),
        ("charged", "charge"),
        ("charges", "charge"),
        ("returns", "return"),
        ("returning", "return"),
        ("deliveries", "delivery"),
        ("refunds", "refund"),
        ("cancelled", "cancel"),
        ("pillowcases", "pillowcase"),
        ("washing", "wash"),
        ("towels", "towel"),
    ],
)
def test_inflections_meet_their_base_word(inflected: str, base: str) -> None:
    assert tokenize(inflected, "en") == tokenize(base, "en")


@pytest.mark.parametrize(("a", "b"), [("ship", "shop"), ("news", "new"), ("size", "six")])
def test_different_words_stay_apart(a: str, b: str) -> None:
    assert tokenize(a, "en") != tokenize(b, "en")


def test_latin_words_in_chinese_text_are_stemmed_too() -> None:
    assert tokenize("Shipping charges for shoes", "en") == ["ship", "charg", "shoe"]
    assert tokenize("shoes 运费", "zh")[:1] == tokenize("shoe", "en")
