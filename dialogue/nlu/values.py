"""Normalised slot values where the meaning is obvious: numbers, and dates and times relative
to ``now``. Pure functions, no model: a span that is not wholly understood gets ``None``.

- Numbers: digits ("25", "1,000", "2.5"), English words ("three", "twenty five", "a hundred
  and five") and Chinese numerals ("三", "二十五", "两百", "一百零五") -> int (or float).
- Dates -> ``"YYYY-MM-DD"``: today, tomorrow, yesterday, the day after tomorrow, weekdays;
  Chinese 今天 明天 后天 昨天 前天 大后天 and 周五/星期五/礼拜五. A bare or "this" weekday
  is the next such day from today on (today included); "next friday" and 下周五 are the
  Friday of next week (weeks start on Monday), so "next" always means the following week.
- Times -> ``"HH:MM"``: "5 pm", "at 5:30 am", "17:30", noon, midnight, "5 o'clock";
  下午三点, 晚上八点半, 三点十五分. A date with a time -> ``"YYYY-MM-DDTHH:MM"``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,  # colloquial "two" ("我要俩"); slots counted it before the parsers were folded
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_SCALES = {"万": 10_000, "亿": 100_000_000}
NUMBER_WORDS = (*_UNITS, *_SCALES)  # English words that make up numbers (with "and")
ZH_NUMERALS = "".join([*_ZH_DIGITS, *_ZH_UNITS, *_ZH_SCALES])  # characters of Chinese numbers
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ZH_WEEKDAYS = "一二三四五六日"  # 周日 and 周天 are both Sunday
_DAY_WORDS = {
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "yesterday": -1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
}
_ZH_DAY_WORDS = {
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "昨天": -1,
    "前天": -2,
}
_ZH_PERIODS = {"凌晨": 0, "早上": 0, "上午": 0, "中午": 12, "下午": 12, "傍晚": 12, "晚上": 12}


def parse_english_number(text: str) -> int | None:
    """ "twenty five" -> 25, "a hundred and five" -> 105; None if any word is not a number."""
    words = [w for w in re.split(r"[\s-]+", text.strip().lower()) if w and w != "and"]
    if not words:
        return None
    total, current, seen = 0, 0, False
    for i, word in enumerate(words):
        if word in ("a", "an") and i + 1 < len(words) and words[i + 1] in _SCALES:
            current, seen = 1, True
        elif word in _UNITS:
            current, seen = current + _UNITS[word], True
        elif word in _SCALES and seen:
            if _SCALES[word] == 100:
                current = max(current, 1) * 100
            else:
                total, current = total + max(current, 1) * _SCALES[word], 0
        else:
            return None
    return total + current


def parse_chinese_number(text: str) -> int | None:
    """ "二十五" -> 25, "十五" -> 15, "一百零五" -> 105, "二零二四" -> 2024; None otherwise."""
    text = text.strip()
    if not text or any(
        c not in _ZH_DIGITS and c not in _ZH_UNITS and c not in _ZH_SCALES for c in text
    ):
        return None
    if len(text) > 1 and all(c in _ZH_DIGITS for c in text):
        return int("".join(str(_ZH_DIGITS[c]) for c in text))  # read digit by digit
    total, section, digit = 0, 0, None
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[char]
            digit = None
        else:
            total += (section + (digit or 0)) * _ZH_SCALES[char]
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> int | float | None:
    """A number written in digits, English words or Chinese numerals; None otherwise."""
    plain = text.strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", plain):
        return int(plain)
    if re.fullmatch(r"[+-]?\d+\.\d+", plain):
        return float(plain)
    return parse_english_number(plain) if plain.isascii() else parse_chinese_number(plain)


def _weekday_date(today: date, weekday: int, next_week: bool) -> date:
    if next_week:
        monday_next = today + timedelta(days=7 - today.weekday())
        return monday_next + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _english_date(rest: str, today: date) -> tuple[date, str] | None:
    for words, offset in sorted(_DAY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if rest.startswith(words) and (len(rest) == len(words) or rest[len(words)] == " "):
            return today + timedelta(days=offset), rest[len(words) :]
    match = re.match(r"(?:(this|next) )?(" + "|".join(_WEEKDAYS) + r")\b", rest)
    if match:
        day = _weekday_date(today, _WEEKDAYS.index(match[2]), match[1] == "next")
        return day, rest[match.end() :]
    return None


def _english_time(rest: str) -> tuple[str, str] | None:
    if re.match(r"(noon|midday)\b", rest):
        return "12:00", rest.split(" ", 1)[1] if " " in rest else ""
    if re.match(r"midnight\b", rest):
        return "00:00", rest[len("midnight") :]
    match = re.match(
        r"(\d{1,2}|[a-z]+)(?::(\d{2}))?(?: ?(am|pm|a\.m\.?|p\.m\.?|o'clock))?(?=\s|$)", rest
    )
    if not match or (match[2] is None and match[3] is None):
        return None  # a bare number is a number, not a time
    hour = parse_number(match[1])
    minute = int(match[2] or 0)
    if not isinstance(hour, int) or not (0 <= hour <= 24 and minute < 60):
        return None
    suffix = (match[3] or "").replace(".", "")
    if suffix in ("am", "pm") and not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if suffix == "pm" else 0) if suffix in ("am", "pm") else hour % 24
    return f"{hour:02d}:{minute:02d}", rest[match.end() :]


def _combine(day: date | None, clock: str | None) -> str | None:
    if day and clock:
        return f"{day.isoformat()}T{clock}"
    return day.isoformat() if day else clock


def parse_english_datetime(text: str, now: datetime) -> str | None:
    rest = re.sub(r"\s+", " ", text.strip().lower().rstrip("?.!,"))
    day: date | None = None
    clock: str | None = None
    while rest:
        rest = re.sub(r"^(?:at|on|by|for|around) ", "", rest).strip()
        found_day = None if day else _english_date(rest, now.date())
        if found_day:
            day, rest = found_day[0], found_day[1].strip()
            continue
        found_clock = None if clock else _english_time(rest)
        if not found_clock:
            return None
        clock, rest = found_clock[0], found_clock[1].strip()
    return _combine(day, clock)


def _chinese_time(rest: str) -> tuple[str, str] | None:
    period = r"(凌晨|早上|上午|中午|下午|傍晚|晚上)?"
    number = r"[零〇一二两三四五六七八九十\d]+"
    match = re.match(period + rf"({number})[点點時时](半|一刻|三刻|({number})分?)?", rest)
    if not match:
        match = re.match(period + r"(\d{1,2})[:：](\d{2})()", rest)
        if not match:
            return None
        hour, minute = int(match[2]), int(match[3])
    else:
        hour_value = parse_number(match[2])
        minutes = {"半": 30, "一刻": 15, "三刻": 45}.get(match[3] or "")
        minute_value = minutes if minutes is not None else parse_number(match[4] or "0")
        if not isinstance(hour_value, int) or not isinstance(minute_value, int):
            return None
        hour, minute = hour_value, minute_value
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    if match[1] and _ZH_PERIODS[match[1]] and hour < 12:
        hour += 12
    return f"{hour % 24:02d}:{minute:02d}", rest[match.end() :]


def parse_chinese_datetime(text: str, now: datetime) -> str | None:
    rest = re.sub(r"\s+", "", text).rstrip("？。！，?.!,")
    day: date | None = None
    today = now.date()
    for words, offset in sorted(_ZH_DAY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if rest.startswith(words):
            day, rest = today + timedelta(days=offset), rest[len(words) :]
            break
    match = re.match(r"(下|这|本)?(?:个)?(周|星期|礼拜)([一二三四五六日天])", rest)
    if day is None and match:
        weekday = 6 if match[3] == "天" else _ZH_WEEKDAYS.index(match[3])
        day, rest = _weekday_date(today, weekday, match[1] == "下"), rest[match.end() :]
    clock = None
    if rest:
        found = _chinese_time(rest.removeprefix("的"))
        if not found or found[1]:
            return None
        clock = found[0]
    return _combine(day, clock)


def normalize_value(text: str, now: datetime) -> int | float | str | None:
    """The obvious normalised value of a slot's text, or None (see the module docstring)."""
    number = parse_number(text)
    if number is not None:
        return number
    if not text.strip():
        return None
    if text.isascii():
        return parse_english_datetime(text, now)
    return parse_chinese_datetime(text, now)
