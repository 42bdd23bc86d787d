"""Spacing and joining reply pieces: template sentences get one space, generator sub-words keep
their own, Chinese gets none; spaced pieces concatenate to the joined reply."""

from __future__ import annotations

import pytest

from dialogue.reply import join_pieces, spaced


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


@pytest.mark.parametrize(
    ("pieces", "language", "sent"),
    [
        (["Back to your return.", "Which order?"], "en", ["Back to your return.", " Which order?"]),
        ([" Pay", "Pal", " works", "."], "en", ["Pay", "Pal", " works", "."]),
        (["Sorry!", "", "Our team is in at 8."], "en", ["Sorry!", " Our team is in at 8."]),
        (["It costs 3.", "50 euros."], "en", ["It costs 3.", "50 euros."]),
        (["好的。", "您的订单号是多少？"], "zh", ["好的。", "您的订单号是多少？"]),
        (["", " ", "Hi."], "en", ["Hi."]),
    ],
)
def test_spaced_pieces_concatenate_to_the_reply(
    pieces: list[str], language: str, sent: list[str]
) -> None:
    assert list(spaced(pieces, language)) == sent
    assert "".join(sent) == join_pieces(pieces, language) == join_pieces(sent, language)
