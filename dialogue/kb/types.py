"""What the knowledge base returns: a hit with its text and where it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One retrieved answer.

    ``kind`` is "faq" (``text`` is the FAQ answer) or "doc" (``text`` is the chunk).
    ``source`` says where it came from: ``faq:<id>`` or ``<doc file>#<heading>``.
    ``score`` is the fused ranking score; ``confidence`` in [0, 1] says how sure the match is
    (dense similarity calibrated against the index's own unrelated pairs; see index.py).
    ``matched`` is the FAQ phrasing or chunk text that matched best.
    """

    kind: str
    id: str
    text: str
    source: str
    score: float
    confidence: float
    matched: str = ""
