"""Dates and slot values: normalisation, extraction of a missed value, negation (tables)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.dates import format_date, parse_date
from dialogue.domain.model import SlotType
from dialogue.slots import display, extract, is_negated, normalise, parse_number

TODAY = dt.date(2026, 3, 16)  # a Monday
COLOR = SlotType("color", "choice", values=("blue", "red", "black"))
ORDER = SlotType("order_id", "pattern", pattern=r"\d{5}")
QUANTITY = SlotType("quantity", "number", min=1, max=20)
DATE = SlotType("date", "date")
LEX_EN = {"blue": ("blue", "navy", "navy blue"), "red": ("red",), "black": ("black", "dark")}
LEX_ZH = {"blue": ("蓝色", "蓝"), "red": ("红色", "红"), "black": ("黑色", "黑")}


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("tomorrow", "en", "2026-03-17"),
        ("on Friday please", "en", "2026-03-20"),
        ("next tuesday", "en", "2026-03-24"),
        ("make it Thursday", "en", "2026-03-19"),
        ("May 3", "en", "2026-05-03"),
        ("the 2nd", "en", "2026-04-02"),
        ("20 March", "en", "2026-03-20"),
        ("2026-04-01", "en", "2026-04-01"),
        ("后天", "zh", "2026-03-18"),
        ("周五", "zh", "2026-03-20"),
        ("下周二", "zh", "2026-03-24"),
        ("5月3日", "zh", "2026-05-03"),
        ("三月二十号", "zh", "2026-03-20"),
        ("hello", "en", None),
    ],
)
def test_parse_date(text: str, language: str, expected: str | None) -> None:
    date = parse_date(text, language, TODAY)
    assert (date.isoformat() if date else None) == expected


def test_format_date() -> None:
    assert format_date(dt.date(2026, 3, 20), "en") == "Friday 20 March"
    assert format_date(dt.date(2026, 3, 20), "zh") == "3月20日（周五）"


@pytest.mark.parametrize(
    ("slot", "text", "lexicon", "language", "expected"),
    [
        (COLOR, "navy blue", LEX_EN, "en", "blue"),
        (COLOR, "the dark one", LEX_EN, "en", "black"),
        (COLOR, "purple", LEX_EN, "en", None),
        (COLOR, "蓝色的", LEX_ZH, "zh", "blue"),
        (ORDER, "10482", {}, "en", "10482"),
        (ORDER, "#10 482", {}, "en", "10482"),
        (ORDER, "１０４８２", {}, "zh", "10482"),  # full-width digits
        (ORDER, "1048", {}, "en", None),
        (QUANTITY, "two", {}, "en", "2"),
        (QUANTITY, "两件", {}, "zh", "2"),
        (QUANTITY, "50", {}, "en", None),  # above max
        (DATE, "tomorrow", {}, "en", "2026-03-17"),
    ],
)
def test_normalise(slot, text, lexicon, language, expected) -> None:
    value = normalise(slot, text, lexicon, language, TODAY)
    assert (value.value if value else None) == expected


@pytest.mark.parametrize(
    ("slot", "text", "lexicon", "language", "expected"),
    [
        (ORDER, "it's 10482 I think", {}, "en", "10482"),
        (ORDER, "订单号是10517", {}, "zh", "10517"),
        (ORDER, "no number here", {}, "en", None),
        (COLOR, "not red, the navy one", LEX_EN, "en", "blue"),
        (COLOR, "我要红色", LEX_ZH, "zh", "red"),
    ],
)
def test_extract_finds_a_missed_value(slot, text, lexicon, language, expected) -> None:
    found = extract(slot, text, lexicon, language, TODAY)
    assert (found[0].value if found else None) == expected


@pytest.mark.parametrize(
    ("text", "value", "language", "negated"),
    [
        ("not the red one", "red", "en", True),
        ("no, the blue one", "blue", "en", False),
        ("I don't want red", "red", "en", True),
        ("red please", "red", "en", False),
        ("不要红色的", "红色", "zh", True),
        ("要红色的", "红色", "zh", False),
    ],
)
def test_negation(text: str, value: str, language: str, negated: bool) -> None:
    assert is_negated(text, text.index(value), language) is negated


def test_display_uses_the_language_lexicon() -> None:
    assert display(COLOR, "blue", LEX_ZH, "zh") == "蓝色"
    assert display(DATE, "2026-03-20", {}, "en") == "Friday 20 March"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("two of them", "en", 2),
        ("a couple please", "en", 2),
        ("twenty five", "en", 25),
        ("3 shirts", "en", 3),
        ("none at all", "en", None),
        ("我要俩", "zh", 2),
        ("要两个", "zh", 2),
        ("十二件", "zh", 12),
        ("不要了", "zh", None),
    ],
)
def test_quantities_in_free_text(text: str, language: str, expected: int | None) -> None:
    assert parse_number(text, language) == expected
