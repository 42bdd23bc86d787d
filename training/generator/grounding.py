"""Grounding evaluation: does the generator answer from the passages, and decline without them?

The eval set (``<domain>/<lang>/eval/grounding.jsonl``, written apart from the FAQ and the
training dialogues) has one question per line with the passages a retriever would hand over:

    {"id": "gift-wrap", "question": "How much extra is gift wrapping?",
     "passages": [{"text": "Gift wrapping costs 3.90 euros per order. ...", "source": "..."}],
     "answerable": true, "facts": ["3.90"]}

``answerable: false`` items give passages that do not hold the answer; ``counterfactual:
true`` items give passages whose facts differ from the shop's real ones (gift wrapping at 4.50
instead of 3.90), so only a reply that reads the passage, not one recalled from training, is
right. Criterion (see
``dialogue.generator.facts``): an answerable reply is *grounded* when it is not a decline,
states every expected fact, and has no fact token (number, product code) that is absent from
the passages and the question. An unanswerable reply is *correct* when it declines and states
no unsupported fact.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.generation import GenerationRequest, Generator, Passage
from dialogue.generator.errors import GenerationTimeout
from dialogue.generator.facts import contains_fact, unsupported_facts
from training.generator.data import TrainingDataError, read_jsonl

GROUNDING_FILE = "eval/grounding.jsonl"

_DECLINES = {
    "en": re.compile(
        r"(don'?t|do not) have (that|this|any|the|enough|such)? ?information|no information"
        r"|not (in|part of) the reference|(can'?t|cannot) (find|answer)|i('m| am) not sure"
        r"|i don'?t know|(doesn'?t|does not) (say|mention|contain|include)",
        re.I,
    ),
    "zh": re.compile(
        r"没有(这方面的|相关|这个|该|此类)?(信息|资料)|不清楚|无法回答|不知道|没有提(到|及)"
    ),
}


@dataclass(frozen=True)
class GroundingItem:
    id: str
    question: str
    passages: tuple[Passage, ...]
    answerable: bool
    facts: tuple[str, ...]
    counterfactual: bool = False  # its passages contradict the shop's real facts on purpose


@dataclass(frozen=True)
class Judgement:
    """One reply, scored: what it missed, what it made up, and whether it is correct."""

    id: str
    answerable: bool
    counterfactual: bool
    reply: str
    declined: bool
    missing: tuple[str, ...]
    unsupported: tuple[str, ...]

    @property
    def correct(self) -> bool:
        if self.answerable:
            return not self.declined and not self.missing and not self.unsupported
        return self.declined and not self.unsupported


def read_grounding_set(path: Path) -> list[GroundingItem]:
    """Items of a grounding eval file; errors name the file and line."""
    items = []
    for where, line in read_jsonl(path):
        try:
            passages = tuple(Passage(p["text"], p.get("source", "")) for p in line["passages"])
            item = GroundingItem(
                str(line["id"]),
                str(line["question"]),
                passages,
                bool(line["answerable"]),
                tuple(str(f) for f in line.get("facts", [])),
                bool(line.get("counterfactual", False)),
            )
        except (KeyError, TypeError) as e:
            raise TrainingDataError(
                f"{where}: needs id, question, passages [{{text, source}}], answerable ({e})"
            ) from None
        if item.answerable and not item.facts:
            raise TrainingDataError(f"{where}: an answerable item needs its expected 'facts'")
        items.append(item)
    return items


def is_decline(reply: str, language: str) -> bool:
    """Whether the reply says it does not have the information."""
    return bool(_DECLINES.get(language, _DECLINES["en"]).search(reply))


def judge(item: GroundingItem, reply: str, language: str) -> Judgement:
    """Score one reply against its item (pure)."""
    sources = [p.text for p in item.passages] + [item.question]
    return Judgement(
        id=item.id,
        answerable=item.answerable,
        counterfactual=item.counterfactual,
        reply=reply,
        declined=is_decline(reply, language),
        missing=tuple(f for f in item.facts if not contains_fact(reply, f)),
        unsupported=tuple(sorted(unsupported_facts(reply, sources))),
    )


def summarize(judgements: list[Judgement]) -> dict[str, Any]:
    """The grounding numbers reported in BENCHMARKS.md."""
    answerable = [j for j in judgements if j.answerable]
    unanswerable = [j for j in judgements if not j.answerable]

    def share(subset: list[Judgement], ok: Any) -> float | None:
        return round(sum(1 for j in subset if ok(j)) / len(subset), 3) if subset else None

    counterfactual = [j for j in answerable if j.counterfactual]
    return {
        "n": len(judgements),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "grounded_answer_share": share(answerable, lambda j: j.correct),
        "counterfactual_grounded_share": share(counterfactual, lambda j: j.correct),
        "correct_decline_share": share(unanswerable, lambda j: j.correct),
        "unsupported_fact_share": share(judgements, lambda j: bool(j.unsupported)),
        "false_decline_share": share(answerable, lambda j: j.declined),
    }


def run_grounding(
    generator: Generator, items: list[GroundingItem], language: str, max_new_tokens: int = 64
) -> tuple[dict[str, Any], list[Judgement]]:
    """Generate a reply for every item and score it; returns (summary, judgements)."""
    judgements = []
    started = time.perf_counter()
    for item in items:
        request = GenerationRequest(
            item.question, language, passages=item.passages, max_new_tokens=max_new_tokens
        )
        try:
            reply = "".join(generator.stream(request))
        except GenerationTimeout as e:
            reply = e.partial
        judgements.append(judge(item, reply, language))
    summary = summarize(judgements)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary, judgements
