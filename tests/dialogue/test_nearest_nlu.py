"""The nearest-example NLU (what answers before the tuned model is trained), on a bag-of-words
encoder: intents by the nearest examples, out of scope by ``oos`` examples and the similarity
floor, slots only of the intent's types, word tags that match the slots."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from dialogue.nlu.nearest import NearestExampleNlu, value_slots, word_tags
from dialogue.nlu.schema import Example, Slot
from dialogue.nlu.words import split_words

NOW = dt.datetime(2026, 3, 16, 10, 0)


class BagOfWords:
    """Hashes words into 65536 dimensions: texts that share words are near (a real encoder's
    stand-in for the logic around it; the real one runs in tests/app/test_handover.py)."""

    name = "bag-of-words"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        self.calls += 1
        rows = np.zeros((len(texts), 65536), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[row, int(hashlib.sha1(word.encode()).hexdigest()[:8], 16) % 65536] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def example(text: str, intent: str, slot: tuple[str, str] | None = None) -> Example:
    words = split_words(text)
    tags = ["O"] * len(words)
    if slot:
        start = text.index(slot[1])
        for i, w in enumerate(words):
            if start <= w.start < start + len(slot[1]):
                tags[i] = ("B-" if w.start == start else "I-") + slot[0]
    return Example(text, words, tuple(tags), intent)


EXAMPLES = [
    example("where is my order 10482", "check_order_status", ("order_id", "10482")),
    example("track order 10391 please", "check_order_status", ("order_id", "10391")),
    example("status of my parcel", "check_order_status"),
    example("i want to return the blue shirt", "return_item", ("color", "blue")),
    example("return this item", "return_item"),
    example("send the red scarf back", "return_item", ("color", "red")),
    example("hello there", "greet"),
    example("hi there", "greet"),
    example("good morning there", "greet"),
    example("what is the weather on mars", "oos"),
    example("tell me a joke about cats", "oos"),
]


def finders() -> dict:
    def order(text: str, today: dt.date) -> tuple[str, int, int] | None:
        m = re.search(r"\d{5}", text)
        return (m.group(), m.start(), m.end()) if m else None

    def color(text: str, today: dt.date) -> tuple[str, int, int] | None:
        m = re.search(r"\b(blue|red|green)\b", text)
        return (m.group(), m.start(), m.end()) if m else None

    return {"order_id": order, "color": color}


@pytest.fixture
def nlu(tmp_path: Path) -> NearestExampleNlu:
    return NearestExampleNlu(BagOfWords(), EXAMPLES, value_slots(finders()), cache_dir=tmp_path)


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("where is order 55555", "check_order_status", [("order_id", "55555")]),
        ("i want to return the green shirt", "return_item", [("color", "green")]),
        ("hello", "greet", []),
        ("good morning to you", "greet", []),
    ],
)
def test_intent_and_slots_of_the_nearest_examples(
    nlu: NearestExampleNlu, text: str, intent: str, slots: list
) -> None:
    (got,) = nlu.predict([text], now=NOW)
    assert (got.intent, got.out_of_scope) == (intent, False)
    assert [(s.label, s.text) for s in got.slots] == slots
    assert 0.0 < got.confidence <= 1.0
    assert len(got.tags) == len(split_words(text))


def test_slots_only_of_the_intents_types(nlu: NearestExampleNlu) -> None:
    (got,) = nlu.predict(["return the blue one from order 12345"], now=NOW)
    assert got.intent == "return_item"  # return_item never carried an order_id in the examples
    assert [s.label for s in got.slots] == ["color"]


@pytest.mark.parametrize("text", ["tell me a joke about dogs", "zebra quantum violin"])
def test_out_of_scope(nlu: NearestExampleNlu, text: str) -> None:
    (got,) = nlu.predict([text], now=NOW)
    assert got.out_of_scope and got.decided_intent == "oos" and got.slots == ()
    assert got.intent != "oos"  # the best known intent is still named (for "did you mean")


def test_example_vectors_are_cached(tmp_path: Path) -> None:
    first = BagOfWords()
    NearestExampleNlu(first, EXAMPLES, cache_dir=tmp_path)
    second = BagOfWords()
    again = NearestExampleNlu(second, EXAMPLES, cache_dir=tmp_path)
    assert (first.calls, second.calls) == (1, 0)
    assert again.predict(["hi"])[0].intent == "greet"


@pytest.mark.parametrize(
    ("text", "spans", "tags"),
    [
        ("order 10482 now", [("order_id", 6, 11)], ("O", "B-order_id", "O")),
        ("the navy blue one", [("color", 4, 13)], ("O", "B-color", "I-color", "O")),
        ("red and blue", [("color", 0, 3), ("color", 8, 12)], ("B-color", "O", "B-color")),
        ("nothing here", [], ("O", "O")),
    ],
)
def test_word_tags(text: str, spans: list, tags: tuple) -> None:
    slots = [Slot(label, text[s:e], s, e, None, 1.0) for label, s, e in spans]
    assert word_tags(text, slots) == tags
