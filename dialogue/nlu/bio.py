"""BIO tags: conversion to and from spans, and decoding that can only produce valid sequences.

A tag sequence is valid BIO when every ``I-x`` follows a ``B-x`` or ``I-x`` of the same type.
The tagger scores each word independently, so its argmax can be invalid ("O I-city"); decoding
runs Viterbi over the per-word log-probabilities with the invalid transitions forbidden, which
returns the most probable *valid* sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OUTSIDE = "O"


def tag_type(tag: str) -> str:
    """``"B-city"`` -> ``"city"``; ``"O"`` -> ``""``."""
    return tag[2:] if tag[:2] in ("B-", "I-") else ""


def is_valid_tag(tag: str) -> bool:
    return tag == OUTSIDE or (tag[:2] in ("B-", "I-") and len(tag) > 2)


def can_follow(previous: str | None, tag: str) -> bool:
    """Whether ``tag`` may come after ``previous`` (None at the start of the sentence)."""
    if not tag.startswith("I-"):
        return True
    return previous is not None and previous != OUTSIDE and tag_type(previous) == tag_type(tag)


def is_valid_bio(tags: Sequence[str]) -> bool:
    previous: str | None = None
    for tag in tags:
        if not is_valid_tag(tag) or not can_follow(previous, tag):
            return False
        previous = tag
    return True


def spans_from_tags(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity spans as ``(label, first_word, last_word + 1)``; a stray ``I-x`` starts a span."""
    spans: list[tuple[str, int, int]] = []
    label, start = "", -1
    for i, tag in enumerate([*tags, OUTSIDE]):
        continues = tag.startswith("I-") and tag_type(tag) == label
        if label and not continues:
            spans.append((label, start, i))
            label = ""
        if tag != OUTSIDE and not continues:
            label, start = tag_type(tag), i
    return spans


def tags_from_spans(n_words: int, spans: Sequence[tuple[str, int, int]]) -> tuple[str, ...]:
    """Inverse of :func:`spans_from_tags` for non-overlapping ``(label, first, end)`` spans."""
    tags = [OUTSIDE] * n_words
    for label, first, end in spans:
        tags[first] = f"B-{label}"
        for i in range(first + 1, end):
            tags[i] = f"I-{label}"
    return tuple(tags)


def transition_mask(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Allowed moves over a tag inventory: ``start[j]`` and ``pairs[i, j]`` (i then j), bool."""
    start = np.array([can_follow(None, t) for t in labels], dtype=bool)
    pairs = np.array([[can_follow(a, b) for b in labels] for a in labels], dtype=bool)
    return start, pairs


def allowed_tags(labels: Sequence[str], slot_types: Sequence[str]) -> np.ndarray:
    """Which of ``labels`` carry one of ``slot_types`` (``O`` always): a bool mask, (n_tags,)."""
    wanted = set(slot_types)
    return np.array([t == OUTSIDE or tag_type(t) in wanted for t in labels], dtype=bool)


def viterbi(
    log_probs: np.ndarray,
    start: np.ndarray,
    pairs: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[int]:
    """Best tag index path under the transition mask.

    ``log_probs``: float array ``(n_words, n_tags)`` (per-word log-probabilities, or a CRF's
    emission scores); ``start`` and ``pairs`` from :func:`transition_mask`; ``scores``: a
    CRF's learned ``(start, transitions, end)`` added to the path score. "O" is always
    allowed, so a valid path always exists.
    """
    n_words = log_probs.shape[0]
    if n_words == 0:
        return []
    forbidden = np.float64(-1e9)
    learned_start, learned_pairs, learned_end = scores or (0.0, 0.0, 0.0)
    score = np.where(start, log_probs[0] + learned_start, forbidden).astype(np.float64)
    step_penalty = np.where(pairs, learned_pairs, forbidden)
    back = np.zeros((n_words, log_probs.shape[1]), dtype=np.int64)
    for i in range(1, n_words):
        candidates = score[:, None] + step_penalty  # (previous, next)
        back[i] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[i]
    path = [int((score + learned_end).argmax())]
    for i in range(n_words - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]
