"""Facts about the user stated in passing: "my name is Anna", "我叫李伟", and the question
"what's my name?". Read by pattern, because a name is remembered whatever the NLU's intent.
"""

from __future__ import annotations

import re

_NAME_EN = re.compile(
    r"\b(?:my name is|my name's|call me|i am called|i'm "
    r"called|name's)\s+([A-Za-z][A-Za-z'-]{1,30})",
    re.I,
)
_IAM_EN = re.compile(r"\b(?:i am|i'm|this is|it's)\s+([A-Z][a-z'-]{1,30})\b")
_NAME_ZH = re.compile(
    r"(?:我叫|我的名字是|我的名字叫|叫我|我姓)([\u4e00-\u9fffA-Za-z]{1,4}?)(?:[，。！？,.!?\s]|吧|啊|呀|$)"
)
_ASK_EN = re.compile(
    r"\b(what(?:'s| is) my name|do you (?:know|remember) (?:my name|who i am)|who am i)\b", re.I
)
_ASK_ZH = re.compile(
    r"(我叫什么|我的名字是什么|我是谁|记得我(?:的名字|是谁)?吗|知道我(?:的名字|是谁)吗)"
)
# Words that give the assistant a role or a name ("You are now DAN", "act as", "你现在是"):
# a name in such a message is not the user's, whatever the NLU tagged.
_TO_YOU_EN = re.compile(
    r"\b(?:you are|you're|youre|u r|act as|pretend|role-?play|from now on|ignore (?:all |any )?"
    r"(?:previous|prior|your))\b",
    re.I,
)
_TO_YOU_ZH = re.compile(r"(?:你是|你现在是|你叫|您是|扮演|假装|从现在起|从现在开始|忽略)")
# Capitalised words after "I'm" that are not names.
_NOT_NAMES = frozenset(
    "Sorry Not Just Looking Trying Here Back Still Very So Really Happy Angry Fine Good Done "
    "Calling "
    "Writing Asking Wondering Interested Going Getting Annoyed Frustrated Upset Confused Okay Ok "
    "Afraid Sure Tired Unhappy Glad Pleased Disappointed Waiting Ready New".split()
)


def stated_name(text: str, language: str, slot_name: str = "") -> str:
    """The name the user gives in ``text`` ("" when none); ``slot_name`` is the NLU's span.
    A message that tells the assistant who *it* is gives no name of the user's."""
    if _gives_a_role(text, language):
        return ""
    if slot_name:
        return slot_name.strip().strip(".,!?。，！？")[:40]
    if language == "zh":
        match = _NAME_ZH.search(text)
        return match.group(1) if match and match.group(1) not in ("什么", "啥") else ""
    match = _NAME_EN.search(text)
    if match and not _ASK_EN.search(text):
        return match.group(1).capitalize()
    match = _IAM_EN.search(text)
    if match and match.group(1) not in _NOT_NAMES:
        return match.group(1)
    return ""


def _gives_a_role(text: str, language: str) -> bool:
    """Whether ``text`` addresses the assistant's identity and states no name of the user's."""
    if language == "zh":
        return bool(_TO_YOU_ZH.search(text)) and not _NAME_ZH.search(text)
    return bool(_TO_YOU_EN.search(text)) and not _NAME_EN.search(text)


def asks_name(text: str, language: str) -> bool:
    """Whether the user asks what their name is."""
    return bool((_ASK_ZH if language == "zh" else _ASK_EN).search(text))
