"""Check the JSON Lines files of a language folder: NLU examples, the FAQ, example dialogues
and the held-out eval files. Every problem is an issue with the file, line and field.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from dialogue.domain.model import EMOTIONS, FaqEntry, Intent, SlotType
from dialogue.domain.sources import read_jsonl, string_list
from dialogue.issues import Issue

OUT_OF_SCOPE = "oos"
ROLES = ("system", "user", "assistant")


ENTITIES = 'needs a list of {"start": N, "end": N, "label": slot} objects'


def _named_in(value: object, table: Collection[str]) -> bool:
    """Whether ``value`` is a name in ``table`` (a list or a table from a damaged file is
    no name: ``in`` would raise on it)."""
    return isinstance(value, str) and value in table


def check_nlu(
    root: Path,
    rel: str,
    intents: dict[str, Intent],
    slots: dict[str, SlotType],
    issues: list[Issue],
) -> None:
    for line, record in read_jsonl(root, rel, issues):
        text, intent = record.get("text"), record.get("intent")
        if not isinstance(text, str) or not text.strip():
            issues.append(Issue(rel, line, "text", "needs a non-empty text"))
            continue
        if intent != OUT_OF_SCOPE and not _named_in(intent, intents):
            issues.append(Issue(rel, line, "intent", f"intent {intent!r} is not in intents.toml"))
        entities = record.get("entities", []) or []
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            issues.append(Issue(rel, line, "entities", ENTITIES))
            continue
        spans = []
        for entity in entities:
            start, end, label = entity.get("start"), entity.get("end"), entity.get("label")
            if not _named_in(label, slots):
                issues.append(Issue(rel, line, "entities", f"label {label!r} is not in slots.toml"))
            if not (
                isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
            ):
                issues.append(
                    Issue(rel, line, "entities", f"span {start}..{end} is outside the text")
                )
                continue
            if text[start:end] != text[start:end].strip():
                issues.append(
                    Issue(rel, line, "entities", f"span {text[start:end]!r} has spaces at its ends")
                )
            spans.append((start, end))
        spans.sort()
        for (_, end_a), (start_b, _) in zip(spans, spans[1:], strict=False):
            if start_b < end_a:
                issues.append(Issue(rel, line, "entities", "spans overlap"))


def load_faq(root: Path, rel: str, issues: list[Issue]) -> tuple[FaqEntry, ...]:
    entries: dict[str, FaqEntry] = {}
    for line, record in read_jsonl(root, rel, issues):
        entry_id, answer = record.get("id"), record.get("answer")
        questions = string_list(record.get("questions"))
        if not isinstance(entry_id, str) or not entry_id:
            issues.append(Issue(rel, line, "id", "needs a non-empty id"))
            continue
        if entry_id in entries:
            issues.append(Issue(rel, line, "id", f"duplicate id {entry_id!r}"))
        if questions is None:
            issues.append(Issue(rel, line, "questions", "needs a list of question phrasings"))
        if not isinstance(answer, str) or not answer.strip():
            issues.append(Issue(rel, line, "answer", "needs a non-empty answer"))
        tags = string_list(record.get("tags")) or ()
        if questions and isinstance(answer, str):
            entries[entry_id] = FaqEntry(entry_id, questions, answer, tags)
    return tuple(entries.values())


def check_dialogues(root: Path, rel: str, issues: list[Issue], required: bool) -> None:
    for line, record in read_jsonl(root, rel, issues, required=required):
        messages = record.get("messages")
        if not isinstance(messages, list) or not messages:
            issues.append(Issue(rel, line, "messages", "needs a list of chat messages"))
            continue
        for number, message in enumerate(messages):
            ok = isinstance(message, dict) and message.get("role") in ROLES
            if not ok or not isinstance(message.get("content"), str):
                where = f"messages[{number}]"
                issues.append(
                    Issue(
                        rel, line, where, 'needs {"role": user|assistant|system, "content": text}'
                    )
                )


def check_eval(root: Path, lang: str, faq_ids: set[str], issues: list[Issue]) -> None:
    for name in ("kb_paraphrases", "kb_dev"):
        rel = f"{lang}/eval/{name}.jsonl"
        for line, record in read_jsonl(root, rel, issues, required=False):
            if not isinstance(record.get("question"), str):
                issues.append(Issue(rel, line, "question", "needs a question"))
            if not _named_in(record.get("faq_id"), faq_ids):
                issues.append(
                    Issue(rel, line, "faq_id", f"{record.get('faq_id')!r} is not an FAQ id")
                )
    rel = f"{lang}/eval/emotion.jsonl"
    for line, record in read_jsonl(root, rel, issues, required=False):
        if not isinstance(record.get("text"), str):
            issues.append(Issue(rel, line, "text", "needs a text"))
        if record.get("emotion") not in EMOTIONS:
            issues.append(Issue(rel, line, "emotion", f"must be one of {', '.join(EMOTIONS)}"))
    check_dialogues(root, f"{lang}/eval/dialogues.jsonl", issues, required=False)
