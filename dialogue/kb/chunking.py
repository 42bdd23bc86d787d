"""Split documents into retrieval chunks: by Markdown headings, then by paragraphs, packed to
about ``max_words`` with ``overlap_words`` carried into the next chunk so an answer that
straddles a boundary is still found whole in one of them.

Chinese has no spaces, so its length is counted in characters divided by
``ZH_CHARS_PER_WORD`` (about how many characters carry one English word's meaning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ZH_CHARS_PER_WORD = 1.7
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


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
