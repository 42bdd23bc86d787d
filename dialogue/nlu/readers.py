"""Readers for the two NLU data formats; they parse, validation (``validate.py``) judges.

- JointBERT split folder: ``seq.in`` (space-separated words), ``seq.out`` (one BIO tag per
  word) and ``label`` (the intent; multi-intents joined with ``#`` are kept as one label), one
  utterance per line. Optional ``intent_label.txt`` / ``slot_label.txt`` in the folder or its
  parent list the known labels.
- JSONL: ``{"text": ..., "intent": ..., "entities": [{"start", "end", "label"}]}`` per line,
  ``entities`` optional, intent ``oos`` for out-of-scope examples. Blank lines are skipped.

Readers never raise on content: every problem becomes an :class:`Issue` with file and line, so
the user sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.files import read_jsonl as read_json_lines
from dialogue.files import read_lines
from dialogue.nlu.errors import Issue

JOINTBERT_FILES = ("seq.in", "seq.out", "label")


@dataclass(frozen=True)
class Entity:
    """A labelled character span ``[start, end)`` of a JSONL example's text."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Record:
    """One utterance as read, not yet checked: JointBERT gives words and tags, JSONL entities."""

    source: str
    line: int
    intent: str
    text: str = ""
    tokens: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class LabelLists:
    """Label inventories declared next to the data (JointBERT), empty when there are none."""

    intents: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()


def read_jointbert(folder: Path) -> tuple[list[Record], list[Issue]]:
    """Records of a JointBERT split folder (``seq.in``, ``seq.out``, ``label``)."""
    issues: list[Issue] = []
    columns = {name: read_lines(folder / name, issues) for name in JOINTBERT_FILES}
    if any(lines is None for lines in columns.values()):
        return [], issues
    seq_in, seq_out, label = (columns[name] or [] for name in JOINTBERT_FILES)
    if not (len(seq_in) == len(seq_out) == len(label)):
        counts = ", ".join(f"{n} {len(columns[n] or [])}" for n in JOINTBERT_FILES)
        issues.append(Issue(str(folder), 0, "", f"the files have different line counts ({counts})"))
        return [], issues
    source = str(folder / "seq.in")
    records = [
        Record(
            source=source,
            line=i + 1,
            intent=intent.strip(),
            tokens=tuple(words.split()),
            tags=tuple(tags.split()),
        )
        for i, (words, tags, intent) in enumerate(zip(seq_in, seq_out, label, strict=True))
    ]
    return records, issues


def read_label_lists(folder: Path) -> LabelLists:
    """``intent_label.txt`` and ``slot_label.txt`` from ``folder`` or its parent, if present."""

    def first_found(name: str) -> tuple[str, ...]:
        for candidate in (folder / name, folder.parent / name):
            if candidate.is_file():
                lines = candidate.read_text(encoding="utf-8").split("\n")
                return tuple(line.strip() for line in lines if line.strip())
        return ()

    return LabelLists(first_found("intent_label.txt"), first_found("slot_label.txt"))


def _parse_entity(raw: object) -> Entity | str:
    """An entity, or why it is not one."""
    if not isinstance(raw, dict):
        return "an entity must be an object with start, end and label"
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not isinstance(start, int) or not isinstance(end, int) or {type(start), type(end)} != {int}:
        return f"entity start and end must be integers, got {start!r} and {end!r}"
    if not isinstance(label, str) or not label.strip():
        return f"entity label must be a non-empty string, got {label!r}"
    return Entity(start, end, label.strip())


def _parse_record(source: str, number: int, raw: dict[str, Any]) -> Record | Issue:
    text, intent, entities = raw.get("text"), raw.get("intent"), raw.get("entities", [])
    if not isinstance(text, str):
        return Issue(source, number, "", 'missing "text" (a string)')
    if not isinstance(intent, str) or not intent.strip():
        return Issue(source, number, "", 'missing "intent" (a non-empty string)')
    if not isinstance(entities, list):
        return Issue(source, number, "", '"entities" must be a list')
    parsed: list[Entity] = []
    for raw_entity in entities:
        entity = _parse_entity(raw_entity)
        if isinstance(entity, str):
            return Issue(source, number, "", entity)
        parsed.append(entity)
    return Record(source, number, intent.strip(), text=text, entities=tuple(parsed))


def read_jsonl(path: Path) -> tuple[list[Record], list[Issue]]:
    """Records of a JSONL file; blank lines are skipped, line numbers are the file's."""
    issues: list[Issue] = []
    records: list[Record] = []
    for number, raw in read_json_lines(path, issues):
        parsed = _parse_record(str(path), number, raw)
        if isinstance(parsed, Issue):
            issues.append(parsed)
        else:
            records.append(parsed)
    issues.sort(key=lambda issue: issue.line)  # in the file's order, as the user reads it
    return records, issues


def read_records(path: Path) -> tuple[list[Record], list[Issue]]:
    """Records of a JointBERT split folder or a JSONL file, chosen by what ``path`` is."""
    if path.is_dir():
        if (path / "seq.in").exists():
            return read_jointbert(path)
        return [], [Issue(str(path), 0, "", "not a JointBERT split folder (no seq.in)")]
    if path.exists():
        return read_jsonl(path)
    return [], [Issue(str(path), 0, "", "no such file or folder")]
