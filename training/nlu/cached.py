"""The NLU model with the bottom of its encoder frozen: training steps and dev evaluations
run only the top layers, on the frozen layers' output computed once per utterance
(``training/frozen_bottom.py``). The results equal the whole model's (tests/training/nlu).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from dialogue.nlu.checkpoint import ModelMeta
from dialogue.nlu.encoding import Encoded, collate, encode_words
from dialogue.nlu.schema import Example
from training.frozen_bottom import bottom_features, frozen_count, run_top

log = logging.getLogger(__name__)


class BatchLoss:
    """The loss of a batch of training examples (by index), through the whole model, or, with
    the bottom of the encoder frozen, through its top layers on features cached once."""

    def __init__(
        self, model: nn.Module, train: Sequence[Encoded], pad_id: int, n_frozen: int
    ) -> None:
        self.model, self.train, self.pad_id, self.n_frozen = model, train, pad_id, n_frozen
        self.features: list[torch.Tensor] | None = None
        if n_frozen:
            encoder: Any = model.encoder
            started = time.perf_counter()
            self.features = bottom_features(encoder, [e.input_ids for e in train], n_frozen)
            log.info(
                "cached the %d frozen layers' output for %d utterances in %.1f s",
                n_frozen,
                len(train),
                time.perf_counter() - started,
            )

    def __call__(self, indices: Sequence[int], device: torch.device) -> torch.Tensor:
        inputs = collate([self.train[i] for i in indices], self.pad_id)
        inputs = {k: v.to(device) for k, v in inputs.items()}
        if self.features is None:
            return self.model(**inputs).loss
        model: Any = self.model
        hidden, mask = run_top(model.encoder, [self.features[i] for i in indices], self.n_frozen)
        del inputs["input_ids"], inputs["attention_mask"]
        return model.heads(hidden, mask, **inputs).loss

    @torch.inference_mode()
    def pooled(self, indices: Sequence[int], batch_size: int = 64) -> torch.Tensor:
        """The model's pooled vectors (N, H) of training examples, from the cache (the
        out-of-scope reference vectors); call only with a frozen bottom."""
        model: Any = self.model
        assert self.features is not None
        rows = []
        for first in range(0, len(indices), batch_size):
            batch = [self.features[i] for i in indices[first : first + batch_size]]
            hidden, mask = run_top(model.encoder, batch, self.n_frozen)
            rows.append(model.pool(hidden, mask).float().cpu())
        return torch.cat(rows) if rows else torch.zeros((0, 0))


class CachedRunner(nn.Module):
    """Stands in for the joint model in the predictor during dev evaluation: looks up each
    utterance's cached bottom features by its token ids and runs the top layers and heads."""

    def __init__(
        self, model: nn.Module, features: dict[tuple[int, ...], torch.Tensor], n_frozen: int
    ) -> None:
        super().__init__()
        self.inner = model
        self.crf = getattr(model, "crf", None)
        self.features, self.n_frozen = features, n_frozen

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
    ) -> Any:
        lengths = attention_mask.sum(1).tolist()
        rows = [tuple(ids[:n].tolist()) for ids, n in zip(input_ids, lengths, strict=True)]
        model: Any = self.inner
        hidden, mask = run_top(model.encoder, [self.features[r] for r in rows], self.n_frozen)
        return model.heads(hidden, mask, word_index, word_mask)


def frozen_cache(
    model: nn.Module,
    tokenizer: Any,
    meta: ModelMeta,
    train: Sequence[Encoded],
    dev: Sequence[Example],
    train_layers: int,
) -> tuple[BatchLoss, CachedRunner | None]:
    """The training batches' loss and the dev runner, on the cache when the bottom is frozen
    (``train_layers`` > 0: all but the top ``train_layers`` layers of the encoder)."""
    encoder: Any = getattr(model, "encoder", None)
    n_frozen = frozen_count(encoder, train_layers) if train_layers else 0
    pad_id = int(tokenizer.pad_token_id or 0)
    batch_loss = BatchLoss(model, train, pad_id, n_frozen)
    runner = cached_runner(model, tokenizer, meta, dev, n_frozen) if n_frozen else None
    return batch_loss, runner


def cached_runner(
    model: nn.Module, tokenizer: Any, meta: ModelMeta, dev: Sequence[Example], n_frozen: int
) -> CachedRunner:
    """A :class:`CachedRunner` over the dev utterances (encoded as the predictor will)."""
    ids = [
        encode_words(tokenizer, [w.text for w in e.words], meta.max_tokens).input_ids for e in dev
    ]
    encoder: Any = model.encoder  # type: ignore[union-attr]
    features = bottom_features(encoder, ids, n_frozen)
    return CachedRunner(model, dict(zip(ids, features, strict=True)), n_frozen)
