"""Emotion cues on examples written for these tests (the domain's eval/emotion.jsonl is kept
apart for measuring, see BENCHMARKS.md): negation, intensifiers, typography, both languages."""

from __future__ import annotations

import pytest

from dialogue.emotion import detect_emotion

CASES = [
    ("en", "where is order 10482", "neutral"),
    ("en", "I'd like to return a shirt", "neutral"),
    ("en", "can I pay with paypal", "neutral"),
    ("en", "this is the third time I'm asking about this", "frustrated"),
    ("en", "I already told you the order number", "frustrated"),
    ("en", "ugh, still nothing", "frustrated"),
    ("en", "I'm not happy with this at all", "frustrated"),
    ("en", "why is it so hard to get a simple answer?!", "frustrated"),
    ("en", "this is absolutely ridiculous", "angry"),
    ("en", "you people are useless, I want my money back NOW", "angry"),
    ("en", "WHERE IS MY PARCEL", "angry"),
    ("en", "thanks for nothing", "angry"),
    ("en", "thank you so much, that was really helpful", "satisfied"),
    ("en", "perfect, that's all I needed", "satisfied"),
    ("en", "not bad at all", "satisfied"),
    ("en", "great!", "satisfied"),
    ("zh", "我的订单10482到哪了", "neutral"),
    ("zh", "我想退货", "neutral"),
    ("zh", "我已经说过三遍了，怎么还没处理", "frustrated"),
    ("zh", "等了好几天还没发货", "frustrated"),
    ("zh", "不满意", "frustrated"),
    ("zh", "太过分了！你们就是骗子", "angry"),
    ("zh", "什么破服务，我要投诉", "angry"),
    ("zh", "谢谢，太好了", "satisfied"),
    ("zh", "非常满意，辛苦了", "satisfied"),
    ("zh", "不错", "satisfied"),
]


@pytest.mark.parametrize(("language", "text", "expected"), CASES)
def test_detect(language: str, text: str, expected: str) -> None:
    assert detect_emotion(text, language).label == expected


def test_cues_explain_the_label() -> None:
    result = detect_emotion("this is absolutely ridiculous", "en")
    assert "ridiculous" in result.cues and result.negative


def test_accuracy_on_our_own_dev_examples() -> None:
    """tests/dialogue/data/emotion_dev.jsonl: written for development, never the eval file."""
    import json

    from tests import REPO

    rows = [json.loads(line) for line in (REPO / "tests/dialogue/data/emotion_dev.jsonl").open()]
    right = sum(detect_emotion(r["text"], r["language"]).label == r["emotion"] for r in rows)
    assert right / len(rows) >= 0.9
