"""Numbers, dates and times as said: tables of texts and what they mean, relative to a fixed
now, and a property test of Chinese numerals against cn2an's own writer."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.nlu.values import (
    find_number,
    format_date,
    normalize_value,
    parse_chinese_number,
    parse_date,
    parse_number,
)

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
    ("text", "value"),
    [
        # colloquial abbreviations: the unit after the last digit is implied
        ("两万三", 23000),
        ("一千二", 1200),
        ("三百五", 350),
        ("一万二", 12000),
        ("两千零二十四", 2024),
        ("两万零三", 20003),  # with 零 the digit is a unit, not an abbreviation
        ("五十五点五", 55.5),
        ("负五", -5),
        ("一亿两千万", 120_000_000),
        # digit by digit, as order numbers are said
        ("一零四八二", 10482),
        ("幺零四八二", 10482),
        # digits and characters mixed
        ("3万", 30000),
        ("1千2", 1200),
        ("1.5万", 15000),
        ("俩", 2),  # colloquial "two of them": our one pre-step before cn2an
        ("贰万叁仟", 23000),  # financial numerals
        ("兩萬", 20000),  # traditional characters
        ("零", 0),
        ("周五", None),
        ("万一", None),
        ("", None),
    ],
)
def test_chinese_numbers(text: str, value: int | float | None) -> None:
    parsed = parse_chinese_number(text)
    assert parsed == value
    assert type(parsed) is type(value)  # 55.5 stays a float, 23000 an int


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("two of them", "en", 2),
        ("a couple please", "en", 2),
        ("twenty five", "en", 25),
        ("3 shirts", "en", 3),
        ("1,000 units", "en", 1000),
        ("my order is one zero four eight two", "en", 10482),
        ("none at all", "en", None),
        ("我要买两万三的东西", "zh", 23000),
        ("订单一零四八二到哪了", "zh", 10482),
        ("给我三百五十个", "zh", 350),
        ("大概1千2块", "zh", 1200),
        ("外面负五度", "zh", -5),
        ("体重五十五点五公斤", "zh", 55.5),
        ("我要两件，订单10482", "zh", 2),  # the first number said
        ("我要俩", "zh", 2),
        ("要两个", "zh", 2),
        ("十二件", "zh", 12),
        ("不要了", "zh", None),
    ],
)
def test_numbers_in_sentences(text: str, language: str, expected: int | float | None) -> None:
    assert find_number(text, language) == expected


@pytest.mark.parametrize("mode", ["low", "up", "direct"])
@given(number=st.integers(min_value=-(10**12), max_value=10**12))
def test_chinese_numerals_read_back(mode: str, number: int) -> None:
    """Any integer cn2an writes (一千二百, 壹仟贰佰, digit by digit 一二零零) reads back."""
    import cn2an

    written = cn2an.an2cn(number, mode)
    assert parse_chinese_number(written) == number
    assert parse_number(written) == number


@given(number=st.integers(min_value=0, max_value=10**9))
def test_english_digits_read_back(number: int) -> None:
    assert parse_number(str(number)) == number
    assert parse_number(f"{number:,}") == number


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
