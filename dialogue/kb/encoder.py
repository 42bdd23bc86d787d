"""Dense side of retrieval: a sentence encoder as a one-method protocol, and its factory.

``make_encoder`` loads a transformers encoder folder (all-MiniLM-L6-v2 for English,
multilingual-e5-small for Chinese) and embeds with mean pooling over real tokens and L2
normalisation, so a dot product is the cosine. e5 was trained with "query: " / "passage: "
prefixes and must be given them; MiniLM with none. An encoder tuned on the domain's FAQ
(``training/kb_encoder.py``) is the base folder plus ``encoder.safetensors`` holding the tuned
transformer layers, loaded on top of the base weights.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

TUNED_WEIGHTS = "encoder.safetensors"  # in a tuned encoder's folder: the layers that changed


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
    tuned_dir: Path | None = None  # a folder with TUNED_WEIGHTS for this base, or None


class TransformersEncoder:
    """Mean-pooled, normalised embeddings from a transformers ``AutoModel`` folder."""

    def __init__(self, config: EncoderConfig, tokenizer: Any, model: Any) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.model = model.eval()
        tuned = _identity(config.tuned_dir) if config.tuned_dir else ""
        self.name = (
            f"{_identity(config.model_dir)}|{tuned}|{config.query_prefix}|{config.passage_prefix}"
        )

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


class TunedEncoderError(Exception):
    """The tuned weights do not fit the base encoder (another base, or a damaged file)."""


def load_tuned(model: Any, tuned_dir: Path) -> None:
    """Overwrite ``model``'s tuned layers with those in ``tuned_dir`` (every tensor must fit)."""
    from safetensors.torch import load_file

    path = Path(tuned_dir) / TUNED_WEIGHTS
    try:
        tensors = load_file(str(path))
    except Exception as e:  # safetensors raises its own error types for damaged files
        raise TunedEncoderError(f"cannot read {path}: {e}") from e
    own = model.state_dict()
    wrong = [k for k, v in tensors.items() if k not in own or own[k].shape != v.shape]
    if wrong:
        raise TunedEncoderError(
            f"{path} does not fit the base encoder ({len(wrong)} tensors, e.g. {wrong[0]})"
        )
    model.load_state_dict(tensors, strict=False)


def make_encoder(config: EncoderConfig) -> Encoder:
    """Load the encoder (imports torch/transformers here, so ``import dialogue`` stays cheap);
    with ``tuned_dir`` its tuned layers replace the base ones."""
    from transformers import AutoModel

    from dialogue.shared_tokenizers import load_tokenizer

    tokenizer = load_tokenizer(config.model_dir)  # shared with the NLU model's, if identical
    model = AutoModel.from_pretrained(config.model_dir, local_files_only=True)
    if config.tuned_dir is not None:
        load_tuned(model, config.tuned_dir)
    log.info("encoder loaded from %s (tuned: %s)", config.model_dir, config.tuned_dir or "no")
    return TransformersEncoder(config, tokenizer, model)
