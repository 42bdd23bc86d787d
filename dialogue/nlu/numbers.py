"""Numbers as people say them in English and Chinese: the one place that reads them, for the
NLU's slot values, the dialogue's slot normalisation and the dates of dialogue/nlu/values.py.

Digits ("1,000", "55.5"), English words ("a hundred and five", digit by digit "one zero four
eight two" as order numbers are said), Chinese numerals read by cn2an (colloquial 两万三 23000,
一千二 1200, 五十五点五, 负五, 一零四八二, 3万, 1千2; our one pre-step: colloquial 俩 is read as
两). The table of what is understood is in docs/domain-format.md ("Dates and numbers").
"""

from __future__ import annotations

import re
import unicodedata

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
# a regular expression for any one number word, longest first ("sixteen" before "six")
NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER_WORD_RUN = re.compile(rf"\b(?:{NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{NUMBER_WORD}))*\b")
_ZH_NUMBER_RUN = re.compile(rf"负?[\d{ZH_NUMERALS}]+(?:[点.][\d{ZH_NUMERALS}]+)?")
_QUANTITY_PHRASES = {"a couple": 2, "a pair": 2}  # counts that are not number words


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
