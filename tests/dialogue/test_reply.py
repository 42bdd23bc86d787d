"""Joining reply pieces: template sentences get one space, generator sub-words keep their own."""

from __future__ import annotations

import pytest

from dialogue.reply import join_pieces


@pytest.mark.parametrize(
    ("pieces", "language", "joined"),
    [
        (["L", "emon", "ade", " is", " sold", " out."], "en", "Lemonade is sold out."),
        ([" Pay", "Pal", " works", "."], "en", "PayPal works."),
        (["It costs 3.", "50 euros."], "en", "It costs 3.50 euros."),
        (["Back to your return.", "Which order?"], "en", "Back to your return. Which order?"),
        (["Sorry!", "", "Our team is in at 8."], "en", "Sorry! Our team is in at 8."),
        (["I ", "am ", "not ", "sure."], "en", "I am not sure."),
        (["好的。", "您的订单号是多少？"], "zh", "好的。您的订单号是多少？"),
        (["柠", "檬", "水"], "zh", "柠檬水"),
        ([], "en", ""),
    ],
)
def test_join_pieces(pieces: list[str], language: str, joined: str) -> None:
    assert join_pieces(pieces, language) == joined
