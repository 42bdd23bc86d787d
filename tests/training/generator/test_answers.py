"""Scoring end-to-end knowledge answers: key facts (numbers, codes, phrases, alternatives),
invented numbers, declines."""

from __future__ import annotations

import pytest

from training.generator.answers import (
    AnswerItem,
    Asked,
    evaluate_answers,
    invented,
    knowledge_facts,
    states_fact,
)

KNOWLEDGE = knowledge_facts(["Express costs 12.90 euros.", "Returns within 30 days.", "LL-1042"])


@pytest.mark.parametrize(
    ("reply", "fact", "stated"),
    [
        ("Express costs 12.9 euros.", "12.90", True),
        ("Express costs 12.90 euros.", "12.95", False),
        ("It takes 4 to 7 working days.", "4 to 7", True),
        ("It takes 4 working days.", "4 to 7", False),
        ("We do not ship outside the EU.", "outside the EU|do not ship", True),
        ("Sizes up to XXL.", "XXL", True),
        ("Sizes up to XXXL.", "XXL", False),
        ("男士衬衫有S到XXL。", "XXL", True),
        ("保修两年。", "两年|2年", True),
        ("保修期很长。", "两年|2年", False),
    ],
)
def test_states_fact(reply: str, fact: str, stated: bool) -> None:
    assert states_fact(reply, fact) is stated


def test_invented_numbers_are_those_in_no_text_of_the_domain_nor_the_question() -> None:
    assert invented("Express costs 12.90 euros.", "q", KNOWLEDGE) == set()
    assert invented("Express costs 11.50 euros.", "q", KNOWLEDGE) == {"11.5"}
    assert invented("Order 10482 is on its way.", "where is order 10482", KNOWLEDGE) == set()


def test_scores_key_facts_declines_and_inventions() -> None:
    items = [
        AnswerItem("a", "what does express cost", ("12.90",)),
        AnswerItem("b", "how long to return", ("30",)),
        AnswerItem("c", "who is the boss", (), answerable=False),
    ]
    replies = {
        "what does express cost": Asked("Express costs 12.90 euros.", "answer"),
        "how long to return": Asked("I don't have that information, sorry.", "generate"),
        "who is the boss": Asked("Our boss owns 7 shops.", "generate"),
    }
    report = evaluate_answers(replies.__getitem__, items, KNOWLEDGE, "en")
    assert report["key_fact_share"] == 0.5 and report["wrongly_declined_share"] == 0.5
    assert report["invented_number_count"] == 1 and report["declined_unanswerable_share"] == 0.0
