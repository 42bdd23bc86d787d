"""Load and check one language folder of a domain (``en/``, ``zh/``): intents, NLU examples,
responses, lexicon, FAQ, documents, example dialogues and the held-out eval files.
"""

from __future__ import annotations

import string
from pathlib import Path

from dialogue.domain.model import (
    EMOTIONS,
    INTENT_KINDS,
    Document,
    FaqEntry,
    Form,
    Intent,
    LanguagePack,
    SlotType,
)
from dialogue.domain.sources import TomlFile, check_keys, read_jsonl, read_toml, string_list
from dialogue.issues import Issue

OUT_OF_SCOPE = "oos"
GLOBAL = "_global"
DOC_SUFFIXES = (".md", ".txt")
ROLES = ("system", "user", "assistant")


def load_language(
    root: Path,
    lang: str,
    slots: dict[str, SlotType],
    forms: dict[str, Form],
    issues: list[Issue],
) -> LanguagePack:
    intents = _load_intents(root, lang, forms, issues)
    _check_nlu(root, f"{lang}/nlu.jsonl", intents, slots, issues)
    responses = _load_responses(root, lang, intents, forms, issues)
    lexicon = _load_lexicon(root, lang, slots, issues)
    faq = _load_faq(root, f"{lang}/faq.jsonl", issues)
    documents = _load_documents(root, lang, issues)
    dialogues = root / lang / "dialogues.jsonl"
    _check_dialogues(root, f"{lang}/dialogues.jsonl", issues, required=True)
    _check_eval(root, lang, {entry.id for entry in faq}, issues)
    return LanguagePack(
        language=lang,
        intents=intents,
        responses=responses,
        lexicon=lexicon,
        faq=faq,
        documents=documents,
        nlu_file=root / lang / "nlu.jsonl",
        dialogues_file=dialogues if dialogues.is_file() else None,
    )


def _load_intents(
    root: Path, lang: str, forms: dict[str, Form], issues: list[Issue]
) -> dict[str, Intent]:
    file = read_toml(root, f"{lang}/intents.toml", issues)
    if file is None:
        return {}
    intents = {}
    for name, spec in file.data.items():
        if not isinstance(spec, dict):
            issues.append(file.issue("each intent must be a [table]", name))
            continue
        check_keys(file, name, spec, {"kind", "description", "title"}, issues)
        kind = spec.get("kind")
        if kind not in INTENT_KINDS:
            issues.append(
                file.issue(f"kind must be one of {', '.join(INTENT_KINDS)}", name, "kind")
            )
            continue
        description = spec.get("description")
        if not isinstance(description, str) or not description.strip():
            issues.append(
                file.issue('needs a description (used in "did you mean ...?")', name, "description")
            )
            description = name
        title = spec.get("title", "")
        if not isinstance(title, str):
            issues.append(file.issue("title must be a string", name, "title"))
            title = ""
        if kind == "task" and name not in forms:
            issues.append(file.issue("a task intent needs a form in forms.toml", name, "kind"))
        intents[name] = Intent(name, kind, description, title or name.replace("_", " "))
    for intent in forms:
        if intents.get(intent, Intent("", "", "")).kind != "task":
            issues.append(
                Issue(
                    f"{lang}/intents.toml",
                    0,
                    intent,
                    'has a form, so it must be listed here with kind = "task"',
                )
            )
    return intents


