"""Words that say what a short answer does: yes, no, a correction, starting over.

The NLU's affirm/deny/start_over intents come first; these patterns catch what it does not
label ("yeah go ahead", "改成周二", "start again"), per language.
"""

from __future__ import annotations

import re

from dialogue.nlu import Understanding

AFFIRM_INTENTS = frozenset({"affirm", "yes", "confirm"})
DENY_INTENTS = frozenset({"deny", "no"})
RESET_INTENTS = frozenset({"start_over", "reset", "restart"})

_YES = {
    "en": re.compile(
        r"^(yes|yeah|yep|yup|sure|ok|okay|correct|right|exactly|please do|go ahead|do it|that's "
        r"right|that is right|absolutely|of course|definitely|please)\b",
        re.I,
    ),
    "zh": re.compile(r"^(是|对|好|行|可以|嗯|没错|确认|确定|要|需要|当然)"),
}
_NO = {
    "en": re.compile(
        r"^(no|nope|nah|not really|don't|do not|never mind|cancel|wrong|negative)\b", re.I
    ),
    "zh": re.compile(r"^(?!不错)(不|没有|算了|别|取消|错了)"),
}
_CORRECTION = {
    "en": re.compile(
        r"^\W*(no|nope|actually|sorry|wait|oops|i meant|i mean|make it|change it "
        r"to|rather|instead|not)\b",
        re.I,
    ),
    "zh": re.compile(r"^\W*(不是|不对|改成|改为|换成|其实|应该是|我是说|说错了|不)"),
}
_RESET = {
    "en": re.compile(r"\b(start over|start again|restart|reset|from scratch|forget it)\b", re.I),
    "zh": re.compile(r"(重新开始|从头开始|重来|重置)"),
}


def is_correction(text: str, language: str) -> bool:
    """Whether ``text`` starts like a correction ("no, the blue one", "actually", "改成")."""
    return bool(_CORRECTION[language].match(text))


def asks_reset(text: str, language: str) -> bool:
    """Whether ``text`` asks to start over anywhere in it ("can we start over", "重新开始")."""
    return bool(_RESET[language].search(text))


def yes_or_no(nlu: Understanding, language: str, confident: bool) -> str:
    """ "yes", "no" or "": the NLU's affirm/deny, else a short answer that starts like one."""
    if confident and nlu.intent in AFFIRM_INTENTS:
        return "yes"
    if confident and nlu.intent in DENY_INTENTS:
        return "no"
    text = nlu.text.strip()
    short = len(text) <= 8 if language == "zh" else len(text.split()) <= 5
    if not short:  # "是什么意思", "no idea what you mean by that": not an answer
        return ""
    if _NO[language].match(text):
        return "no"
    if _YES[language].match(text):
        return "yes"
    return ""
