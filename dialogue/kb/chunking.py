"""Split documents into retrieval units: small ones (a sentence, a list item, a table row),
or chunks packed to about ``max_words``.

Small units are what the chat model is handed to compose an answer from: a short prompt is a
fast prompt (every 100 prompt tokens cost about 0.2 s for the 135M model on two cores), and a
sentence that states the fact helps the model more than the section around it. Each small
unit keeps its context in a prefix: the section heading, the lead of its list item, a table's
column names (``Cost: 12.90 euros``), so it reads on its own.

Chunks (the older mode, kept for comparison) follow Markdown headings, then paragraphs, packed
to about ``max_words`` with ``overlap_words`` carried into the next chunk. Chinese has no
spaces, so its length is counted in characters divided by ``ZH_CHARS_PER_WORD`` (about how
many characters carry one English word's meaning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ZH_CHARS_PER_WORD = 1.7
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")
# Where a paragraph splits into sentences: after . ! ? (not inside a number such as 9.90) or
# after a Chinese full stop; the colon and semicolon keep a sentence's parts together.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[^\s\d])|(?<=[。！？])")
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+\.)\s+")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|\*(\S(?:.*?\S)?)\*|`([^`]+)`")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: ``heading`` is the path of headings above it ("A > B")."""

    document: str
    heading: str
    text: str

    @property
    def source(self) -> str:
        return f"{self.document}#{self.heading}" if self.heading else self.document


def count_words(text: str) -> float:
    """Length in English-word units: CJK characters / 1.7 plus Latin words."""
    cjk = len(_CJK.findall(text))
    latin = len(_CJK.sub(" ", text).split())
    return cjk / ZH_CHARS_PER_WORD + latin


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(heading path, paragraphs) per section, in order."""
    path: list[str] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sections[-1][1].append(
                " ".join(paragraph) if not _CJK.search("".join(paragraph)) else "".join(paragraph)
            )
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            path[:] = path[: level - 1] + [heading.group(2)]
            sections.append((" > ".join(path), []))
        elif not line:
            flush()
        else:
            paragraph.append(re.sub(r"^[-*+]\s+|^\d+\.\s+", "", line))
    flush()
    return [(h, ps) for h, ps in sections if ps]


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _join(parts: list[str]) -> str:
    text = " ".join(parts)
    return re.sub(r"(?<=[\u3400-\u9fff，。！？；：、]) (?=[\u3400-\u9fff])", "", text)


def chunk_document(
    name: str, text: str, max_words: int = 120, overlap_words: int = 30
) -> list[Chunk]:
    """Chunks of one document; a section shorter than ``max_words`` stays one chunk."""
    chunks = []
    for heading, paragraphs in _sections(text):
        units = [
            s for p in paragraphs for s in (_sentences(p) if count_words(p) > max_words else [p])
        ]
        current: list[str] = []
        for unit in units:
            if current and count_words(_join([*current, unit])) > max_words:
                chunks.append(Chunk(name, heading, _join(current)))
                carried: list[str] = []
                for previous in reversed(current):  # whole sentences, up to the overlap
                    if count_words(_join([previous, *carried])) > overlap_words:
                        break
                    carried.insert(0, previous)
                current = carried
            current.append(unit)
        if current:
            chunks.append(Chunk(name, heading, _join(current)))
    return chunks


def sentence_units(name: str, text: str) -> list[Chunk]:
    """Small units of one document: each sentence of a paragraph, each list item whole, each
    table row with its column names; ``heading`` is the path of headings above it."""
    units: list[Chunk] = []
    for heading, blocks in _blocks(text):
        for kind, lines in blocks:
            if kind == "table":
                units += [Chunk(name, heading, row) for row in _table_rows(lines)]
            elif kind == "item":
                units.append(Chunk(name, heading, _in_context(_plain(_join(lines)), heading)))
            else:
                paragraph = _plain(_join(lines))
                units += [
                    Chunk(name, heading, s.strip())
                    for s in _SENTENCE_SPLIT.split(paragraph)
                    if s.strip()
                ]
    return units


SHORT_ITEM_WORDS = 12  # a list item shorter than this reads on its own only with its heading


def _in_context(item: str, heading: str) -> str:
    """A short list item ("Monday to Friday: 8:00 to 20:00") with its section heading in
    front ("Customer service opening hours: ..."), so it says what it is about."""
    title = heading.split(" > ")[-1]
    if not title or count_words(item) >= SHORT_ITEM_WORDS:
        return item
    return f"{title}{'：' if _CJK.search(title) else ': '}{item}"


def _blocks(text: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(heading path, blocks) per section; a block is ("paragraph" | "item" | "table", lines)."""
    path: list[str] = []
    sections: list[tuple[str, list[tuple[str, list[str]]]]] = [("", [])]
    for raw in text.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line)
        blocks = sections[-1][1]
        if heading:
            level = len(heading.group(1))
            path[:] = path[: level - 1] + [heading.group(2)]
            sections.append((" > ".join(path), []))
        elif not line:
            blocks.append(("gap", []))
        elif _TABLE_ROW.match(line):
            if not blocks or blocks[-1][0] != "table":
                blocks.append(("table", []))
            blocks[-1][1].append(line)
        elif _LIST_ITEM.match(line):
            blocks.append(("item", [_LIST_ITEM.sub("", line)]))
        elif blocks and blocks[-1][0] in ("paragraph", "item"):
            blocks[-1][1].append(line)  # a paragraph or list item continued on the next line
        else:
            blocks.append(("paragraph", [line]))
    return [(h, [b for b in bs if b[0] != "gap"]) for h, bs in sections if bs]


def _cells(line: str) -> list[str]:
    return [_plain(c.strip()) for c in line.strip().strip("|").split("|")]


def _plain(text: str) -> str:
    """Markdown emphasis removed (**bold**, *italic*, `code`)."""
    return _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)


def _table_rows(lines: list[str]) -> list[str]:
    """Each body row as "Column: value; Column: value" (Markdown emphasis removed)."""
    rows = [_cells(line) for line in lines if not _TABLE_RULE.match(line)]
    if len(rows) < 2:
        return [_join(r) for r in rows]
    header, body = rows[0], rows[1:]
    cjk = bool(_CJK.search("".join(header)))
    sep, colon = ("；", "：") if cjk else ("; ", ": ")
    return [
        sep.join(f"{h}{colon}{v}" for h, v in zip(header, row, strict=False) if v) for row in body
    ]
