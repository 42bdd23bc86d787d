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

EMOTIONS = ("neutral", "frustrated", "angry", "satisfied")
NEGATIVE = frozenset({"frustrated", "angry"})
THRESHOLD = 1.0  # a score below this reads as neutral

# cue -> (emotion, weight). English cues are matched on word boundaries, lowercase.
_CUES_EN: dict[str, tuple[str, float]] = {
    # angry: insults, outrage, threats
    "ridiculous": ("angry", 1.5),
    "unacceptable": ("angry", 1.5),
    "outrageous": ("angry", 1.5),
    "disgrace": ("angry", 1.5),
    "disgraceful": ("angry", 1.5),
    "disgusting": ("angry", 1.5),
    "scam": ("angry", 1.5),
    "scammers": ("angry", 1.5),
    "fraud": ("angry", 1.5),
    "rip-off": ("angry", 1.5),
    "rip off": ("angry", 1.5),
    "ripped off": ("angry", 1.5),
    "furious": ("angry", 2.0),
    "livid": ("angry", 2.0),
    "angry": ("angry", 1.5),
    "pissed": ("angry", 1.5),
    "useless": ("angry", 1.2),
    "incompetent": ("angry", 1.5),
    "pathetic": ("angry", 1.5),
    "terrible": ("angry", 1.0),
    "horrible": ("angry", 1.0),
    "awful": ("angry", 1.0),
    "worst": ("angry", 1.5),
    "hate": ("angry", 1.2),
    "joke": ("angry", 0.8),
    "a joke": ("angry", 1.2),
    "shameful": ("angry", 1.5),
    "lawyer": ("angry", 1.5),
    "sue": ("angry", 1.5),
    "report you": ("angry", 1.5),
    "never again": ("angry", 1.5),
    "never order": ("angry", 1.2),
    "damn": ("angry", 1.2),
    "fuck": ("angry", 2.0),
    "fucking": ("angry", 2.0),
    "shit": ("angry", 1.5),
    "crap": ("angry", 1.2),
    "bullshit": ("angry", 2.0),
    "idiot": ("angry", 2.0),
    "idiots": ("angry", 2.0),
    "stupid": ("angry", 1.5),
    "thanks for nothing": ("angry", 2.5),
    "demand": ("angry", 0.8),
    "immediately": ("angry", 0.6),
    "fed up": ("angry", 1.0),
    "had enough": ("angry", 1.2),
    "sick of": ("angry", 1.2),
    # frustrated: repetition, waiting, not being understood, things not working
    "still": ("frustrated", 0.7),
    "again": ("frustrated", 0.6),
    "already": ("frustrated", 0.6),
    "third time": ("frustrated", 1.5),
    "second time": ("frustrated", 1.2),
    "how many times": ("frustrated", 1.5),
    "already told": ("frustrated", 1.5),
    "i told you": ("frustrated", 1.5),
    "i said": ("frustrated", 1.0),
    "keep asking": ("frustrated", 1.2),
    "keeps asking": ("frustrated", 1.2),
    "over and over": ("frustrated", 1.2),
    "waiting": ("frustrated", 0.8),
    "waited": ("frustrated", 0.8),
    "for weeks": ("frustrated", 1.0),
    "for days": ("frustrated", 0.8),
    "nobody": ("frustrated", 1.0),
    "no one": ("frustrated", 1.0),
    "not working": ("frustrated", 1.0),
    "doesn't work": ("frustrated", 1.0),
    "does not work": ("frustrated", 1.0),
    "don't understand": ("frustrated", 1.0),
    "not what i asked": ("frustrated", 1.5),
    "not what i said": ("frustrated", 1.5),
    "you're not listening": ("frustrated", 1.5),
    "not listening": ("frustrated", 1.2),
    "annoying": ("frustrated", 1.2),
    "annoyed": ("frustrated", 1.2),
    "frustrating": ("frustrated", 1.5),
    "frustrated": ("frustrated", 1.5),
    "tired of": ("frustrated", 1.2),
    "ugh": ("frustrated", 1.2),
    "argh": ("frustrated", 1.2),
    "seriously": ("frustrated", 0.8),
    "come on": ("frustrated", 1.0),
    "why is it so": ("frustrated", 1.0),
    "so hard": ("frustrated", 0.8),
    "makes no sense": ("frustrated", 1.0),
    "confusing": ("frustrated", 0.8),
    "disappointed": ("frustrated", 1.2),
    "disappointing": ("frustrated", 1.2),
    "late": ("frustrated", 0.5),
    "never arrived": ("frustrated", 1.0),
    "hasn't arrived": ("frustrated", 0.8),
    "haven't received": ("frustrated", 0.8),
    "no answer": ("frustrated", 1.0),
    "useless answer": ("frustrated", 1.0),
    "pointless": ("frustrated", 1.0),
    "what's going on": ("frustrated", 0.8),
    "where is my": ("frustrated", 0.3),
    "enough": ("frustrated", 0.5),
    "wrong again": ("frustrated", 1.5),
    "unbelievable": ("frustrated", 1.2),
    "hopeless": ("frustrated", 1.2),
    "give up": ("frustrated", 1.0),
    "really need": ("frustrated", 0.5),
    "just tell me": ("frustrated", 1.0),
    "just want": ("frustrated", 0.7),
    # satisfied: thanks, praise, relief
    "thanks": ("satisfied", 1.0),
    "thank you": ("satisfied", 1.2),
    "thx": ("satisfied", 1.0),
    "great": ("satisfied", 1.0),
    "perfect": ("satisfied", 1.2),
    "awesome": ("satisfied", 1.2),
    "excellent": ("satisfied", 1.2),
    "wonderful": ("satisfied", 1.2),
    "fantastic": ("satisfied", 1.2),
    "brilliant": ("satisfied", 1.2),
    "amazing": ("satisfied", 1.0),
    "helpful": ("satisfied", 1.0),
    "appreciate": ("satisfied", 1.2),
    "love": ("satisfied", 0.8),
    "lovely": ("satisfied", 1.0),
    "happy": ("satisfied", 1.0),
    "glad": ("satisfied", 1.0),
    "pleased": ("satisfied", 1.0),
    "nice": ("satisfied", 0.8),
    "good job": ("satisfied", 1.2),
    "well done": ("satisfied", 1.2),
    "that's all": ("satisfied", 0.6),
    "sorted": ("satisfied", 0.8),
    "that helps": ("satisfied", 1.0),
    "that worked": ("satisfied", 1.0),
    "cool": ("satisfied", 0.6),
    "super": ("satisfied", 0.8),
    "cheers": ("satisfied", 1.0),
    "relieved": ("satisfied", 1.0),
    "quick": ("satisfied", 0.4),
    "fast": ("satisfied", 0.3),
    "easy": ("satisfied", 0.5),
    "exactly what i needed": ("satisfied", 1.5),
    "good": ("satisfied", 0.6),
    "not bad": ("satisfied", 1.0),
    "appreciated": ("satisfied", 1.2),
    "much appreciated": ("satisfied", 1.5),
    "the hell": ("angry", 1.5),
    "wrong with you": ("angry", 1.5),
    "sick and tired": ("angry", 1.8),
    "excuses": ("angry", 0.8),
    "hasn't moved": ("frustrated", 1.0),
    "what is going on": ("frustrated", 1.0),
    "how hard": ("frustrated", 1.0),
    "same answer": ("frustrated", 1.0),
    "automated": ("frustrated", 0.6),
    "bad": ("frustrated", 0.8),
}
_CUES_ZH: dict[str, tuple[str, float]] = {
    "气死": ("angry", 2.0),
    "太过分": ("angry", 2.0),
    "过分": ("angry", 1.2),
    "垃圾": ("angry", 1.5),
    "骗子": ("angry", 2.0),
    "骗人": ("angry", 1.5),
    "欺骗": ("angry", 1.5),
    "岂有此理": ("angry", 2.0),
    "无法接受": ("angry", 1.5),
    "不可理喻": ("angry", 2.0),
    "离谱": ("angry", 1.2),
    "恶心": ("angry", 1.5),
    "什么破": ("angry", 1.5),
    "破店": ("angry", 1.5),
    "混蛋": ("angry", 2.0),
    "滚": ("angry", 1.5),
    "愤怒": ("angry", 2.0),
    "生气": ("angry", 1.5),
    "火大": ("angry", 1.5),
    "太差": ("angry", 1.2),
    "最差": ("angry", 1.5),
    "差劲": ("angry", 1.2),
    "坑人": ("angry", 1.5),
    "黑店": ("angry", 2.0),
    "投诉": ("angry", 1.2),
    "举报": ("angry", 1.5),
    "律师": ("angry", 1.5),
    "起诉": ("angry", 1.5),
    "再也不": ("angry", 1.5),
    "受够": ("angry", 1.5),
    "忍无可忍": ("angry", 2.0),
    "搞什么": ("angry", 1.2),
    "什么玩意": ("angry", 1.5),
    "废物": ("angry", 2.0),
    "白痴": ("angry", 2.0),
    "有病": ("angry", 1.5),
    "马上": ("angry", 0.5),
    "立刻": ("angry", 0.6),
    "要求": ("angry", 0.4),
    "没用": ("angry", 1.0),
    "还没": ("frustrated", 0.9),
    "怎么还": ("frustrated", 1.2),
    "还是没": ("frustrated", 1.2),
    "又": ("frustrated", 0.5),
    "第三次": ("frustrated", 1.5),
    "第二次": ("frustrated", 1.2),
    "已经说过": ("frustrated", 1.5),
    "我问的不是": ("frustrated", 1.5),
    "同样的回答": ("frustrated", 1.0),
    "累了": ("frustrated", 1.0),
    "这么难": ("frustrated", 1.0),
    "晚了": ("frustrated", 0.6),
    "延误": ("frustrated", 0.8),
    "自动回复": ("frustrated", 0.5),
    "别再": ("angry", 0.8),
    "诈骗": ("angry", 2.0),
    "怎么搞的": ("angry", 1.2),
    "耍人": ("angry", 1.5),
    "耍我": ("angry", 1.5),
    "说了多少遍": ("frustrated", 2.0),
    "说过了": ("frustrated", 1.2),
    "一直": ("frustrated", 0.7),
    "等了": ("frustrated", 1.0),
    "好几天": ("frustrated", 0.8),
    "好久": ("frustrated", 0.8),
    "烦": ("frustrated", 1.2),
    "麻烦死": ("frustrated", 1.5),
    "到底": ("frustrated", 1.0),
    "为什么总是": ("frustrated", 1.5),
    "总是": ("frustrated", 0.6),
    "听不懂": ("frustrated", 1.2),
    "不明白": ("frustrated", 0.8),
    "不是这个": ("frustrated", 0.5),
    "答非所问": ("frustrated", 1.5),
    "着急": ("frustrated", 1.0),
    "急死": ("frustrated", 1.5),
    "失望": ("frustrated", 1.2),
    "怎么回事": ("frustrated", 1.0),
    "无语": ("frustrated", 1.2),
    "郁闷": ("frustrated", 1.2),
    "崩溃": ("frustrated", 1.5),
    "头疼": ("frustrated", 1.0),
    "没人": ("frustrated", 0.8),
    "没有人": ("frustrated", 0.8),
    "不行": ("frustrated", 0.6),
    "还要等": ("frustrated", 1.0),
    "等不及": ("frustrated", 1.0),
    "到现在": ("frustrated", 0.8),
    "迟迟": ("frustrated", 1.0),
    "怎么这么": ("frustrated", 1.0),
    "太慢": ("frustrated", 1.2),
    "谢谢": ("satisfied", 1.2),
    "多谢": ("satisfied", 1.2),
    "感谢": ("satisfied", 1.2),
    "谢了": ("satisfied", 1.0),
    "太好了": ("satisfied", 1.5),
    "很好": ("satisfied", 1.0),
    "不错": ("satisfied", 1.0),
    "满意": ("satisfied", 1.2),
    "完美": ("satisfied", 1.5),
    "棒": ("satisfied", 1.2),
    "给力": ("satisfied", 1.2),
    "开心": ("satisfied", 1.0),
    "高兴": ("satisfied", 1.0),
    "帮大忙": ("satisfied", 1.5),
    "好评": ("satisfied", 1.2),
    "贴心": ("satisfied", 1.2),
    "专业": ("satisfied", 0.8),
    "效率": ("satisfied", 0.6),
    "放心": ("satisfied", 0.8),
    "省心": ("satisfied", 1.0),
    "真快": ("satisfied", 1.0),
    "好用": ("satisfied", 1.0),
    "喜欢": ("satisfied", 0.8),
    "辛苦了": ("satisfied", 1.2),
    "解决了": ("satisfied", 1.0),
}
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
    for lang, cues in (("en", _CUES_EN), ("zh", _CUES_ZH))
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
