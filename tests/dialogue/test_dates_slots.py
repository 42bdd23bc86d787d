"""Dates and slot values: normalisation, extraction of a missed value, negation (tables)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.domain.model import SLOT_TYPES, SlotType
from dialogue.nlu.values import normalize_value
from dialogue.slots import NORMALISERS, display, extract, is_negated, normalise

TODAY = dt.date(2026, 3, 16)  # a Monday
COLOR = SlotType("color", "choice", values=("blue", "red", "black"))
ORDER = SlotType("order_id", "pattern", pattern=r"\d{5}")
QUANTITY = SlotType("quantity", "number", min=1, max=20)
DATE = SlotType("date", "date")
LEX_EN = {"blue": ("blue", "navy", "navy blue"), "red": ("red",), "black": ("black", "dark")}
LEX_ZH = {"blue": ("蓝色", "蓝"), "red": ("红色", "红"), "black": ("黑色", "黑")}


# The week of Monday 16 March 2026; each anchor is a day of it, some ON the named weekday.
MON, WED, THU, FRI, SAT, SUN = (dt.date(2026, 3, d) for d in (16, 18, 19, 20, 21, 22))
WEEKDAY_CASES = [
    # (said on, words, meant): "Friday"/"this Friday" is the coming one, today included;
    # "next Friday" is the Friday of next week (weeks start on Monday).
    (THU, "Friday", "2026-03-20"),
    (THU, "this Friday", "2026-03-20"),
    (THU, "next Friday", "2026-03-27"),  # on a Thursday: 8 days on, never tomorrow
    (FRI, "Friday", "2026-03-20"),  # on a Friday: today
    (FRI, "this Friday", "2026-03-20"),
    (FRI, "next Friday", "2026-03-27"),  # on a Friday: a week later
    (SAT, "Friday", "2026-03-27"),  # never a past day
    (SAT, "this Friday", "2026-03-27"),
    (SAT, "next Friday", "2026-03-27"),  # this week's Friday has passed: the coming one
    (SUN, "next Friday", "2026-03-27"),
    (MON, "Monday", "2026-03-16"),
    (MON, "next Monday", "2026-03-23"),
    (WED, "this Monday", "2026-03-23"),
    (SUN, "Sunday", "2026-03-22"),
    (SUN, "next Sunday", "2026-03-29"),
    (FRI, "the weekend", "2026-03-21"),
    (FRI, "next weekend", "2026-03-28"),
    (FRI, "last Friday", None),
    (THU, "周五", "2026-03-20"),
    (THU, "这周五", "2026-03-20"),
    (THU, "下周五", "2026-03-27"),
    (FRI, "周五", "2026-03-20"),
    (FRI, "星期五", "2026-03-20"),
    (FRI, "礼拜五", "2026-03-20"),
    (FRI, "这个星期五", "2026-03-20"),
    (FRI, "下周五", "2026-03-27"),
    (FRI, "下个礼拜五", "2026-03-27"),
    (FRI, "下下周五", "2026-04-03"),
    (SAT, "周五", "2026-03-27"),
    (SAT, "下周五", "2026-03-27"),
    (MON, "周一", "2026-03-16"),
    (MON, "下周一", "2026-03-23"),
    (SUN, "星期天", "2026-03-22"),
    (SUN, "周日", "2026-03-22"),
    (SUN, "下礼拜天", "2026-03-29"),
    (FRI, "周末", "2026-03-21"),
    (FRI, "上周五", None),
]


def _in_a_sentence(words: str) -> str:
    return f"could it come {words} please" if words.isascii() else f"我想{words}送到"


@pytest.mark.parametrize(("today", "words", "meant"), WEEKDAY_CASES)
def test_a_weekday_means_one_day_on_every_path(today: dt.date, words: str, meant: str | None):
    """The same day whether the NLU tagged the words (its value is the hint) or not (the text
    alone, or a whole sentence when the assistant asked for a date)."""
    now = dt.datetime.combine(today, dt.time(10, 0))
    language = "en" if words.isascii() else "zh"
    tagged = normalise(DATE, words, {}, language, today, hint=normalize_value(words, now))
    untagged = normalise(DATE, words, {}, language, today)
    found = extract(DATE, _in_a_sentence(words), {}, language, today)
    assert (tagged.value if tagged else None) == meant
    assert (untagged.value if untagged else None) == meant
    assert (found[0].value if found else None) == meant


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


def test_every_slot_type_has_a_normaliser() -> None:
    assert set(NORMALISERS) == set(SLOT_TYPES)
