"""BIO tags and constrained decoding: every decoded sequence is valid BIO, and it is the best
valid one (checked against brute force on small cases, with random scores)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from dialogue.nlu.bio import (
    is_valid_bio,
    spans_from_tags,
    tags_from_spans,
    transition_mask,
    viterbi,
)


@pytest.mark.parametrize(
    ("tags", "valid"),
    [
        (["O", "B-city", "I-city"], True),
        (["B-city", "B-city"], True),
        (["B-a", "I-a", "B-b", "I-b", "O"], True),
        ([], True),
        (["I-city"], False),
        (["O", "I-city"], False),
        (["B-date", "I-city"], False),
        (["B-"], False),
        (["X-city"], False),
    ],
)
def test_is_valid_bio(tags: list[str], valid: bool) -> None:
    assert is_valid_bio(tags) is valid


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["O", "B-city", "I-city", "O"], [("city", 1, 3)]),
        (["B-a", "B-a", "I-a"], [("a", 0, 1), ("a", 1, 3)]),
        (["B-a", "I-b"], [("a", 0, 1), ("b", 1, 2)]),  # stray I- starts its own span
        (["O", "O"], []),
        (["B-x", "I-x", "I-x"], [("x", 0, 3)]),
    ],
)
def test_spans_from_tags(tags: list[str], spans: list[tuple[str, int, int]]) -> None:
    assert spans_from_tags(tags) == spans
    if is_valid_bio(tags):
        assert list(tags_from_spans(len(tags), spans)) == tags


LABELS = ["O", "B-a", "I-a", "B-b", "I-b"]


def _brute_force(log_probs: np.ndarray) -> float:
    best = -np.inf
    for path in itertools.product(range(len(LABELS)), repeat=log_probs.shape[0]):
        if is_valid_bio([LABELS[i] for i in path]):
            best = max(best, sum(log_probs[i, t] for i, t in enumerate(path)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_viterbi_is_valid_and_optimal(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_words = int(rng.integers(1, 6))
    logits = rng.normal(0, 3, (n_words, len(LABELS)))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    start, pairs = transition_mask(LABELS)
    path = viterbi(log_probs, start, pairs)
    assert is_valid_bio([LABELS[i] for i in path])
    score = sum(log_probs[i, t] for i, t in enumerate(path))
    assert score == pytest.approx(_brute_force(log_probs))


def test_viterbi_fuzz_many_labels_always_valid() -> None:
    rng = random.Random(0)
    labels = ["O", *(f"{p}-t{k}" for k in range(12) for p in ("B", "I"))]
    start, pairs = transition_mask(labels)
    for _ in range(300):
        n = rng.randint(0, 30)
        # Adversarial scores: I- tags get the highest scores, which argmax would pick.
        scores = np.array(
            [
                [rng.random() + (3.0 if t.startswith("I-") else 0.0) for t in labels]
                for _ in range(n)
            ]
        ).reshape(n, len(labels))
        path = viterbi(scores, start, pairs)
        assert len(path) == n
        assert is_valid_bio([labels[i] for i in path])
