"""Out-of-scope decisions: an utterance is out of scope when the intent classifier is unsure or
when it is far from every training example.

Two signals, because a fine-tuned softmax is over-confident on text unlike anything it saw
("what's the capital of peru" can still get 0.9 for some intent), while the distance to the
nearest training utterance in the model's own pooled space catches exactly that:

- ``confidence``: the softmax probability of the best in-scope intent;
- ``similarity``: the cosine between the utterance's pooled vector and the nearest stored
  training vector (``references``, a sample per intent saved with the model).

Thresholds are chosen on dev data by :func:`training.nlu.calibrate`; a trained ``oos`` class
(when the data has ``oos`` examples) wins outright.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class OosThresholds:
    """Below either threshold the utterance is out of scope. The defaults never reject."""

    min_confidence: float = 0.0
    min_similarity: float = -1.0
    method: str = "none"  # how they were chosen, e.g. "in-scope recall 0.99 on dev"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OosThresholds:
        return cls(
            min_confidence=float(raw.get("min_confidence", 0.0)),
            min_similarity=float(raw.get("min_similarity", -1.0)),
            method=str(raw.get("method", "none")),
        )


def is_out_of_scope(
    confidence: float, similarity: float, thresholds: OosThresholds, oos_class_wins: bool = False
) -> bool:
    return (
        oos_class_wins
        or confidence < thresholds.min_confidence
        or similarity < thresholds.min_similarity
    )


def nearest_similarity(pooled: torch.Tensor, references: torch.Tensor | None) -> torch.Tensor:
    """Cosine to the nearest reference for each row: ``pooled`` (B, H), ``references`` (N, H).

    Returns (B,); all ones when there are no references (the signal is then switched off).
    """
    if references is None or references.numel() == 0:
        return torch.ones(pooled.shape[0])
    queries = torch.nn.functional.normalize(pooled.float(), dim=-1)
    refs = torch.nn.functional.normalize(references.float(), dim=-1)
    return (queries @ refs.T).max(dim=-1).values
