"""Hybrid retrieval over FAQ entries and document chunks: dense (encoder cosine) fused with
BM25 keywords, so both paraphrases and exact terms (product codes such as ``LL-1042``) match.

Every FAQ phrasing, FAQ answer and document chunk is a *unit*. Per unit the two scores are
fused by a weighted sum (the calibrated dense score below, and BM25 divided by the query's
best BM25 score) or by reciprocal rank; documents weigh a little less than the curated FAQ.
An entry scores its best unit plus half its second best (two phrasings agreeing is evidence).
Calibration comes from the index itself: 0 at the mean cosine of units of *different*
entries, 1 at the mean cosine of phrasings of the *same* FAQ entry, so one threshold (the
hit's ``confidence``) works for encoders whose cosines live on different scales.
Unit embeddings are cached on disk keyed by the encoder's identity and the texts.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dialogue.atomic import write_bytes_atomic
from dialogue.domain.model import Document, FaqEntry
from dialogue.kb.chunking import Chunk, chunk_document, sentence_units
from dialogue.kb.encoder import Encoder
from dialogue.kb.lexical import tokenize
from dialogue.kb.types import Hit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KbConfig:
    """Retrieval settings (chosen on a dev split of the FAQ phrasings: see BENCHMARKS.md)."""

    dense_weight: float = 0.9  # fused = w * calibrated cosine + (1 - w) * bm25 / best bm25
    units: str = "sentences"  # documents as "sentences" (items, table rows) or "chunks"
    chunk_words: int = 120
    overlap_words: int = 30
    index_answers: bool = True  # an FAQ answer is one more unit of its entry
    # Documents weigh as much as the FAQ, and an entry is as good as its best unit: chosen on
    # the answers development set (eval/answers_dev.jsonl), where the top hit held the key
    # fact for 38/42 (en) and 35/41 (zh) questions, against 32 and 30 with documents at 0.8
    # and half the second-best phrasing added (the settings chosen for FAQ-only retrieval,
    # before documents were indexed by sentence). BENCHMARKS.md, Generator.
    doc_weight: float = 1.0  # documents' fused scores are scaled by this
    fusion: str = "sum"  # "sum" of normalised scores, or "rrf" (reciprocal rank)
    second_weight: float = 0.0  # an entry's score adds this times its second-best unit


@dataclass(frozen=True)
class _Entry:
    kind: str
    id: str
    text: str
    source: str


class KnowledgeBase:
    """Search FAQ entries and documents of one language; build with :func:`build_kb`."""

    def __init__(
        self,
        language: str,
        entries: list[_Entry],
        units: list[str],
        owner: np.ndarray,
        vectors: np.ndarray | None,
        encoder: Encoder | None,
        config: KbConfig,
    ) -> None:
        from rank_bm25 import BM25Okapi

        self.language = language
        self.entries = entries
        self.units = units
        self.owner = owner  # unit index -> entry index
        self.vectors = vectors
        self.encoder = encoder
        self.config = config
        self.bm25 = BM25Okapi([tokenize(u, language) or ["\0"] for u in units])
        is_doc = np.array([entries[i].kind == "doc" for i in owner], dtype=bool)
        self.unit_weight = np.where(is_doc, config.doc_weight, 1.0)
        self.low, self.high = self._calibration()

    def _calibration(self) -> tuple[float, float]:
        """Mean cosine over pairs of units of different entries (low) and over pairs of
        units of the same entry (high: an FAQ's phrasings and answer; a chunk is alone).

        Without the N x N matrix (4 GB at 20,000 units): the sum of ``v_i . v_j`` over all
        ordered pairs is ``|sum v|^2``, over the pairs inside entry g ``|sum_g v|^2``, and the
        diagonal is ``sum |v_i|^2``; so O(N d) time and memory, in float64.
        """
        if self.vectors is None or len(self.units) < 2:
            return 0.0, 1.0
        vectors, n = self.vectors, len(self.units)
        order = np.argsort(self.owner, kind="stable")  # units of one entry side by side
        sizes = np.unique(self.owner, return_counts=True)[1]  # per entry, in sorted order
        grouped = vectors[order[np.repeat(sizes > 1, sizes)]]  # units sharing their entry
        if len(grouped):
            firsts = np.cumsum(np.r_[0, sizes[sizes > 1][:-1]])
            entry_sums = np.add.reduceat(grouped, firsts, axis=0, dtype=np.float64)
            within = _squared_norm(entry_sums) - _squared_norm(grouped)
        else:
            within = 0.0
        total = _squared_norm(vectors.sum(axis=0, dtype=np.float64)[None]) - _squared_norm(vectors)
        n_within = int((sizes**2).sum()) - n  # ordered pairs (i, j), i != j, of one entry
        n_between = n * n - int((sizes**2).sum())
        low = (total - within) / n_between if n_between else 0.0
        high = within / n_within if n_within else 1.0
        return low, max(high, low + 1e-3)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first (empty for an empty query)."""
        if not query.strip() or not self.units:
            return []
        lexical = np.asarray(self.bm25.get_scores(tokenize(query, self.language) or ["\0"]))
        lexical = lexical / lexical.max() if lexical.max() > 0 else lexical
        if self.vectors is not None and self.encoder is not None:
            dense = self.vectors @ self.encoder.embed([query], kind="query")[0]
            weight = self.config.dense_weight
        else:
            dense, weight = np.zeros(len(self.units)), 0.0
        calibrated = (dense - self.low) / (self.high - self.low)  # on the scale of BM25 / best
        fused = _fuse(calibrated, lexical, weight, self.config.fusion) * self.unit_weight
        units_of: dict[int, list[int]] = {}
        for unit in np.argsort(-fused):
            found = units_of.setdefault(int(self.owner[unit]), [])
            if len(found) < 2:
                found.append(int(unit))
        second = self.config.second_weight  # evidence from a second phrasing of the same entry
        score = {
            entry: fused[units[0]] + (second * fused[units[1]] if len(units) > 1 else 0.0)
            for entry, units in units_of.items()
        }
        hits = []
        for entry_index in sorted(score, key=lambda e: -score[e])[:k]:
            unit = units_of[entry_index][0]
            entry = self.entries[entry_index]
            if self.vectors is not None:
                confidence = (float(dense[unit]) - self.low) / (self.high - self.low)
            else:
                confidence = float(lexical[unit])
            hits.append(
                Hit(
                    entry.kind,
                    entry.id,
                    entry.text,
                    entry.source,
                    float(score[entry_index]),
                    min(max(confidence, 0.0), 1.0),
                    self.units[unit],
                )
            )
        return hits


def _squared_norm(rows: np.ndarray) -> float:
    """The sum of squares of a (n, d) array, accumulated in float64 without a float64 copy."""
    return float(np.einsum("ij,ij->", rows, rows, dtype=np.float64))


def _fuse(dense: np.ndarray, lexical: np.ndarray, weight: float, fusion: str) -> np.ndarray:
    """Per-unit fused score: weighted sum of the scores, or of reciprocal ranks (k = 60)."""
    if fusion == "rrf":
        rank_dense = np.argsort(np.argsort(-dense))
        rank_lexical = np.argsort(np.argsort(-lexical))
        return weight / (60 + rank_dense) + (1 - weight) / (60 + rank_lexical)
    return weight * dense + (1 - weight) * lexical


def build_kb(
    faq: Sequence[FaqEntry],
    documents: Sequence[Document],
    language: str,
    encoder: Encoder | None,
    cache_dir: Path | None = None,
    config: KbConfig | None = None,
) -> KnowledgeBase:
    """Index FAQ phrasings (and answers) and document chunks; embeddings come from the cache
    when the same encoder saw the same texts before. ``encoder=None`` gives BM25 only."""
    config = config or KbConfig()
    entries: list[_Entry] = []
    units: list[str] = []
    kinds: list[str] = []  # phrasings are embedded like queries, answers and chunks as passages
    owner: list[int] = []
    for item in faq:
        entries.append(_Entry("faq", item.id, item.answer, f"faq:{item.id}"))
        texts = [*item.questions, *([item.answer] if config.index_answers else [])]
        units += texts
        kinds += ["query"] * len(item.questions) + ["passage"] * (len(texts) - len(item.questions))
        owner += [len(entries) - 1] * len(texts)
    for document in documents:
        for chunk in _document_units(document, config):
            entries.append(_Entry("doc", chunk.source, chunk.text, chunk.source))
            units.append(
                f"{chunk.heading.split(' > ')[-1]}: {chunk.text}" if chunk.heading else chunk.text
            )
            kinds.append("passage")
            owner.append(len(entries) - 1)
    vectors = _embed_cached(encoder, units, kinds, cache_dir) if encoder is not None else None
    log.info("knowledge base (%s): %d entries, %d units", language, len(entries), len(units))
    return KnowledgeBase(language, entries, units, np.asarray(owner), vectors, encoder, config)


def _document_units(document: Document, config: KbConfig) -> list[Chunk]:
    if config.units == "chunks":
        return chunk_document(
            document.name, document.text, config.chunk_words, config.overlap_words
        )
    return sentence_units(document.name, document.text)


def _embed_cached(
    encoder: Encoder, units: list[str], kinds: list[str], cache_dir: Path | None
) -> np.ndarray:
    """Unit embeddings, read from ``cache_dir`` when the encoder and texts are unchanged."""
    digest = hashlib.sha256(encoder.name.encode())
    for unit, kind in zip(units, kinds, strict=True):
        digest.update(f"\0{kind}\0{unit}".encode())
    path = cache_dir / f"kb-{digest.hexdigest()[:32]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape[0] == len(units):
                return vectors
        except (OSError, ValueError) as e:
            log.warning("embedding cache %s unreadable (%s); recomputing", path.name, e)
    vectors = np.zeros((len(units), 0), dtype=np.float32)
    for kind in ("query", "passage"):
        rows = [i for i, k in enumerate(kinds) if k == kind]
        if rows:
            part = encoder.embed([units[i] for i in rows], kind=kind)
            if vectors.shape[1] == 0:
                vectors = np.zeros((len(units), part.shape[1]), dtype=np.float32)
            vectors[rows] = part
    if path is not None:
        _save_atomic(path, vectors)
    return vectors


def _save_atomic(path: Path, vectors: np.ndarray) -> None:
    """Write the cache so a reader sees the old file or the whole new one; a cache that
    cannot be written (a full disk) costs the next start its time, not this conversation."""
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    try:
        write_bytes_atomic(path, buffer.getvalue())
    except OSError as e:
        log.warning("embedding cache not saved (%s); it is computed again next time", e.strerror)
