"""Numbers as said: tables of colloquial forms and what they mean, and property tests of
Chinese numerals against cn2an's own writer and of digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.nlu.numbers import find_number, parse_chinese_number, parse_number


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
