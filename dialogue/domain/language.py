"""Load and check one language folder of a domain (``en/``, ``zh/``): intents, NLU examples,
responses, lexicon, FAQ, documents, example dialogues and the held-out eval files.
"""

from __future__ import annotations

import string
from pathlib import Path

from dialogue.domain.model import (
    INTENT_KINDS,
    Document,
    Form,
    Intent,
    LanguagePack,
    SlotType,
)
from dialogue.domain.records import check_dialogues, check_eval, check_nlu, load_faq
from dialogue.domain.sources import TomlFile, check_keys, read_toml, string_list
from dialogue.issues import Issue

GLOBAL = "_global"
DOC_SUFFIXES = (".md", ".txt")


def load_language(
    root: Path,
    lang: str,
    slots: dict[str, SlotType],
    forms: dict[str, Form],
    issues: list[Issue],
) -> LanguagePack:
    intents = _load_intents(root, lang, forms, issues)
    check_nlu(root, f"{lang}/nlu.jsonl", intents, slots, issues)
    responses = _load_responses(root, lang, intents, forms, issues)
    lexicon = _load_lexicon(root, lang, slots, issues)
    faq = load_faq(root, f"{lang}/faq.jsonl", issues)
    documents = _load_documents(root, lang, issues)
    dialogues = root / lang / "dialogues.jsonl"
    check_dialogues(root, f"{lang}/dialogues.jsonl", issues, required=True)
    check_eval(root, lang, {entry.id for entry in faq}, issues)
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
    _check_needed(file, responses, intents, forms, issues)
    return responses


def _check_needed(
    file: TomlFile,
    responses: dict[str, dict[str, tuple[str, ...]]],
    intents: dict[str, Intent],
    forms: dict[str, Form],
    issues: list[Issue],
) -> None:
    """The keys the dialogue will ask for: each form's questions, chitchat's ``default``."""
    for intent, form in forms.items():
        needed = [f"ask_{slot}" for slot in form.slots] + (["confirm"] if form.confirm else [])
        if form.template_key:
            needed.append(form.template_key)
        for key in needed:
            if key not in responses.get(intent, {}):
                line = file.line_of(intent)
                issues.append(
                    Issue(file.rel, line, f"{intent}.{key}", "is missing (the form needs it)")
                )
    for name, spec in intents.items():
        if spec.kind == "chitchat" and "default" not in responses.get(name, {}):
            message = "is missing (chitchat intents answer with it)"
            issues.append(Issue(file.rel, file.line_of(name), f"{name}.default", message))


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
