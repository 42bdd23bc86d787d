"""Dates said the way people say them ("tomorrow", "next Tuesday", "May 3", "下周二", "5月3日"),
resolved against an injected ``today`` so tests and replays are deterministic.

The NLU may already give an ISO value; this is the fallback and the single place that
formats a date back for a reply in each language.
"""

from __future__ import annotations

import datetime as dt
import re

from dialogue.nlu.values import parse_chinese_number

_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS_EN = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RELATIVE_EN = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}
_RELATIVE_ZH = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0}


def _zh_int(text: str) -> int | None:
    """Small Chinese or Arabic numbers: "3", "十二", "二十一"."""
    return int(text) if text.isdigit() else parse_chinese_number(text)


def _next_weekday(today: dt.date, weekday: int, next_week: bool) -> dt.date:
    """The coming ``weekday`` (never today); "next" pushes it into next calendar week."""
    if next_week:
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
        return monday + dt.timedelta(days=weekday)
    days = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=days)


def _month_day(today: dt.date, month: int, day: int) -> dt.date | None:
    """The next date with this month and day (this year, or next year if it has passed)."""
    for year in (today.year, today.year + 1):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return None
        if date >= today:
            return date
    return None


def _day_only(today: dt.date, day: int) -> dt.date | None:
    """ "the 14th": this month if still ahead, else next month."""
    month, year = today.month, today.year
    for _ in range(2):
        try:
            date = dt.date(year, month, day)
            if date >= today:
                return date
        except ValueError:
            pass
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def parse_date_en(text: str, today: dt.date) -> dt.date | None:
    t = text.lower().strip()
    if match := _ISO.search(t):
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    for phrase, days in sorted(_RELATIVE_EN.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{phrase}\b", t):
            return today + dt.timedelta(days=days)
    for index, name in enumerate(_WEEKDAYS_EN):
        if match := re.search(rf"\b(next\s+)?({name}|{name[:3]})\b", t):
            return _next_weekday(today, index, bool(match.group(1)))
    months = "|".join(m[:3] + r"[a-z]*" for m in _MONTHS_EN)
    if match := re.search(rf"\b({months})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", t):
        return _month_day(today, _month_index(match.group(1)), int(match.group(2)))
    if match := re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({months})\b", t):
        return _month_day(today, _month_index(match.group(2)), int(match.group(1)))
    if match := re.search(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b|\b(\d{1,2})(?:st|nd|rd|th)\b", t):
        return _day_only(today, int(match.group(1) or match.group(2)))
    if match := re.search(r"\bin\s+(\d{1,2})\s+days?\b", t):
        return today + dt.timedelta(days=int(match.group(1)))
    return None


def _month_index(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS_EN, start=1) if m.startswith(name[:3]))


def parse_date_zh(text: str, today: dt.date) -> dt.date | None:
    t = text.strip()
    if match := _ISO.search(t):
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    for phrase, days in _RELATIVE_ZH.items():  # longest first by construction
        if phrase in t:
            return today + dt.timedelta(days=days)
    if match := re.search(r"(下+)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天末])", t):
        next_week = bool(match.group(1))
        return _next_weekday(today, _ZH_WEEKDAY[match.group(2)], next_week)
    number = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
    if match := re.search(rf"{number}月{number}[日号]?", t):
        month, day = _zh_int(match.group(1)), _zh_int(match.group(2))
        return _month_day(today, month, day) if month and day else None
    if match := re.search(rf"{number}[日号]", t):
        day = _zh_int(match.group(1))
        return _day_only(today, day) if day else None
    if match := re.search(rf"{number}天(?:以)?后", t):
        offset = _zh_int(match.group(1))
        return today + dt.timedelta(days=offset) if offset else None
    return None


def parse_date(text: str, language: str, today: dt.date) -> dt.date | None:
    """A date in ``text`` relative to ``today``, or None when there is none."""
    return parse_date_zh(text, today) if language == "zh" else parse_date_en(text, today)


def format_date(date: dt.date, language: str) -> str:
    """How a reply says a date: "Tuesday 14 May" / "5月14日（周二）"."""
    if language == "zh":
        weekday = "一二三四五六日"[date.weekday()]
        return f"{date.month}月{date.day}日（周{weekday}）"
    weekday, month = _WEEKDAYS_EN[date.weekday()], _MONTHS_EN[date.month - 1]
    return f"{weekday.capitalize()} {date.day} {month.capitalize()}"
