"""A development grounding set drawn from a domain's FAQ, for tuning training choices.

The bundled ``eval/grounding.jsonl`` measures the result; if data or defaults were tuned on
it, its numbers would flatter the adapter. This set is what to tune on instead. It reuses
only what training never shows: each FAQ entry's paraphrases past the ones that become
training examples (``FAQ_QUESTIONS``). For an entry whose answer states numbers it gives

- the unused question with the entry's document paragraph (or its answer) as the passage,
  every number changed consistently with a seed training does not use, so a reply recalled
  from training fails and only one read from the passage counts;
- the same question with an unrelated passage, to be declined.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from dialogue.generation import Passage
from dialogue.generator.facts import fact_tokens
from training.generator.data import FaqEntry, read_doc_paragraphs, read_faq
from training.generator.examples import FAQ_QUESTIONS, backing_paragraph, overlap, perturb_numbers
from training.generator.grounding import GroundingItem

DEV_SEED = 7919  # differs from training seeds, so the changed numbers differ from training's
_NUMBER = re.compile(r"\d")


def dev_grounding_items(
    faq: list[FaqEntry], docs: list[Passage], answerable: int = 12, unanswerable: int = 8
) -> list[GroundingItem]:
    """Up to ``answerable`` + ``unanswerable`` items, spread over the FAQ (deterministic)."""
    rng = random.Random(DEV_SEED)
    usable = [e for e in faq if len(e.questions) > FAQ_QUESTIONS and _NUMBER.search(e.answer)]
    rng.shuffle(usable)
    items = []
    for entry in usable[:answerable]:
        question = entry.questions[FAQ_QUESTIONS]
        source = backing_paragraph(entry.answer, docs) or Passage(entry.answer, entry.id)
        text, answer = perturb_numbers([source.text, entry.answer], rng)
        facts = tuple(sorted(fact_tokens(answer) & fact_tokens(text)))
        if facts:
            passage = Passage(text, source.source)
            items.append(GroundingItem(f"dev-{entry.id}", question, (passage,), True, facts, True))
    others = [Passage(e.answer, e.id) for e in faq] + docs
    for entry in usable[answerable : answerable + unanswerable]:
        unrelated = [p for p in others if overlap(entry.answer, p.text) < 0.1]
        if unrelated:
            passage = rng.choice(unrelated)
            question = entry.questions[FAQ_QUESTIONS]
            items.append(GroundingItem(f"dev-{entry.id}-none", question, (passage,), False, ()))
    return items


def domain_dev_items(folder: Path) -> list[GroundingItem]:
    """The dev set of one language folder of a domain (``faq.jsonl`` and ``docs/``)."""
    docs = read_doc_paragraphs(folder / "docs") if (folder / "docs").is_dir() else []
    return dev_grounding_items(read_faq(folder / "faq.jsonl"), docs)
