"""Dense side of retrieval: a sentence encoder as a one-method protocol, and its factory.

``make_encoder`` loads a transformers encoder folder (all-MiniLM-L6-v2 for English,
multilingual-e5-small for Chinese) and embeds with mean pooling over real tokens and L2
normalisation, so a dot product is the cosine. e5 was trained with "query: " / "passage: "
prefixes and must be given them; MiniLM with none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str  # identifies the model in the embedding cache key

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        """(N, D) float32, rows L2-normalised; ``kind`` is "query" or "passage"."""
        ...


@dataclass(frozen=True)
class EncoderConfig:
    """Where the encoder is and how it wants its input."""

    model_dir: Path
    query_prefix: str = ""
    passage_prefix: str = ""
    max_tokens: int = 256
    batch_size: int = 32


class TransformersEncoder:
    """Mean-pooled, normalised embeddings from a transformers ``AutoModel`` folder."""

    def __init__(self, config: EncoderConfig, tokenizer: Any, model: Any) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.name = f"{_identity(config.model_dir)}|{config.query_prefix}|{config.passage_prefix}"

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        import torch

        prefix = self.config.query_prefix if kind == "query" else self.config.passage_prefix
        rows = []
        with torch.inference_mode():
            for first in range(0, len(texts), self.config.batch_size):
                batch = [prefix + t for t in texts[first : first + self.config.batch_size]]
                inputs = self.tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=self.config.max_tokens,
                    return_tensors="pt",
                )
                hidden = self.model(**inputs)[0]
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).float().numpy())
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(rows).astype(np.float32)


def _identity(model_dir: Path) -> str:
    """Folder name plus size and time of its weights: a re-tuned encoder is a new identity."""
    folder = Path(model_dir)
    parts = [folder.name]
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        stat = weights.stat()
        parts.append(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def make_encoder(config: EncoderConfig) -> Encoder:
    """Load the encoder (imports torch/transformers here, so ``import dialogue`` stays cheap)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(config.model_dir, local_files_only=True)
    log.info("encoder loaded from %s", config.model_dir)
    return TransformersEncoder(config, tokenizer, model)
