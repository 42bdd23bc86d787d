"""The knowledge base's score calibration: the same two means as the N x N computation it
replaced, in memory that grows with N, not N squared."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence

import numpy as np
import pytest

from dialogue.domain.model import Document, FaqEntry
from dialogue.kb.index import KbConfig, build_kb


class RandomEncoder:
    """Seeded random unit vectors (one per text), so the means are not special cases."""

    name = "random"

    def __init__(self, dim: int = 16, seed: int = 0) -> None:
        self.dim, self.rng = dim, np.random.default_rng(seed)

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        # a shared direction, so cosines are mostly positive, as with a real encoder
        out = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32) + 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _pairwise_means(vectors: np.ndarray, owner: np.ndarray) -> tuple[float, float]:
    """The computation the calibration used to do: every pair of units, in one N x N array."""
    sims = vectors @ vectors.T
    same = owner[:, None] == owner[None, :]
    np.fill_diagonal(same, False)
    different = owner[:, None] != owner[None, :]
    low = float(sims[different].mean()) if different.any() else 0.0
    high = float(sims[same].mean()) if same.any() else 1.0
    return low, max(high, low + 1e-3)


def _index(n_faq: int, n_docs: int, seed: int, answers: bool = True):
    rng = np.random.default_rng(seed)
    faq = [
        FaqEntry(f"q{i}", tuple(f"question {i} {j}" for j in range(rng.integers(1, 5))), f"a {i}")
        for i in range(n_faq)
    ]
    docs = [Document(f"doc{i}.md", f"Paragraph {i} of a document.") for i in range(n_docs)]
    config = KbConfig(index_answers=answers)
    return build_kb(faq, docs, "en", RandomEncoder(seed=seed), config=config)


@pytest.mark.parametrize(
    ("n_faq", "n_docs", "seed", "answers"),
    [
        (12, 7, 0, True),
        (30, 0, 1, True),
        (5, 20, 2, False),  # some entries have a single phrasing and no answer: alone
        (0, 9, 3, True),  # documents only: nothing shares an entry, high stays 1
        (1, 0, 4, True),  # one entry, no pair of different entries: low 0 (it was NaN)
    ],
)
def test_calibration_equals_the_pairwise_means(n_faq, n_docs, seed, answers) -> None:
    kb = _index(n_faq, n_docs, seed, answers)
    assert kb.vectors is not None
    expected = _pairwise_means(kb.vectors, kb.owner)  # float32, as it was computed
    assert (kb.low, kb.high) == pytest.approx(expected, rel=1e-5)


def test_calibration_memory_grows_with_n_not_n_squared() -> None:
    """4,000 units of 64 floats: the N x N similarities alone would take 64 MB."""
    kb = _index(1, 0, 0)
    rng = np.random.default_rng(5)
    n = 4000
    kb.vectors = rng.standard_normal((n, 64)).astype(np.float32)
    kb.owner = np.repeat(np.arange(n // 4), 4)  # entries of four units each
    kb.units = [""] * n
    tracemalloc.start()
    try:
        kb._calibration()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * n * 64 * 4  # a few copies of the (N, d) vectors at most
