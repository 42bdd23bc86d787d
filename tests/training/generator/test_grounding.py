"""The grounding criterion, case by case, and the bundled eval sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.generation import Passage
from dialogue.generator.facts import contains_fact, fact_tokens, unsupported_facts
from training.generator.grounding import (
    GroundingItem,
    is_decline,
    judge,
    read_grounding_set,
    summarize,
)

SHOP = Path(__file__).resolve().parents[3] / "assets" / "domains" / "shop"

ANSWERABLE = GroundingItem(
    "wrap",
    "How much is gift wrapping?",
    (Passage("Gift wrapping costs 3.90 euros per order.", "doc"),),
    True,
    ("3.90",),
)
UNANSWERABLE = GroundingItem(
    "btc", "Can I pay with Bitcoin?", (Passage("Orders leave by 14:00.", "doc"),), False, ()
)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("It costs 4.90 euros, free from 50.", {"4.9", "50"}),
        ("It costs 4,90 euros.", {"4.9"}),
        ("Open 8:00 to 20:00.", {"8:00", "20:00"}),
        ("The shirt LL-2002 costs 79.00 euros.", {"LL-2002", "79"}),
        ("订单10517预计3月18日送到。", {"10517", "3", "18"}),
        ("No numbers here.", set()),
    ],
)
def test_fact_tokens(text: str, facts: set[str]) -> None:
    assert fact_tokens(text) == facts


def test_support_and_expected_facts() -> None:
    assert unsupported_facts("It is 3.90 euros.", ["costs 3.90 euros"]) == set()
    assert unsupported_facts("It is 4.50 euros.", ["costs 3.90 euros"]) == {"4.5"}
    # The number is in the passage, the currency is not (a composed reply said this).
    passage = ["LL-1301 Linen tablecloth. Price: 69.00 euros."]
    assert unsupported_facts("It is priced at £69.", passage) == {"GBP"}
    assert unsupported_facts("It costs $69 or 69 pounds.", passage) == {"USD", "GBP"}
    assert unsupported_facts("It costs 69 euros (€69).", passage) == set()
    assert unsupported_facts("价格是69英镑。", ["价格：69.00欧元。"]) == {"GBP"}
    assert unsupported_facts("价格是69欧元。", ["价格：69.00欧元。"]) == set()
    assert contains_fact("That's €3.9.", "3.90") and not contains_fact("3 euros", "3.90")
    assert contains_fact("within one working day", "one working day")


@pytest.mark.parametrize(
    ("item", "reply", "correct"),
    [
        (ANSWERABLE, "Gift wrapping costs 3.90 euros per order.", True),
        (ANSWERABLE, "It's 3.90 euros, and 2 ribbons are free.", False),  # invented "2"
        (ANSWERABLE, "Gift wrapping costs 4.50 euros.", False),  # wrong number
        (ANSWERABLE, "Gift wrapping is available.", False),  # the fact is missing
        (ANSWERABLE, "I don't have that information, sorry.", False),
        (UNANSWERABLE, "I don't have that information, sorry.", True),
        (UNANSWERABLE, "Yes, Bitcoin is accepted for orders over 20 euros.", False),
        (UNANSWERABLE, "Yes, we accept Bitcoin.", False),  # no number, but no decline either
    ],
)
def test_judge(item: GroundingItem, reply: str, correct: bool) -> None:
    assert judge(item, reply, "en").correct is correct


@pytest.mark.parametrize(
    ("reply", "language", "declined"),
    [
        ("I don't have that information, sorry.", "en", True),
        ("Sorry, the reference text doesn't mention Bitcoin.", "en", True),
        ("We don't ship to Switzerland.", "en", False),
        ("抱歉，我没有这方面的信息。", "zh", True),
        ("参考资料里没有提到比特币。", "zh", True),
        ("我们不配送到瑞士。", "zh", False),
    ],
)
def test_is_decline(reply: str, language: str, declined: bool) -> None:
    assert is_decline(reply, language) is declined


def test_summary_shares() -> None:
    judgements = [
        judge(ANSWERABLE, "It costs 3.90 euros.", "en"),
        judge(ANSWERABLE, "It costs 5 euros.", "en"),
        judge(UNANSWERABLE, "I don't have that information.", "en"),
    ]
    summary = summarize(judgements)
    assert summary["grounded_answer_share"] == 0.5
    assert summary["correct_decline_share"] == 1.0
    assert summary["unsupported_fact_share"] == pytest.approx(0.333, abs=1e-3)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_bundled_grounding_sets_are_well_formed(language: str) -> None:
    items = read_grounding_set(SHOP / language / "eval" / "grounding.jsonl")
    assert len(items) >= 20 and len({i.id for i in items}) == len(items)
    assert sum(i.answerable for i in items) >= 12 and sum(not i.answerable for i in items) >= 6
    for item in items:
        text = " ".join(p.text for p in item.passages)
        # an answerable item's facts are in its passages; an unanswerable one's passages
        # must not be judged correct if simply copied
        assert all(contains_fact(text, f) for f in item.facts), item.id
        if not item.answerable:
            assert not judge(item, text, language).correct, item.id
