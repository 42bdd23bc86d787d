"""Opening hours: open or not at a clock time, the next opening, how a reply says it, and the
``[hours]`` table's validation."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.hours import parse_hours, say_when

HOURS = {
    "timezone": "Europe/Berlin",
    "mon": "08:00-20:00",
    "tue": ["08:00-12:00", "13:00-20:00"],
    "sat": "09:00-14:00",
    "holidays": ["2026-04-06"],
}
BERLIN_WINTER = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("now", "is_open", "opening"),
    [
        ("2026-03-16T10:00+01:00", True, "2026-03-17T08:00"),  # Monday morning
        ("2026-03-16T08:30+00:00", True, "2026-03-17T08:00"),  # 09:30 in Berlin
        ("2026-03-16T19:30+00:00", False, "2026-03-17T08:00"),  # 20:30 in Berlin
        ("2026-03-17T12:30+01:00", False, "2026-03-17T13:00"),  # Tuesday lunch break
        ("2026-03-18T10:00+01:00", False, "2026-03-21T09:00"),  # Wednesday: closed all day
        ("2026-04-04T15:00+02:00", False, "2026-04-07T08:00"),  # Easter Monday is a holiday
    ],
)
def test_open_and_next_opening(now: str, is_open: bool, opening: str) -> None:
    hours, problems = parse_hours(HOURS)
    assert problems == []
    moment = dt.datetime.fromisoformat(now)
    assert hours.is_open(moment) is is_open
    assert hours.next_opening(moment) == dt.datetime.fromisoformat(opening)


@pytest.mark.parametrize(
    ("opening", "language", "said"),
    [
        ("2026-03-16T13:00", "en", "today at 13:00"),
        ("2026-03-17T08:00", "en", "tomorrow at 8:00"),
        ("2026-03-21T09:00", "en", "on Saturday at 9:00"),
        ("2026-03-30T08:00", "en", "on 30 March at 8:00"),
        ("2026-03-17T08:00", "zh", "明天8:00"),
        ("2026-03-21T09:30", "zh", "周六9:30"),
    ],
)
def test_say_when(opening: str, language: str, said: str) -> None:
    now = dt.datetime(2026, 3, 16, 12, 0)
    assert say_when(dt.datetime.fromisoformat(opening), now, language) == said


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"mon": "8-20"}, "mon"),
        ({"mon": "20:00-08:00"}, "mon"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"holidays": ["Christmas"]}, "holidays"),
        ({"monday": "08:00-20:00"}, "monday"),
    ],
)
def test_bad_hours_name_the_key(table: dict, key: str) -> None:
    _, problems = parse_hours(table)
    assert [k for k, _ in problems] == [key]
