"""Detect how the user feels from one utterance: neutral, frustrated, angry or satisfied.

Method: weighted cue lexicons per language (words and phrases typical of each emotion),
with negation ("not happy" counts as frustration, "不满意" likewise), intensifiers ("so",
"really", "太", "非常") that scale the next cue, and typography (several "!", "?!", words in
capitals) that strengthens a negative reading. Chosen over a trained classifier because it
needs no data beyond the cues, is explainable (``cues`` says why) and runs in microseconds;
measured on the domain's held-out eval/emotion.jsonl (see BENCHMARKS.md), which was never
used to write the cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.emotion_cues import CUES_EN, CUES_ZH

EMOTIONS = ("neutral", "frustrated", "angry", "satisfied")
NEGATIVE = frozenset({"frustrated", "angry"})
THRESHOLD = 1.0  # a score below this reads as neutral

_INTENSIFIERS_EN = re.compile(
    r"\b(very|so|really|extremely|absolutely|totally|completely|incredibly|super|beyond)\s+$"
)
_INTENSIFIERS_ZH = re.compile(r"(非常|十分|特别|真的|真|太|好|超|极其|实在)$")
_NEGATION_EN = re.compile(
    r"\b(not|never|no|isn't|wasn't|aren't|don't|doesn't|didn't|hasn't|haven't|won't|can't|"
    r"cannot|hardly)\s+(?:\w+\s+)?$"
)
_NEGATION_ZH = re.compile(r"(不|没|没有|别|不太|并不)$")
# Negated satisfaction is frustration ("not happy"); negated negativity is mild satisfaction.
_FLIP = {
    "satisfied": ("frustrated", 1.0),
    "frustrated": ("satisfied", 0.3),
    "angry": ("satisfied", 0.3),
}
_CAPS_WORD = re.compile(r"\b(?!(?:EU|DHL|OK|ID|UK|USA|VAT|XL|XXL|XS)\b)[A-Z]{2,}\b")


@dataclass(frozen=True)
class Emotion:
    """The detected emotion, its score and the cues that produced it (for logs and tests)."""

    label: str
    score: float
    cues: tuple[str, ...] = ()

    @property
    def negative(self) -> bool:
        return self.label in NEGATIVE


def _pattern(cue: str, language: str) -> re.Pattern[str]:
    if language == "zh" and not cue.isascii():
        return re.compile(re.escape(cue))
    return re.compile(rf"(?<![\w'-]){re.escape(cue)}(?![\w'-])")


_PATTERNS = {
    lang: sorted(
        ((c, _pattern(c, lang), e, w) for c, (e, w) in cues.items()), key=lambda x: -len(x[0])
    )
    for lang, cues in (("en", CUES_EN), ("zh", CUES_ZH))
}


def detect_emotion(text: str, language: str = "en") -> Emotion:
    """The emotion ``text`` shows (see the module doc for the method)."""
    language = "zh" if language == "zh" else "en"
    lowered = text.lower()
    scores = dict.fromkeys(EMOTIONS, 0.0)
    taken = [False] * len(lowered)
    cues = []
    for cue, pattern, emotion, weight in _PATTERNS[language]:
        for match in pattern.finditer(lowered):
            if any(taken[match.start() : match.end()]):
                continue  # a longer cue already covers this text ("thanks for nothing")
            for i in range(match.start(), match.end()):
                taken[i] = True
            before = lowered[: match.start()]
            negation = _NEGATION_ZH if language == "zh" else _NEGATION_EN
            intensifier = _INTENSIFIERS_ZH if language == "zh" else _INTENSIFIERS_EN
            label, value = emotion, weight
            if negation.search(before) and not (language == "zh" and cue in ("不错", "不行")):
                label, factor = _FLIP[emotion]
                value = weight * factor
            if intensifier.search(before):
                value *= 1.5
            scores[label] += value
            cues.append(cue)
    _patterns(text, language, scores, cues)
    _typography(text, scores)
    label = max(("angry", "frustrated", "satisfied"), key=lambda e: scores[e])
    if scores[label] < THRESHOLD:
        return Emotion("neutral", scores[label], tuple(cues))
    return Emotion(label, round(scores[label], 3), tuple(cues))


_REPEATED = {
    "en": re.compile(
        r"\b(?:asked|told you|called|written|emailed|tried)\b.{0,20}"
        r"\b(?:twice|two|three|four|five|several|many|\d+) times\b"
    ),
    "zh": re.compile(r"(?:问|说|打|联系|写|试)了?(?:两|三|四|五|好几|几|\d+)(?:次|遍)"),
}
_WHY = {"en": re.compile(r"^\W*why\b", re.I), "zh": re.compile(r"为什么|凭什么|怎么又")}


def _patterns(text: str, language: str, scores: dict[str, float], cues: list[str]) -> None:
    """Saying how often one has asked is frustration; a "why" question adds to a complaint."""
    if _REPEATED[language].search(text.lower()):
        scores["frustrated"] += 1.5
        cues.append("repeated")
    if _WHY[language].search(text) and scores["frustrated"] + scores["angry"] > 0:
        scores["frustrated"] += 0.5
        cues.append("why")


def _typography(text: str, scores: dict[str, float]) -> None:
    """Shouting and piles of "!"/"?" make an already negative reading stronger."""
    exclaims = text.count("!") + text.count("！")
    negative = scores["angry"] + scores["frustrated"]
    letters = [c for c in text if c.isascii() and c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    if shouting:  # a whole sentence in capitals
        scores["angry"] += 1.2
    elif len(_CAPS_WORD.findall(text)) >= 2 or (_CAPS_WORD.search(text) and negative > 0):
        scores["angry"] += 0.6
    if exclaims >= 2 and negative > 0:
        scores["angry"] += 0.6
    elif exclaims == 1 and negative > 0:
        scores["angry"] += 0.3
    if re.search(r"[?？][!！]|[!！][?？]|[?？]{2,}", text):
        scores["frustrated"] += 0.6
    if exclaims >= 1 and scores["satisfied"] > 0 and negative == 0:
        scores["satisfied"] += 0.3