def _check_nlu(
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
        if intent != OUT_OF_SCOPE and intent not in intents:
            issues.append(Issue(rel, line, "intent", f"intent {intent!r} is not in intents.toml"))
        spans = []
        for entity in record.get("entities", []) or []:
            start, end, label = entity.get("start"), entity.get("end"), entity.get("label")
            if label not in slots:
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


def _load_responses(
    root: Path,
    lang: str,
    intents: dict[str, Intent],
    forms: dict[str, Form],
    issues: list[Issue],
) -> dict[str, dict[str, tuple[str, ...]]]:
    file = read_toml(root, f"{lang}/responses.toml", issues)
    if file is None:
        return {}
    responses: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, situations in file.data.items():
        if table != GLOBAL and table not in intents:
            issues.append(
                file.issue(f"{table!r} is neither an intent in intents.toml nor _global", table)
            )
        if not isinstance(situations, dict):
            issues.append(file.issue("must be a [table] of situation = [variants]", table))
            continue
        responses[table] = {}
        for key, variants in situations.items():
            texts = string_list(variants)
            if texts is None:
                issues.append(file.issue("must be a list of non-empty strings", table, key))
                continue
            for text in texts:
                _check_template(file, table, key, text, issues)
            responses[table][key] = texts
    for intent, form in forms.items():
        have = responses.get(intent, {})
        needed = [f"ask_{slot}" for slot in form.slots] + (["confirm"] if form.confirm else [])
        if form.template_key:
            needed.append(form.template_key)
        for key in needed:
            if key not in have:
                issues.append(
                    Issue(
                        file.rel,
                        file.line_of(intent),
                        f"{intent}.{key}",
                        "is missing (the form needs it)",
                    )
                )
    for name, spec in intents.items():
        if spec.kind == "chitchat" and "default" not in responses.get(name, {}):
            issues.append(
                Issue(
                    file.rel,
                    file.line_of(name),
                    f"{name}.default",
                    "is missing (chitchat intents answer with it)",
                )
            )
    return responses


def _check_template(file: TomlFile, table: str, key: str, text: str, issues: list[Issue]) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        issues.append(file.issue(f"bad placeholder in {text!r}: {e}", table, key))
        return
    for name in fields:
        if not name.isidentifier():
            issues.append(file.issue(f"placeholder {{{name}}} must be a plain name", table, key))


def _load_lexicon(
    root: Path, lang: str, slots: dict[str, SlotType], issues: list[Issue]
) -> dict[str, dict[str, tuple[str, ...]]]:
    file = read_toml(root, f"{lang}/lexicon.toml", issues, required=False)
    if file is None:
        return {}
    lexicon: dict[str, dict[str, tuple[str, ...]]] = {}
    for slot, table in file.data.items():
        if slot not in slots:
            issues.append(file.issue(f"{slot!r} is not a slot in slots.toml", slot))
            continue
        if not isinstance(table, dict):
            issues.append(file.issue("must be a [table] of canonical = [surface forms]", slot))
            continue
        lexicon[slot] = {}
        for canonical, forms in table.items():
            if slots[slot].type == "choice" and canonical not in slots[slot].values:
                issues.append(
                    file.issue(f"{canonical!r} is not one of the slot's values", slot, canonical)
                )
            surfaces = string_list(forms)
            if surfaces is None:
                issues.append(file.issue("must be a list of non-empty strings", slot, canonical))
                continue
            lexicon[slot][canonical] = surfaces
    return lexicon


def _load_faq(root: Path, rel: str, issues: list[Issue]) -> tuple[FaqEntry, ...]:
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


def _load_documents(root: Path, lang: str, issues: list[Issue]) -> tuple[Document, ...]:
    folder = root / lang / "docs"
    if not folder.is_dir():
        return ()
    documents = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in DOC_SUFFIXES:
            continue
        rel = path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            issues.append(Issue(rel, 0, "", f"not UTF-8 text ({e.reason})"))
            continue
        if not text.strip():
            issues.append(Issue(rel, 0, "", "document is empty"))
            continue
        documents.append(Document(path.relative_to(root / lang).as_posix(), text))
    return tuple(documents)


def _check_dialogues(root: Path, rel: str, issues: list[Issue], required: bool) -> None:
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


def _check_eval(root: Path, lang: str, faq_ids: set[str], issues: list[Issue]) -> None:
    for name in ("kb_paraphrases", "kb_dev"):
        rel = f"{lang}/eval/{name}.jsonl"
        for line, record in read_jsonl(root, rel, issues, required=False):
            if not isinstance(record.get("question"), str):
                issues.append(Issue(rel, line, "question", "needs a question"))
            if record.get("faq_id") not in faq_ids:
                issues.append(
                    Issue(rel, line, "faq_id", f"{record.get('faq_id')!r} is not an FAQ id")
                )
    rel = f"{lang}/eval/emotion.jsonl"
    for line, record in read_jsonl(root, rel, issues, required=False):
        if not isinstance(record.get("text"), str):
            issues.append(Issue(rel, line, "text", "needs a text"))
        if record.get("emotion") not in EMOTIONS:
            issues.append(Issue(rel, line, "emotion", f"must be one of {', '.join(EMOTIONS)}"))
    _check_dialogues(root, f"{lang}/eval/dialogues.jsonl", issues, required=False)
