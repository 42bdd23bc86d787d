"""Normalised slot values: a table of texts and what they mean, relative to a fixed now."""

from __future__ import annotations

from datetime import datetime

import pytest

from dialogue.nlu.values import normalize_value

NOW = datetime(2024, 5, 1, 9, 30)  # a Wednesday


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
        ("下午三点", "15:00"),
        ("晚上八点半", "20:30"),
        ("明天下午三点", "2024-05-02T15:00"),
        ("下周一上午10:30", "2024-05-06T10:30"),
        ("paris", None),
        ("the weekend", None),
        ("13 pm", None),
        ("play three songs", None),
        ("北京", None),
        ("", None),
    ],
)
def test_normalize_value(text: str, value: object) -> None:
    assert normalize_value(text, NOW) == value
