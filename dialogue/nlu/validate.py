"""Checks on NLU data before anything trains, with file:line messages, and the data summary.

Errors stop training: a tag count that differs from the word count, ``I-`` without ``B-``, a
span outside the text or splitting a character (a combining mark from its base), overlapping
spans, an empty file, the same text with different intents, a single intent (nothing to tell
apart). Warnings are reported and training goes on: exact duplicates, the same text with
different slot tags (real corpora have a few, SNIPS train has one; the model simply sees both),
and rare intents (ATIS as published has intents with one example: such an intent is learnt
from it and stays out of the dev split, so it is never checked there).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dialogue.nlu.bio import OUTSIDE, can_follow, is_valid_tag, spans_from_tags, tags_from_spans
from dialogue.nlu.errors import Issue
from dialogue.nlu.readers import Entity, Record
from dialogue.nlu.schema import Example
from dialogue.nlu.words import split_words, words_from_tokens

MIN_INTENTS = 2  # a classifier needs something to tell apart
DEV_EXAMPLES_PER_INTENT = 2  # below this an intent is learnt but cannot be checked on dev
FEW_EXAMPLES_PER_INTENT = 10  # below this the intent is learnt, with a warning


def _check_tags(tags: Sequence[str]) -> str | None:
    previous: str | None = None
    for i, tag in enumerate(tags, start=1):
        if not is_valid_tag(tag):
            return f"tag {i} {tag!r} is not O, B-label or I-label"
        if not can_follow(previous, tag):
            return f"tag {i} {tag!r} follows {previous or 'the start'} (I- without B-)"
        previous = tag
    return None


def _jointbert_example(record: Record) -> Example | Issue:
    tokens, tags = record.tokens or (), record.tags or ()
    if not tokens:
        return Issue(record.source, record.line, "", "empty utterance")
    if len(tags) != len(tokens):
        return Issue(
            record.source,
            record.line,
            "",
            f"{len(tags)} tags for {len(tokens)} words (seq.out must have one tag per word)",
        )
    problem = _check_tags(tags)
    if problem:
        return Issue(record.source, record.line, "", problem)
    text, words = words_from_tokens(tokens)
    return Example(text, words, tuple(tags), record.intent, record.source, record.line)


def _splits_character(text: str, offset: int) -> bool:
    """An offset between a base character and its combining mark (or inside a surrogate pair)."""
    if 0 < offset < len(text):
        char = text[offset]
        return bool(unicodedata.combining(char)) or 0xDC00 <= ord(char) <= 0xDFFF
    return False


def _entity_problem(text: str, entity: Entity) -> str | None:
    where = f"entity {entity.label!r} [{entity.start}, {entity.end})"
    if not 0 <= entity.start < entity.end <= len(text):
        return f"{where} is outside the text (length {len(text)}) or empty"
    if _splits_character(text, entity.start) or _splits_character(text, entity.end):
        return f"{where} does not fall on a character boundary"
    if not text[entity.start : entity.end].strip():
        return f"{where} covers only whitespace"
    return None


def _jsonl_example(record: Record) -> Example | Issue:
    text = record.text
    if not text.strip():
        return Issue(record.source, record.line, "", "empty text")
    for entity in record.entities:
        problem = _entity_problem(text, entity)
        if problem:
            return Issue(record.source, record.line, "", problem)
    ordered = sorted(record.entities, key=lambda e: (e.start, e.end))
    for first, second in zip(ordered, ordered[1:], strict=False):
        if second.start < first.end:
            return Issue(
                record.source,
                record.line,
                "",
                f"entities {first.label!r} [{first.start}, {first.end}) and {second.label!r} "
                f"[{second.start}, {second.end}) overlap",
            )
    edges = {offset for e in ordered for offset in (e.start, e.end)}
    words = split_words(text, edges)
    spans = []
    for entity in ordered:
        inside = [i for i, w in enumerate(words) if entity.start <= w.start and w.end <= entity.end]
        spans.append((entity.label, inside[0], inside[-1] + 1))
    tags = tags_from_spans(len(words), spans)
    return Example(text, words, tags, record.intent, record.source, record.line)


def to_example(record: Record) -> Example | Issue:
    """The checked example of one record, or the first problem with it."""
    if record.tokens is not None:
        return _jointbert_example(record)
    return _jsonl_example(record)


def _duplicates(examples: Sequence[Example]) -> list[Issue]:
    issues: list[Issue] = []
    first_seen: dict[str, Example] = {}
    for example in examples:
        key = " ".join(w.text for w in example.words)
        earlier = first_seen.setdefault(key, example)
        if earlier is example:
            continue
        where = f"line {earlier.line}" if earlier.source == example.source else str(earlier.source)
        if earlier.intent != example.intent:
            message = f"same text as {where} but intent {example.intent!r} vs {earlier.intent!r}"
            issues.append(Issue(example.source, example.line, "", message))
        elif earlier.tags != example.tags:
            message = f"same text as {where} with different slot tags"
            issues.append(Issue(example.source, example.line, "", message, "warning"))
        else:
            issues.append(
                Issue(example.source, example.line, "", f"duplicate of {where}", "warning")
            )
    return issues


def _intent_counts(examples: Sequence[Example], source: str) -> list[Issue]:
    counts = Counter(e.intent for e in examples)
    issues: list[Issue] = []
    if examples and len(counts) < MIN_INTENTS:
        message = f"only one intent ({examples[0].intent!r}); at least {MIN_INTENTS} are needed"
        issues.append(Issue(source, 0, "", message))
    for intent, count in sorted(counts.items()):
        if count < DEV_EXAMPLES_PER_INTENT:
            message = (
                f"intent {intent!r} has only {count} example; it is learnt from it "
                "but never checked on dev (it stays in train)"
            )
            issues.append(Issue(source, 0, "", message, "warning"))
        elif count < FEW_EXAMPLES_PER_INTENT:
            message = f"intent {intent!r} has only {count} examples; it will be learnt poorly"
            issues.append(Issue(source, 0, "", message, "warning"))
    return issues


def validate_records(
    records: Sequence[Record], source: str, for_training: bool = True
) -> tuple[list[Example], list[Issue]]:
    """Examples and every issue found; callers stop on any issue of severity "error".

    ``for_training`` adds the per-intent count checks, which do not apply to test data.
    """
    if not records:
        return [], [Issue(source, 0, "", "no examples (the file is empty)")]
    examples: list[Example] = []
    issues: list[Issue] = []
    for record in records:
        result = to_example(record)
        if isinstance(result, Issue):
            issues.append(result)
        else:
            examples.append(result)
    if for_training:  # first: a rare intent must not hide behind many duplicate warnings
        issues.extend(_intent_counts(examples, source))
    issues.extend(_duplicates(examples))
    return examples, issues


@dataclass(frozen=True)
class DataSummary:
    """Counts that tell a user what their data holds, printed before training."""

    n_examples: int
    intents: dict[str, int]
    slots: dict[str, int]

    def lines(self) -> list[str]:
        out = [f"{self.n_examples} examples, {len(self.intents)} intents, {len(self.slots)} slots"]
        out += [f"  intent {name}: {count}" for name, count in self.intents.items()]
        out += [f"  slot {name}: {count}" for name, count in self.slots.items()]
        return out


def summarize(examples: Sequence[Example]) -> DataSummary:
    slots = Counter(label for e in examples for label, _, _ in spans_from_tags(e.tags))
    intents = Counter(e.intent for e in examples)
    return DataSummary(
        n_examples=len(examples),
        intents=dict(sorted(intents.items())),
        slots=dict(sorted(slots.items())),
    )


def tag_inventory(examples: Sequence[Example]) -> list[str]:
    """``O`` then ``B-x``/``I-x`` for every slot type seen, sorted: the tagger's output labels."""
    types = sorted({t for found in intent_slot_types(examples).values() for t in found})
    return [OUTSIDE, *(f"{p}-{t}" for t in types for p in ("B", "I"))]


def intent_slot_types(examples: Sequence[Example]) -> dict[str, tuple[str, ...]]:
    """The slot types each intent's examples use, sorted: what decoding may predict for it.

    Slot inventories are intent-specific (a ``best_rating`` belongs to rating a book, not to
    finding a film), so once the intent is known the tagger need not consider the others.
    """
    types: dict[str, set[str]] = {}
    for example in examples:
        found = types.setdefault(example.intent, set())
        found.update(t[2:] for t in example.tags if t != OUTSIDE)
    return {intent: tuple(sorted(found)) for intent, found in sorted(types.items())}
