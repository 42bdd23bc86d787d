"""Split a reply into sentences for streaming synthesis, and clean text a voice cannot say.

Speaking starts as soon as the first sentence is synthesized, so a wrong split is audible:
"$3.50" must stay one number, "Dr. Li" one name, "U.S. Army" one phrase, while "。！？；"
end Chinese sentences with no space after them. The :class:`SentenceAggregator` does the
same on text that arrives piece by piece (a generator's tokens): a sentence is released only
once the text after its full stop shows that it really ended. A long first sentence is cut
once more at a clause (:func:`lead_chunks`), and :func:`heard_part` says how much of a
sentence was heard when playback stopped; both give slices of their text, never rejoin it.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence

log = logging.getLogger(__name__)

MAX_SENTENCE_CHARS = 250  # longer sentences are cut at a comma, else a space (first audio sooner)
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc approx dept fig no nos vol mt ft inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun "
    "ave blvd rd min max est".split()
)
CJK_ENDS = "。！？；…"
CLOSERS = "\"'”’」』）)]"
_CJK_END = re.compile(f"[{CJK_ENDS}]+[{re.escape(CLOSERS)}]*")
_LATIN_END = re.compile(f"[.!?]+[{re.escape(CLOSERS)}]*(?=\\s)")
_SOFT_BREAKS = ",;:，、；："
# Emoji, pictographs, dingbats, flags, variation selectors, zero-width joiner, keycaps.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff"
    "\u2300-\u23ff\u2b00-\u2bff\ufe0e\ufe0f\u200d\u20e3]+"
)
_MARKUP = re.compile(r"[*_`#~^|<>\\]+")


def speakable(text: str) -> str:
    """``text`` without emoji and markup symbols, whitespace collapsed.

    Voices would read an emoji out by name ("grinning face") and markdown as punctuation
    noise; neither belongs in a spoken reply.
    """
    text = unicodedata.normalize("NFC", text)
    text = _EMOJI.sub(" ", text)
    text = _MARKUP.sub(" ", text)
    text = "\n".join(re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.splitlines())
    return text.strip()


_CLOCK = re.compile(r"(?<![\d:.,])(\d{1,2}):([0-5]\d)(?![\d:])(\s*[ap]\.?\s?m\b\.?)?", re.I)


def _is_24_hour(hour: str) -> bool:
    return hour.startswith("0") or int(hour) >= 13


def spoken_clock_times(text: str) -> str:
    """Clock times as an English voice should say them: espeak reads "8:00" as "eight zero
    zero". Where a time in the text is surely on the 24-hour clock (13:00 and later, or a
    leading zero), every time in it is read as a.m./p.m. ("from 8:00 to 20:00" -> "from 8
    a.m. to 8 p.m."); else whole hours get "o'clock" and the rest "9 30", "9 oh 5". Times
    that already carry a.m./p.m. only lose their ":00"."""
    matches = [m for m in _CLOCK.finditer(text) if int(m.group(1)) <= 24]
    twenty_four = any(_is_24_hour(m.group(1)) and not m.group(3) for m in matches)

    def say(match: re.Match[str]) -> str:
        hour, minutes, suffix = int(match.group(1)), match.group(2), match.group(3)
        if hour > 24:
            return match.group()
        minute_words = ""
        if minutes != "00":
            minute_words = f" oh {minutes[1]}" if minutes[0] == "0" else f" {minutes}"
        if suffix:
            return f"{hour}{minute_words}{suffix}"
        if not twenty_four:
            return f"{hour}{minute_words}" if minute_words else f"{hour} o'clock"
        if hour % 12 == 0 and not minute_words:
            return "noon" if hour == 12 else "midnight"
        half = "p.m." if 12 <= hour < 24 else "a.m."
        if match.string.startswith(".", match.end()):
            half = half[:-1]  # the sentence's own full stop ends the abbreviation
        return f"{(hour % 12) or 12}{minute_words} {half}"

    return _CLOCK.sub(say, text) if matches else text


def has_words(text: str) -> bool:
    """True if ``text`` has a letter or digit: something a voice can say."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _word_before(text: str, end: int) -> str:
    """The token that ends at ``end`` (just before a full stop)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _is_false_stop(text: str, match: re.Match[str]) -> bool:
    """A "." that does not end a sentence: abbreviation, initial, list number, "e.g.",
    or dots followed by a word in lower case ("Wait... what?")."""
    mark = match.group().rstrip(CLOSERS)
    after = text[match.end() :].lstrip()
    if set(mark) == {"."} and after and after[0].islower():
        return True
    if mark != ".":
        return False
    word = _word_before(text, match.start()).lstrip("(\"'“‘")
    if word.rstrip(".").lower() in ABBREVIATIONS:
        return True
    if re.fullmatch(r"[A-Za-z]|([A-Za-z]\.)+[A-Za-z]", word):
        return True  # "F." in "John F. Kennedy", the last stop of "U.S." or "e.g."
    return word.isdigit() and len(word) <= 2 and _line_start(text, match.start() - len(word))


def _line_start(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \t")
    return not before or before.endswith("\n")


def _boundaries(text: str) -> list[int]:
    """Indices just past each sentence end (full stops, Chinese ends, line breaks)."""
    ends = {m.end() for m in _CJK_END.finditer(text)}
    ends |= {m.end() for m in _LATIN_END.finditer(text) if not _is_false_stop(text, m)}
    ends |= {m.start() for m in re.finditer(r"\n", text)}
    return sorted(ends)


def _last_of(items: Sequence[str], wanted: str) -> int:
    """Index of the last item that is one of the characters in ``wanted``, or -1."""
    return max((i for i, item in enumerate(items) if item and item in wanted), default=-1)


def cut_points(items: Sequence[str], limit: int, breaks: str = _SOFT_BREAKS) -> list[int]:
    """Where to cut ``items`` (the characters of a sentence, or its phonemes) into runs of at
    most ``limit``: just after the last of ``breaks`` in reach, else after the last space,
    else at the limit (unpunctuated Chinese has neither)."""
    cuts, start = [], 0
    while len(items) - start > limit:
        window = items[start : start + limit]
        cut = _last_of(window, breaks) + 1
        if cut < limit // 3:
            cut = _last_of(window, " ") + 1
        if cut < limit // 3:
            cut = limit
        start += cut
        cuts.append(start)
    return cuts


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    """Pieces of at most ``max_chars``, cut after the last comma, else space, in reach."""
    bounds = [0, *cut_points(sentence, max_chars), len(sentence)]
    return [sentence[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of ``text`` in order, trimmed, each with at least one word."""
    pieces, start = [], 0
    for end in [*_boundaries(text), len(text)]:
        pieces.extend(_cut_long(text[start:end].strip(), max_chars))
        start = end
    return [p for p in pieces if has_words(p)]


class SentenceAggregator:
    """Collects streamed text and releases whole sentences as soon as they are certain."""

    def __init__(self, max_chars: int = MAX_SENTENCE_CHARS) -> None:
        self.max_chars = max_chars
        self._buffer = ""

    def push(self, piece: str) -> list[str]:
        """Add text; returns the sentences completed by it (maybe none)."""
        self._buffer += piece
        # A Latin stop is certain only once a next word shows ("3." + "50", "Dr." + " Li");
        # Chinese ends are certain at once.
        filled = len(self._buffer.rstrip())
        certain = [
            b
            for b in _boundaries(self._buffer)
            if b < filled or self._buffer[b - 1] in CJK_ENDS + CLOSERS
        ]
        if certain:
            done, self._buffer = self._buffer[: certain[-1]], self._buffer[certain[-1] :]
            return split_sentences(done, self.max_chars)
        if len(self._buffer) > self.max_chars:  # one long sentence: release what is safe
            trailing = self._buffer[len(self._buffer.rstrip()) :]
            *ready, tail = _cut_long(self._buffer.strip(), self.max_chars)
            self._buffer = tail + trailing
            return [p for p in ready if has_words(p)]
        return []

    def flush(self) -> list[str]:
        """The text is complete: whatever remains is the last sentence."""
        done, self._buffer = self._buffer, ""
        return split_sentences(done, self.max_chars)


# --- the first sentence in two, and what was heard of a sentence -------------------------

CLAUSE_ENDS = (",", ";", ":", "，", "；", "：")
CJK_CLAUSE_ENDS = "，、；："
# Words that start a clause: a long first sentence may be cut before them.
CONJUNCTIONS = frozenset({"and", "but", "or", "so", "because", "which", "when", "if", "then"})
CJK_RANGE = ("\u3400", "\u9fff")  # scripts without spaces: heard text is cut by characters
_WORD = re.compile(r"\S+")


def lead_chunks(sentence: str, max_words: int = 8, min_words: int = 3) -> list[str]:
    """``sentence`` whole, or cut in two at its first clause break after ``min_words``
    words when it has more than ``max_words`` words (the pieces are slices of it).

    Synthesis time grows with the length of the text, and the user waits for the whole
    first sentence to be synthesised before hearing anything; cut at a comma or before a
    conjunction, the short pause between the halves sounds like phrasing. Later sentences
    are synthesised while earlier ones play, so they stay whole. Chinese has no spaces to
    count words by: there a character counts as half a word (``_lead_cjk``).
    """
    if _cjk(sentence):
        return _lead_cjk(sentence, 2 * max_words, 2 * min_words)
    words = list(_WORD.finditer(sentence))
    if len(words) <= max_words:
        return [sentence]
    for i in range(min_words, len(words) - 1):
        after_clause = words[i - 1].group().endswith(CLAUSE_ENDS)
        if after_clause or (words[i].group().lower() in CONJUNCTIONS and i > min_words):
            cut = words[i].start()
            return [sentence[:cut].rstrip(), sentence[cut:]]
    return [sentence]


def _cjk(text: str) -> bool:
    return any(CJK_RANGE[0] <= ch <= CJK_RANGE[1] for ch in text)


def _lead_cjk(sentence: str, max_chars: int, min_chars: int) -> list[str]:
    """A Chinese sentence longer than ``max_chars`` cut after its first clause mark
    (，、；：) that leaves at least ``min_chars`` before it and something after it."""
    if len(sentence) <= max_chars:
        return [sentence]
    for i, ch in enumerate(sentence[:-2], start=1):
        if ch in CJK_CLAUSE_ENDS and i >= min_chars:
            return [sentence[:i], sentence[i:]]
    return [sentence]


def heard_part(text: str, fraction: float) -> str:
    """The start of ``text`` the user heard when playback stopped after ``fraction`` of its
    audio (a slice of ``text``). Rounds down: a word cut in the middle was not heard; text
    in a script without spaces is cut by characters."""
    fraction = min(1.0, max(0.0, fraction))
    if fraction >= 1.0:
        return text
    lo, hi = CJK_RANGE
    if any(lo <= ch <= hi for ch in text):
        return text[: math.floor(len(text) * fraction)]
    words = list(_WORD.finditer(text))
    heard = math.floor(len(words) * fraction)
    return text[: words[heard - 1].end()] if heard else ""
