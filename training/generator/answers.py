"""Answers to knowledge questions, end to end: what a customer asking the shop hears.

The development set (``<domain>/<lang>/eval/answers_dev.jsonl``) holds questions about the
shop's documents written as customers ask them, apart from the FAQ phrasings, each with the
key facts a right answer states, and questions the documents cannot answer:

    {"id": "express-de", "question": "What does express shipping within Germany cost?",
     "facts": ["12.90"]}
    {"id": "ceo", "question": "Who is the managing director?", "answerable": false}

A fact is a number or code (compared as in ``dialogue.generator.facts``: 12.90 = 12.9) or a
phrase; ``a|b`` accepts either. Each question is asked in a fresh conversation through the
whole dialogue (understanding, retrieval, policy, and the stored or composed answer), so the
scores are of the product, not of the model alone. Scores:

- ``key_fact_share``: answerable questions whose reply states every key fact;
- ``wrongly_declined_share``: answerable questions answered with a decline or the offer of a
  person instead of the facts;
- ``invented_number_count``: replies (any question) stating a number or code that occurs
  nowhere in the domain's FAQ and documents nor in the question;
- ``declined_unanswerable_share``: unanswerable questions answered with a decline or the
  offer of a person (not with a wrong passage read out).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.compose import is_decline
from dialogue.generator.facts import fact_tokens
from training.generator.data import read_jsonl

ANSWERS_DEV_FILE = "eval/answers_dev.jsonl"
DECLINE_DECISIONS = frozenset({"offer_human", "handoff"})


@dataclass(frozen=True)
class AnswerItem:
    id: str
    question: str
    facts: tuple[str, ...] = ()
    answerable: bool = True


@dataclass(frozen=True)
class Asked:
    """What the dialogue did with one question."""

    reply: str
    decision: str
    latency_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def load_answer_items(path: Path) -> list[AnswerItem]:
    """The items of an answers file (see the module doc)."""
    items = []
    for _, row in read_jsonl(path):
        items.append(
            AnswerItem(
                id=str(row["id"]),
                question=str(row["question"]),
                facts=tuple(str(f) for f in row.get("facts", ())),
                answerable=bool(row.get("answerable", True)),
            )
        )
    return items


def states_fact(reply: str, fact: str) -> bool:
    """Whether ``reply`` states ``fact`` (any of its ``|`` alternatives)."""
    return any(_states_one(reply, alternative.strip()) for alternative in fact.split("|"))


def _states_one(reply: str, fact: str) -> bool:
    wanted = fact_tokens(fact)
    if wanted:
        return wanted <= fact_tokens(reply)
    if re.search(r"[\u4e00-\u9fff]", fact):
        return fact in reply
    # Latin letters and digits bound a word; a Chinese character next to it does not.
    pattern = rf"(?<![A-Za-z0-9]){re.escape(fact)}(?![A-Za-z0-9])"
    return re.search(pattern, reply, re.I) is not None


def invented(reply: str, question: str, knowledge: set[str]) -> set[str]:
    """Fact tokens of ``reply`` found neither in the domain's knowledge nor the question."""
    return fact_tokens(reply) - knowledge - fact_tokens(question)


def knowledge_facts(texts: Iterable[str]) -> set[str]:
    """Every fact token of the domain's FAQ answers and documents."""
    known: set[str] = set()
    for text in texts:
        known |= fact_tokens(text)
    return known


def judge(item: AnswerItem, asked: Asked, knowledge: set[str], language: str) -> dict[str, Any]:
    """One reply scored (see the module doc)."""
    declined = asked.decision in DECLINE_DECISIONS or is_decline(asked.reply, language)
    has_facts = item.answerable and all(states_fact(asked.reply, f) for f in item.facts)
    made_up = sorted(invented(asked.reply, item.question, knowledge))
    return {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "reply": asked.reply,
        "decision": asked.decision,
        "key_fact": has_facts,
        "declined": declined and not has_facts,
        "invented": made_up,
        "latency_ms": round(asked.latency_ms, 1),
        **({"compose": asked.extra["compose"]} if "compose" in asked.extra else {}),
    }


def evaluate_answers(
    ask: Callable[[str], Asked], items: list[AnswerItem], knowledge: set[str], language: str
) -> dict[str, Any]:
    """Ask every item (``ask`` starts a fresh conversation each time) and sum up the scores."""
    rows = [judge(item, ask(item.question), knowledge, language) for item in items]
    answerable = [r for r in rows if r["answerable"]]
    other = [r for r in rows if not r["answerable"]]
    return {
        "n_answerable": len(answerable),
        "n_unanswerable": len(other),
        "key_fact_share": _share(r["key_fact"] for r in answerable),
        "wrongly_declined_share": _share(r["declined"] for r in answerable),
        "invented_number_count": sum(bool(r["invented"]) for r in rows),
        "declined_unanswerable_share": _share(r["declined"] for r in other),
        "latency_ms_median": round(statistics.median(r["latency_ms"] for r in rows), 1)
        if rows
        else 0.0,
        "items": rows,
    }


def _share(values: Iterable[bool]) -> float:
    flags = list(values)
    return round(sum(flags) / len(flags), 4) if flags else 0.0
