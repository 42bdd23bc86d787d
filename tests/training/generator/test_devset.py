"""The dev grounding set: drawn only from what training never shows, counterfactual numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.generator.facts import contains_fact, fact_tokens
from tests import REPO
from training.generator.data import read_faq
from training.generator.devset import domain_dev_items
from training.generator.examples import FAQ_QUESTIONS, overlap
from training.generator.grounding import judge


@pytest.mark.parametrize("language", ["en", "zh"])
def test_dev_items_use_unseen_questions_and_changed_numbers(language: str) -> None:
    folder = Path(REPO) / "assets" / "domains" / "shop" / language
    faq = {e.id: e for e in read_faq(folder / "faq.jsonl")}
    items = domain_dev_items(folder)
    answerable = [i for i in items if i.answerable]
    assert len(answerable) >= 8 and len(items) - len(answerable) >= 4
    for item in items:
        entry = faq[item.id.removeprefix("dev-").removesuffix("-none")]
        assert item.question not in entry.questions[:FAQ_QUESTIONS]  # never a training question
        if item.answerable:
            assert all(contains_fact(item.passages[0].text, f) for f in item.facts)
            assert set(item.facts) - fact_tokens(entry.answer)  # recalling the real answer fails
            assert not judge(item, entry.answer, language).correct
        else:
            assert overlap(entry.answer, item.passages[0].text) < 0.1


def test_dev_set_is_the_same_every_time() -> None:
    folder = Path(REPO) / "assets" / "domains" / "shop" / "en"
    assert domain_dev_items(folder) == domain_dev_items(folder)
