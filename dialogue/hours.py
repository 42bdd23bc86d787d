"""When the domain's people are at work, so a handoff outside those hours says when they are
back instead of pretending to put the user through.

``[hours]`` in domain.toml: ``timezone`` (IANA name, e.g. "Europe/Berlin"), one key per
weekday (``mon`` ... ``sun``) with "HH:MM-HH:MM" ranges (a string or a list; a missing day is
closed) and ``holidays``, a list of ISO dates closed all day. Clock times are converted to
the shop's time zone first; a naive one is taken as the computer's local time, as Python's
``datetime.now()`` gives it (without a ``timezone`` every time is taken as it is).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOOKAHEAD_DAYS = 21  # long enough to step over a holiday week


@dataclass(frozen=True)
class OpeningHours:
    """Opening ranges per weekday (0 = Monday) in the shop's time zone, and closed dates."""

    timezone: str = ""
    days: tuple[tuple[tuple[dt.time, dt.time], ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def local(self, now: dt.datetime) -> dt.datetime:
        """``now`` as the shop's wall-clock time (naive)."""
        if not self.timezone:
            return now.replace(tzinfo=None)
        from zoneinfo import ZoneInfo

        return now.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)

    def _ranges(self, day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        return () if day in self.holidays else self.days[day.weekday()]

    def is_open(self, now: dt.datetime) -> bool:
        local = self.local(now)
        return any(start <= local.time() < end for start, end in self._ranges(local.date()))

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """The shop-time start of the next opening after ``now`` (None: never open)."""
        local = self.local(now)
        for offset in range(LOOKAHEAD_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            for start, _ in self._ranges(day):
                opening = dt.datetime.combine(day, start)
                if opening > local:
                    return opening
        return None


def say_when(opening: dt.datetime, now: dt.datetime, language: str) -> str:
    """How a reply says the next opening: "tomorrow at 8:00" / "on Monday at 8:00" /
    "明天8:00" / "周一8:00" (a weekday name for the coming week, else the date)."""
    days = (opening.date() - now.date()).days
    clock = f"{opening.hour}:{opening.minute:02d}"
    if language == "zh":
        if days <= 1:
            return f"{'今天' if days <= 0 else '明天'}{clock}"
        if days < 7:
            return f"周{'一二三四五六日'[opening.weekday()]}{clock}"
        return f"{opening.month}月{opening.day}日{clock}"
    if days <= 1:
        return f"{'today' if days <= 0 else 'tomorrow'} at {clock}"
    if days < 7:
        return f"on {_WEEKDAY_EN[opening.weekday()]} at {clock}"
    return f"on {opening.day} {opening.strftime('%B')} at {clock}"


def parse_hours(data: Any) -> tuple[OpeningHours, list[tuple[str, str]]]:
    """The ``[hours]`` table as :class:`OpeningHours`, and ``(key, problem)`` for each error."""
    if not isinstance(data, dict):
        return OpeningHours(), [("", "[hours] must be a table")]
    problems = [(k, f"unknown key (use timezone, holidays, {', '.join(DAYS)})") for k in data]
    problems = [p for p in problems if p[0] not in (*DAYS, "timezone", "holidays")]
    timezone = data.get("timezone", "")
    if not isinstance(timezone, str) or (timezone and not _known_zone(timezone)):
        problems.append(("timezone", f"unknown time zone {timezone!r}, e.g. Europe/Berlin"))
        timezone = ""
    days = []
    for day in DAYS:
        ranges, problem = _parse_ranges(data.get(day, []))
        if problem:
            problems.append((day, problem))
        days.append(ranges)
    holidays = set()
    for value in data.get("holidays", []) if isinstance(data.get("holidays", []), list) else [0]:
        try:
            holidays.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            problems.append(("holidays", f"{value!r} is not an ISO date such as 2026-12-25"))
    return OpeningHours(timezone, tuple(days), frozenset(holidays)), problems


def _parse_ranges(value: Any) -> tuple[tuple[tuple[dt.time, dt.time], ...], str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return (), 'must be "HH:MM-HH:MM" or a list of them'
    ranges = []
    for item in items:
        match = _RANGE.match(str(item))
        try:
            if not match:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = dt.time(h1, m1), dt.time(h2, m2) if h2 < 24 else dt.time.max
        except ValueError:
            return (), f'{item!r} is not a time range such as "08:00-20:00"'
        if end <= start:
            return (), f"{item!r} closes before it opens"
        ranges.append((start, end))
    return tuple(sorted(ranges)), ""


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
