"""The reported metrics on hand-made predictions, including out-of-scope scores."""

from __future__ import annotations

import pytest

from dialogue.nlu.schema import Example, Understanding
from dialogue.nlu.words import words_from_tokens
from training.nlu.evaluate import confusions, per_intent, score


def _gold(words: str, tags: str, intent: str) -> Example:
    text, ws = words_from_tokens(words.split())
    return Example(text, ws, tuple(tags.split()), intent)


def _pred(tags: str, intent: str, oos: bool = False) -> Understanding:
    return Understanding("", intent, 0.9, oos, tags=tuple(tags.split()))


GOLD = [
    _gold("play jazz", "O B-genre", "Play"),
    _gold("weather in new york", "O O B-city I-city", "Weather"),
    _gold("what is love", "O O O", "oos"),
    _gold("tell me a joke", "O O O O", "oos"),
]


def test_score_with_oos() -> None:
    predicted = [
        _pred("O B-genre", "Play"),
        _pred("O O B-city O", "Weather"),  # slot span wrong: "new" instead of "new york"
        _pred("O O O", "Play", oos=True),
        _pred("O O O O", "Play"),  # missed out of scope
    ]
    got = score(GOLD, predicted)
    assert got["n"] == 4
    assert got["intent_accuracy"] == pytest.approx(3 / 4)
    assert got["slot_f1"] == pytest.approx(0.5)  # precision 1/2, recall 1/2
    assert got["sentence_accuracy"] == pytest.approx(2 / 4)
    assert got["in_scope_accuracy"] == 1.0
    assert got["oos_recall"] == 0.5 and got["oos_precision"] == 1.0
    assert all(0.0 <= v <= 1.0 for k, v in got.items() if k != "n")
    assert confusions(GOLD, predicted) == [{"gold": "oos", "predicted": "Play", "count": 1}]
    rows = {r["intent"]: r for r in per_intent(GOLD, predicted)}
    assert rows["Weather"]["slot_f1"] == 0.0 and rows["Play"]["intent_accuracy"] == 1.0


def test_unseen_intent_counts_as_error_and_no_oos_keys() -> None:
    gold = [_gold("play jazz", "O B-genre", "Play"), _gold("set alarm", "O O", "SetAlarm")]
    predicted = [_pred("O B-genre", "Play"), _pred("O O", "Play")]
    got = score(gold, predicted)
    assert got["intent_accuracy"] == 0.5
    assert "oos_recall" not in got and "in_scope_accuracy" not in got


def test_flagged_in_scope_counts_as_wrong_intent() -> None:
    got = score([GOLD[0]], [_pred("O B-genre", "Play", oos=True)])
    assert got["intent_accuracy"] == 0.0 and got["oos_rate"] == 1.0 and got["slot_f1"] == 1.0
    assert got["closed_set_intent_accuracy"] == 1.0  # the classifier itself was right
