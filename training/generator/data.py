"""The generator's data files: chat and FAQ JSONL, documents, prompt-form examples, the split.

Reading validates as it goes and reports ``file:line: what is wrong`` (TrainingDataError),
never a traceback. How FAQ entries and dialogues become training examples is in
``training.generator.examples``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.files import JsonlError, load_jsonl
from dialogue.generation import Message, Passage

ROLES = ("system", "user", "assistant")


class TrainingDataError(Exception):
    """A training or evaluation file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class FaqEntry:
    id: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Chat:
    """One conversation from a chat JSONL file, with optional passages given on its line."""

    messages: tuple[Message, ...]
    where: str  # "file:line", for messages and the train/held-out split
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class ChatExample:
    """Prompt messages plus one assistant reply to learn; ``group`` keeps paraphrases together."""

    messages: tuple[dict[str, str], ...]
    group: str
    kind: str  # "answer" | "decline" | "dialogue" | "given"


def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """("file:line", object) for every non-blank line; errors name the line."""
    try:
        records = load_jsonl(path)
    except JsonlError as e:
        raise TrainingDataError(str(e)) from None
    for number, value in records:
        yield f"{path}:{number}", value


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TrainingDataError(f"{where}: '{field}' must be a non-empty string")
    return value.strip()


def read_chats(path: Path) -> list[Chat]:
    """Conversations in OpenAI messages format, one per line (``{"messages": [...]}``)."""
    chats = []
    for where, line in read_jsonl(path):
        messages = line.get("messages")
        if not isinstance(messages, list) or not messages:
            raise TrainingDataError(f"{where}: 'messages' must be a non-empty list")
        parsed = []
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ROLES:
                raise TrainingDataError(f"{where}: messages[{i}].role must be one of {ROLES}")
            content = _text(message.get("content"), where, f"messages[{i}].content")
            parsed.append(Message(message["role"], content))
        if not any(m.role == "assistant" for m in parsed):
            raise TrainingDataError(f"{where}: no assistant message to learn from")
        passages = tuple(
            Passage(
                _text(p.get("text") if isinstance(p, dict) else None, where, "passages"),
                str(p.get("source", where)),
            )
            for p in line.get("passages", [])
        )
        chats.append(Chat(tuple(parsed), where, passages))
    return chats


def read_faq(path: Path) -> list[FaqEntry]:
    """FAQ entries (``{"id", "questions": [...], "answer"}`` per line)."""
    entries = []
    for where, line in read_jsonl(path):
        questions = line.get("questions")
        if not isinstance(questions, list) or not questions:
            raise TrainingDataError(f"{where}: 'questions' must be a non-empty list")
        entries.append(
            FaqEntry(
                _text(line.get("id"), where, "id"),
                tuple(_text(q, where, "questions") for q in questions),
                _text(line.get("answer"), where, "answer"),
            )
        )
    return entries


def read_doc_paragraphs(folder: Path) -> list[Passage]:
    """Paragraphs of every Markdown/text document, as candidate passages (source: file#heading).

    Paragraphs rather than whole sections keep a passage to the fact it backs and the
    example short.
    """
    passages = []
    for path in sorted([*folder.glob("*.md"), *folder.glob("*.txt")]):
        heading = ""
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            text = block.strip()
            if text.startswith("#"):
                heading, _, text = text.partition("\n")
                heading, text = heading.lstrip("#").strip(), text.strip()
            if text:
                passages.append(Passage(text, f"{path.name}#{heading}" if heading else path.name))
    return passages


def read_doc_units(folder: Path) -> list[Passage]:
    """The units retrieval indexes for composed answers (``dialogue.kb.chunking``: sentences,
    list items, table rows) of every Markdown/text document, as candidate passages."""
    from dialogue.kb.chunking import sentence_units

    passages = []
    for path in sorted([*folder.glob("*.md"), *folder.glob("*.txt")]):
        for unit in sentence_units(path.name, path.read_text(encoding="utf-8")):
            passages.append(Passage(unit.text, unit.source))
    return passages


def split_heldout(
    examples: list[ChatExample], fraction: float
) -> tuple[list[ChatExample], list[ChatExample]]:
    """(train, held out) by group hash: stable across runs, paraphrases never straddle it."""
    groups = sorted({e.group for e in examples}, key=_bucket)
    if len(groups) < 2 or fraction <= 0:
        return examples, []
    heldout = {g for g in groups if _bucket(g) < fraction} or {groups[0]}
    return (
        [e for e in examples if e.group not in heldout],
        [e for e in examples if e.group in heldout],
    )


def _bucket(group: str) -> float:
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def data_sha256(files: list[Path]) -> str:
    """Hash of the input files' names and bytes: stored with the adapter it produced."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def write_examples(path: Path, examples: list[ChatExample]) -> None:
    """Save examples as chat JSONL (the held-out split travels with the adapter)."""
    lines = [
        json.dumps(
            {"messages": list(e.messages), "group": e.group, "kind": e.kind}, ensure_ascii=False
        )
        for e in examples
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_examples(path: Path) -> list[ChatExample]:
    """Examples written by :func:`write_examples` (already in prompt form)."""
    examples = []
    for where, line in read_jsonl(path):
        chat = read_chats_line(where, line)
        examples.append(ChatExample(chat, str(line.get("group", where)), str(line.get("kind", ""))))
    return examples


def read_chats_line(where: str, line: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """The messages of one prompt-form line; they must end with the assistant reply."""
    messages = line.get("messages") or []
    ok = (
        isinstance(messages, list)
        and bool(messages)
        and all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str)
            for m in messages
        )
        and messages[-1]["role"] == "assistant"
    )
    if not ok:
        raise TrainingDataError(
            f"{where}: expected 'messages' (role, content) ending with an assistant reply"
        )
    return tuple({"role": m["role"], "content": m["content"]} for m in messages)
