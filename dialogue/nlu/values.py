"""Numbers, dates and times as people say them in English and Chinese: the one module that
reads them (the NLU's slot values and the dialogue's slot normalisation both call it, so a
date means the same whether the model tagged the words or not) and says a date back. Pure
functions of the text and an injected ``today``/``now``, so tests and replays agree.

- Numbers: digits, English words ("a hundred and five", digit by digit "one zero four eight
  two"), Chinese numerals read by cn2an (colloquial 两万三 23000, 一千二 1200, 五十五点五,
  负五, 一零四八二, 3万, 1千2; our one pre-step: colloquial 俩 is read as 两).
- Dates -> ``YYYY-MM-DD``, times -> ``HH:MM``, both -> ``YYYY-MM-DDTHH:MM``. Weekdays have
  one meaning in both languages: "Friday"/"this Friday"/周五/这周五 is the coming Friday,
  today included (never a past day); "next Friday"/下周五 is the Friday of next week (weeks
  start on Monday): on a Friday a week later, on a Thursday 8 days later. The whole table of
  what is understood is in docs/domain-format.md ("Dates and numbers").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_UNITS = {
    w: i for i, w in enumerate(f"{_ONES} fifteen sixteen seventeen eighteen nineteen".split())
}
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_UNITS |= {word: 10 * i for i, word in enumerate(_TENS, start=2)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
NUMBER_WORDS = (*_UNITS, *_SCALES)  # English words that make up numbers (with "and")
# characters of Chinese numbers, with the financial (壹贰) and traditional (兩萬) ones
ZH_NUMERALS = "零〇幺一二两俩三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟兩萬億"
_ZH_NUMBER_CHARS = frozenset(ZH_NUMERALS + "0123456789.点负")
_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER_WORD_RUN = re.compile(rf"\b(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*\b")
_ZH_NUMBER_RUN = re.compile(rf"负?[\d{ZH_NUMERALS}]+(?:[点.][\d{ZH_NUMERALS}]+)?")
_QUANTITY_PHRASES = {"a couple": 2, "a pair": 2}  # counts that are not number words
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2}
_ZH_DAY_WORDS = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_ZH_DAY_WORDS |= {"昨天": -1, "前天": -2}
_ZH_PERIODS = {"凌晨": 0, "早上": 0, "上午": 0, "中午": 12, "下午": 12, "傍晚": 12, "晚上": 12}


def parse_english_number(text: str) -> int | None:
    """ "twenty five" -> 25, "a hundred and five" -> 105, "one zero four" -> 104; None if any
    word is not a number."""
    words = [w for w in re.split(r"[\s-]+", text.strip().lower()) if w and w != "and"]
    if len(words) > 1 and all(_UNITS.get(w, 10) < 10 for w in words):
        return int("".join(str(_UNITS[w]) for w in words))  # said digit by digit
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
    return total + current if seen else None


def parse_chinese_number(text: str) -> int | float | None:
    """A Chinese (or mixed, 3万) numeral -> int, or float when it has a decimal point; None
    for anything else. cn2an does the reading (see the module docstring)."""
    import cn2an  # ~0.1 s to import: only when a Chinese number is read

    t = unicodedata.normalize("NFKC", text).strip().replace("俩", "两")
    if not t or not set(t) <= _ZH_NUMBER_CHARS or not any(c in ZH_NUMERALS for c in t):
        return None
    try:
        value = cn2an.cn2an(t, "smart")
    except ValueError:
        return None
    if isinstance(value, float) and value.is_integer() and not {"点", "."} & set(t):
        return int(value)
    return value


def parse_number(text: str) -> int | float | None:
    """The whole of ``text`` as a number: digits, English words or Chinese numerals; else None."""
    plain = text.strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", plain):
        return int(plain)
    if re.fullmatch(r"[+-]?\d+\.\d+", plain):
        return float(plain)
    return parse_english_number(plain) if plain.isascii() else parse_chinese_number(plain)


def find_number(text: str, language: str) -> int | float | None:
    """The first number anywhere in ``text`` ("3 shirts", "我要两万三的", "a couple")."""
    t = text.lower()
    if language == "zh":
        runs = (parse_number(run) for run in _ZH_NUMBER_RUN.findall(t))
        return next((n for n in runs if n is not None), None)
    if match := re.search(r"\d+(?:,\d{3})*(?:\.\d+)?", t):
        return parse_number(match.group())
    for phrase, number in _QUANTITY_PHRASES.items():
        if re.search(rf"\b{phrase}\b", t):
            return number
    run = _NUMBER_WORD_RUN.search(t)
    return parse_english_number(run.group()) if run else None


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
        (rf"in (?P<n>\d{{1,3}}|{_WORD}(?:[ -](?:{_WORD}))?) days?", _days_later),
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
