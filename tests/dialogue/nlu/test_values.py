"""Dates and times as said (and the obvious value of a slot's text): tables of texts and what
they mean, relative to a fixed now."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import pytest

from dialogue.nlu.values import format_date, normalize_value, parse_date

NOW = datetime(2024, 5, 1, 9, 30)  # a Wednesday
TODAY = dt.date(2026, 3, 16)  # a Monday


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("1,000", 1000),
        ("2.5", 2.5),
        ("three", 3),
        ("Twenty Five", 25),
        ("twenty-five", 25),
        ("a hundred and five", 105),
        ("two thousand and twenty four", 2024),
        ("one zero four eight two", 10482),  # an order number said digit by digit
        ("三", 3),
        ("十五", 15),
        ("二十五", 25),
        ("两百", 200),
        ("一百零五", 105),
        ("三万五千", 35000),
        ("二零二四", 2024),
        ("today", "2024-05-01"),
        ("tomorrow", "2024-05-02"),
        ("yesterday", "2024-04-30"),
        ("the day after tomorrow", "2024-05-03"),
        ("friday", "2024-05-03"),
        ("this friday", "2024-05-03"),
        ("wednesday", "2024-05-01"),
        ("next friday", "2024-05-10"),
        ("next monday", "2024-05-06"),
        ("in 3 days", "2024-05-04"),
        ("may 3", "2024-05-03"),
        ("at 5 pm", "17:00"),
        ("5pm", "17:00"),
        ("5 p.m.", "17:00"),
        ("12 am", "00:00"),
        ("17:30", "17:30"),
        ("noon", "12:00"),
        ("five pm", "17:00"),
        ("tomorrow at 5 pm", "2024-05-02T17:00"),
        ("at 7:15 am on friday", "2024-05-03T07:15"),
        ("今天", "2024-05-01"),
        ("明天", "2024-05-02"),
        ("后天", "2024-05-03"),
        ("周五", "2024-05-03"),
        ("星期天", "2024-05-05"),
        ("下周五", "2024-05-10"),
        ("两天后", "2024-05-03"),
        ("5月3日", "2024-05-03"),
        ("下午三点", "15:00"),
        ("晚上八点半", "20:30"),
        ("明天下午三点", "2024-05-02T15:00"),
        ("下周一上午10:30", "2024-05-06T10:30"),
        ("周五的下午两点", "2024-05-03T14:00"),
        ("the weekend", "2024-05-04"),  # its Saturday, as 周末
        ("paris", None),
        ("13 pm", None),
        ("play three songs", None),
        ("last friday", None),  # not resolved rather than a wrong day
        ("北京", None),
        ("", None),
    ],
)
def test_normalize_value(text: str, value: object) -> None:
    assert normalize_value(text, NOW) == value


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("tomorrow", "en", "2026-03-17"),
        ("on Friday please", "en", "2026-03-20"),
        ("next tuesday", "en", "2026-03-24"),
        ("make it Thursday", "en", "2026-03-19"),
        ("May 3", "en", "2026-05-03"),
        ("the 3rd of May", "en", "2026-05-03"),
        ("the 2nd", "en", "2026-04-02"),
        ("20 March", "en", "2026-03-20"),
        ("2026-04-01", "en", "2026-04-01"),
        ("in two days", "en", "2026-03-18"),
        ("a marathon 5 days long", "en", None),  # "mar..." is no month
        ("后天", "zh", "2026-03-18"),
        ("周五", "zh", "2026-03-20"),
        ("下周二", "zh", "2026-03-24"),
        ("5月3日", "zh", "2026-05-03"),
        ("三月二十号", "zh", "2026-03-20"),
        ("两天后", "zh", "2026-03-18"),
        ("十天以后", "zh", "2026-03-26"),
        ("hello", "en", None),
    ],
)
def test_parse_date(text: str, language: str, expected: str | None) -> None:
    date = parse_date(text, language, TODAY)
    assert (date.isoformat() if date else None) == expected


def test_format_date() -> None:
    assert format_date(dt.date(2026, 3, 20), "en") == "Friday 20 March"
    assert format_date(dt.date(2026, 3, 20), "zh") == "3月20日（周五）"
