"""Dates and times as people say them in English and Chinese: the one module that reads them
(the NLU's slot values and the dialogue's slot normalisation both call it, so a date means the
same whether the model tagged the words or not) and says a date back. Pure functions of the
text and an injected ``today``/``now``, so tests and replays agree. Numbers are read by
dialogue/nlu/numbers.py, also the one reader of numbers everywhere.

- Dates -> ``YYYY-MM-DD``, times -> ``HH:MM``, both -> ``YYYY-MM-DDTHH:MM``. Weekdays have
  one meaning in both languages: "Friday"/"this Friday"/周五/这周五 is the coming Friday,
  today included (never a past day); "next Friday"/下周五 is the Friday of next week (weeks
  start on Monday): on a Friday a week later, on a Thursday 8 days later. The whole table of
  what is understood is in docs/domain-format.md ("Dates and numbers").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from dialogue.nlu.numbers import NUMBER_WORD, parse_number

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2}
_ZH_DAY_WORDS = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_ZH_DAY_WORDS |= {"昨天": -1, "前天": -2}
_ZH_PERIODS = {"凌晨": 0, "早上": 0, "上午": 0, "中午": 12, "下午": 12, "傍晚": 12, "晚上": 12}


def _weekday_date(today: date, weekday: int, weeks_ahead: int) -> date:
    """The coming ``weekday`` (today included), or that day ``weeks_ahead`` weeks on."""
    if weeks_ahead == 0:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return monday + timedelta(days=weekday)


def _next_month_day(today: date, month: int | None, day: int | None) -> date | None:
    """The next date from today on with this day (and month: else this month or the next)."""
    if not day:
        return None
    if month:
        candidates = [(today.year, month), (today.year + 1, month)]
    else:
        following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        candidates = [(today.year, today.month), following]
    for year, month_of in candidates:
        try:
            found = date(year, month_of, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def _small_int(text: str) -> int | None:
    value = int(text) if text.isdigit() else parse_number(text)
    return value if isinstance(value, int) else None


Match = re.Match[str]


def _iso(m: Match, today: date) -> date | None:
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def _day_word(m: Match, today: date) -> date:
    return today + timedelta(days={**_DAY_WORDS, **_ZH_DAY_WORDS}[m["w"]])


def _weekday(m: Match, today: date) -> date | None:
    """ "next" / 下 (下下: two weeks) moves to next week; "last" / 上 is not resolved."""
    which, name = m["which"] or "", m["w"]
    if which == "last" or which.startswith("上"):
        return None
    weeks = 1 if which == "next" else which.count("下")
    if name in _ZH_WEEKDAYS:
        return _weekday_date(today, _ZH_WEEKDAYS[name], weeks)
    index = 5 if name == "weekend" else [d[:3] for d in _WEEKDAYS].index(name[:3])
    return _weekday_date(today, index, weeks)


def _month_day(m: Match, today: date) -> date | None:
    name = m["m"]
    if name and name.isalpha() and name.isascii():  # "may", "sept", "december"
        month: int | None = [n[:3] for n in _MONTHS].index(name[:3]) + 1
    else:
        month = _small_int(name) if name else None
    return _next_month_day(today, month, _small_int(m["d"]))


def _days_later(m: Match, today: date) -> date | None:
    days = _small_int(m["n"])
    return today + timedelta(days=days) if days is not None else None


Rule = tuple[re.Pattern[str], Callable[[Match, date], date | None]]
_MONTH = f"(?P<m>{'|'.join([*_MONTHS, *(m[:3] for m in _MONTHS), 'sept'])})"
_ORD = r"(?:st|nd|rd|th)"
_EN_DAY = "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
_EN_WEEKDAY = "|".join([*_WEEKDAYS, *(d[:3] for d in _WEEKDAYS), "weekend"])
_EN_RULES: list[Rule] = [
    (re.compile(rf"\b(?:{pattern})\b"), resolve)
    for pattern, resolve in (
        (r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})", _iso),
        (rf"(?:the )?(?P<w>{_EN_DAY})", _day_word),
        (rf"(?:(?P<which>this|next|last|coming|the) )?(?P<w>{_EN_WEEKDAY})", _weekday),
        (rf"{_MONTH} (?:the )?(?P<d>\d{{1,2}}){_ORD}?", _month_day),
        (rf"(?:the )?(?P<d>\d{{1,2}}){_ORD}? (?:of )?{_MONTH}", _month_day),
        (rf"(?:the )?(?P<d>\d{{1,2}}){_ORD}(?P<m>)", _month_day),
        (rf"in (?P<n>\d{{1,3}}|{NUMBER_WORD}(?:[ -](?:{NUMBER_WORD}))?) days?", _days_later),
    )
]
_ZH_N = r"\d{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_ZH_DAY = "|".join(sorted(_ZH_DAY_WORDS, key=len, reverse=True))
_ZH_RULES: list[Rule] = [
    (re.compile(pattern), resolve)
    for pattern, resolve in (
        (r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})", _iso),
        (f"(?P<w>{_ZH_DAY})", _day_word),
        (r"(?P<which>上+|下+|这|本)?个?(?:周|星期|礼拜)(?P<w>[一二三四五六日天末])", _weekday),
        (rf"(?P<m>{_ZH_N})月(?P<d>{_ZH_N})[日号]?", _month_day),
        (rf"(?P<n>{_ZH_N})天(?:以|之)?后", _days_later),
        (rf"(?P<d>{_ZH_N})[日号](?P<m>)", _month_day),
    )
]


def _clean(text: str, language: str) -> str:
    if language == "zh":
        return re.sub(r"\s+", "", text).rstrip("？。！，?.!,")
    return re.sub(r"\s+", " ", text.strip().lower().rstrip("?.!,"))


def parse_date(text: str, language: str, today: date) -> date | None:
    """The first date said anywhere in ``text`` ("on Friday please", "我想下周五送到")."""
    t = _clean(text, language)
    for pattern, resolve in _ZH_RULES if language == "zh" else _EN_RULES:
        for match in pattern.finditer(t):
            if (found := resolve(match, today)) is not None:
                return found
    return None


def _date_at(rest: str, language: str, today: date) -> tuple[date, str] | None:
    """A date at the very start of ``rest``, and what follows it."""
    for pattern, resolve in _ZH_RULES if language == "zh" else _EN_RULES:
        if (match := pattern.match(rest)) and (found := resolve(match, today)) is not None:
            return found, rest[match.end() :].strip()
    return None


def _english_time(rest: str) -> tuple[str, str] | None:
    if match := re.match(r"(noon|midday|midnight)\b", rest):
        return ("00:00" if match[1] == "midnight" else "12:00"), rest[match.end() :]
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
        minutes = {"半": 30, "一刻": 15, "三刻": 45}.get(match[3] or "")
        hour_value = _small_int(match[2])
        minute_value = minutes if minutes is not None else _small_int(match[4] or "0")
        if hour_value is None or minute_value is None:
            return None
        hour, minute = hour_value, minute_value
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    if match[1] and _ZH_PERIODS[match[1]] and hour < 12:
        hour += 12
    return f"{hour % 24:02d}:{minute:02d}", rest[match.end() :]


def _datetime(text: str, language: str, now: datetime) -> str | None:
    """A date and/or a time making up *all* of ``text``, as ISO; None if anything is left."""
    rest = _clean(text, language)
    day: date | None = None
    clock: str | None = None
    while rest:
        if language == "en":
            rest = re.sub(r"^(?:at|on|by|for|around) ", "", rest).strip()
        elif day:
            rest = rest.removeprefix("的")
        if day is None and (found_day := _date_at(rest, language, now.date())):
            day, rest = found_day
            continue
        found = None if clock else (_chinese_time if language == "zh" else _english_time)(rest)
        if not found:
            return None
        clock, rest = found[0], found[1].strip()
    if day and clock:
        return f"{day.isoformat()}T{clock}"
    return day.isoformat() if day else clock


def normalize_value(text: str, now: datetime) -> int | float | str | None:
    """The obvious normalised value of a slot's text, or None (see the module docstring)."""
    number = parse_number(text)
    if number is not None or not text.strip():
        return number
    return _datetime(text, "en" if text.isascii() else "zh", now)


def format_date(day: date, language: str) -> str:
    """How a reply says a date: "Tuesday 14 May" / "5月14日（周二）"."""
    if language == "zh":
        return f"{day.month}月{day.day}日（周{'一二三四五六日'[day.weekday()]}）"
    month = _MONTHS[day.month - 1]
    return f"{_WEEKDAYS[day.weekday()].capitalize()} {day.day} {month.capitalize()}"
