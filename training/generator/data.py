"""Training data for the generator: read chat and FAQ JSONL, build grounded chat examples.

Every example is a full chat in the exact shape inference uses (``dialogue.generator.prompt``):
the system rules, recent history, then a user turn carrying reference passages, and one
assistant reply to learn. FAQ entries become two kinds of example so the adapter learns the
grounding habit itself: the FAQ answer as the passage and the answer as the reply, and an
unrelated FAQ answer as the passage with the decline as the reply. Example dialogues teach the
voice; each of their assistant turns gets as passages the FAQ answers and document sections
that share most words with it, so a fact in a reply is always backed by a passage.

Bad input is reported as ``file:line: what is wrong`` (TrainingDataError), never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.generation import GenerationRequest, Message, Passage
from dialogue.generator.prompt import DECLINE, build_messages, neutralize
from training.generator.facts import unsupported_facts

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")
FAQ_PHRASINGS = 2  # questions per FAQ entry turned into answer examples
MIN_OVERLAP = 0.3  # share of a reply's content words a passage must contain to back it
_STOPWORDS = set(
    "the a an and or but to of in on at for with from by is are was were be been it its this "
    "that you your we our us i me my can will would could should do does did have has had not "
    "no yes please thanks thank hi hello if so as".split()
)


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
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TrainingDataError(f"{path}: cannot read ({e})") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise TrainingDataError(f"{where}: not valid JSON ({e.msg})") from None
        if not isinstance(value, dict):
            raise TrainingDataError(f"{where}: expected a JSON object")
        yield where, value


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


def content_words(text: str) -> set[str]:
    """Words that carry facts: numbers, non-stopwords, and Chinese character pairs."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z]+|\d+(?:[.,:]\d+)*", lowered) if w not in _STOPWORDS}
    words = {w for w in words if len(w) > 2 or w[0].isdigit()}
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def backing_passages(reply: str, candidates: list[Passage], limit: int = 2) -> tuple[Passage, ...]:
    """The candidates that share at least MIN_OVERLAP of the reply's content words."""
    words = content_words(reply)
    if not words:
        return ()
    scored = [(len(words & content_words(p.text)) / len(words), p) for p in candidates]
    best = sorted((s for s in scored if s[0] >= MIN_OVERLAP), key=lambda s: -s[0])
    return tuple(p for _, p in best[:limit])


def _example(request: GenerationRequest, reply: str, group: str, kind: str) -> ChatExample:
    messages = build_messages(request)
    return ChatExample(
        (*messages, {"role": "assistant", "content": neutralize(reply)}), group, kind
    )


def faq_examples(faq: list[FaqEntry], language: str, seed: int = 0) -> list[ChatExample]:
    """Answer-from-passage and decline-on-unrelated-passage examples from FAQ entries."""
    rng = random.Random(seed)
    examples = []
    for i, entry in enumerate(faq):
        own = Passage(entry.answer, f"faq:{entry.id}")
        others = [e for e in faq if e.id != entry.id]
        for question in entry.questions[:FAQ_PHRASINGS]:
            passages = [own]
            if others and rng.random() < 0.5:  # retrieval returns distractors too
                other = rng.choice(others)
                passages.insert(rng.randrange(2), Passage(other.answer, f"faq:{other.id}"))
            request = GenerationRequest(question, language, passages=tuple(passages))
            examples.append(_example(request, entry.answer, f"faq:{entry.id}", "answer"))
        if others:
            unrelated = others[(i * 7 + 3) % len(others)]
            request = GenerationRequest(
                entry.questions[-1],
                language,
                passages=(Passage(unrelated.answer, f"faq:{unrelated.id}"),),
            )
            examples.append(_example(request, DECLINE[language], f"faq:{entry.id}", "decline"))
    return examples


def chat_examples(
    chats: list[Chat], language: str, candidates: list[Passage], require_backing: bool = True
) -> list[ChatExample]:
    """One example per assistant turn that answers a user turn, history as in inference.

    With ``require_backing``, a turn stating a fact (number, product code) found in none of
    its passages or earlier turns is skipped: learning it would teach the adapter to invent
    facts. Evaluation keeps every turn (it measures, it does not teach).
    """
    examples = []
    unbacked = 0
    for chat in chats:
        turns = [m for m in chat.messages if m.role != "system"]
        for j, message in enumerate(turns):
            if message.role != "assistant" or j == 0 or turns[j - 1].role != "user":
                continue
            passages = chat.passages or backing_passages(message.content, candidates)
            sources = [p.text for p in passages] + [m.content for m in turns[:j]]
            if require_backing and unsupported_facts(message.content, sources):
                unbacked += 1  # e.g. order dates from the database: not in any passage
                continue
            request = GenerationRequest(
                turns[j - 1].content, language, passages=passages, history=tuple(turns[: j - 1])
            )
            kind = "given" if chat.passages else "dialogue"
            examples.append(_example(request, message.content, chat.where, kind))
    if unbacked:
        log.info("Skipped %d dialogue turn(s) whose facts no passage backs", unbacked)
    return examples


def language_folder(domain: Path, language: str) -> Path:
    """``domain/<language>`` for a domain root, or the folder itself if it is one already."""
    return domain / language if (domain / language).is_dir() else domain


def load_examples(data: Path, language: str, seed: int = 0) -> tuple[list[ChatExample], list[Path]]:
    """Examples from a domain folder (dialogues + FAQ + docs) or a chat JSONL file.

    Returns the examples and the files they came from (for the data hash).
    """
    if data.is_file():
        return chat_examples(read_chats(data), language, []), [data]
    folder = language_folder(data, language)
    files = [folder / "dialogues.jsonl", folder / "faq.jsonl"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise TrainingDataError(
            f"{data} is neither a chat JSONL file nor a domain folder with "
            f"{language}/dialogues.jsonl and {language}/faq.jsonl (missing: {', '.join(missing)})"
        )
    faq = read_faq(files[1])
    docs = read_doc_paragraphs(folder / "docs") if (folder / "docs").is_dir() else []
    candidates = [Passage(e.answer, f"faq:{e.id}") for e in faq] + docs
    examples = faq_examples(faq, language, seed)
    examples += chat_examples(read_chats(files[0]), language, candidates)
    docs_files = sorted((folder / "docs").glob("*.*")) if docs else []
    return examples, files + docs_files


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
