"""Train only the top layers of a BERT-like encoder, on features of the frozen layers computed
once: the word embeddings and the bottom layers never change, so their output for an
utterance is the same in every epoch, and running them again each step is wasted CPU time.

``bottom_features`` runs the frozen part once (inference mode) and keeps each text's hidden
states after the last frozen layer, unpadded; ``run_top`` pads a batch of them and runs the
trainable layers on top. Together they give exactly what the whole encoder gives
(``tests/training/test_frozen_bottom.py``), so a model trained this way is saved and loaded like
any other. Both trainers use it: the NLU (``training/nlu/trainer.py``) and the retrieval
encoder (``training/kb_encoder.py``). The encoder is a transformers ``BertModel`` (MiniLM,
multilingual-e5): ``embeddings`` then ``encoder.layer``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

log = logging.getLogger(__name__)


def encoder_layers(encoder: nn.Module) -> nn.ModuleList:
    """The transformer layers of a BERT-like encoder, bottom first."""
    stack: Any = getattr(encoder, "encoder", None)
    layers = getattr(stack, "layer", None)
    if not isinstance(layers, nn.ModuleList):
        raise ValueError(f"{type(encoder).__name__} has no encoder.layer list (not BERT-like)")
    return layers


def frozen_count(encoder: nn.Module, train_layers: int) -> int:
    """How many bottom layers stay frozen when the top ``train_layers`` are trained (0: all)."""
    total = len(encoder_layers(encoder))
    return 0 if train_layers <= 0 else max(0, total - train_layers)


def freeze_bottom(encoder: nn.Module, n_frozen: int) -> None:
    """Freeze the embeddings and the ``n_frozen`` bottom layers; the rest stays trainable."""
    embeddings: Any = encoder.embeddings
    for parameter in embeddings.parameters():
        parameter.requires_grad_(False)
    for layer in list(encoder_layers(encoder))[:n_frozen]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)


def _layer_mask(encoder: nn.Module, hidden: torch.Tensor, attention_mask: torch.Tensor) -> Any:
    """The attention mask in the form this transformers version's layers take."""
    try:
        from transformers.masking_utils import create_bidirectional_mask
    except ImportError:  # transformers 4.x: the additive 4-D mask
        extended: Any = encoder.get_extended_attention_mask
        return extended(attention_mask, attention_mask.shape)
    config = encoder.config
    return create_bidirectional_mask(
        config=config, inputs_embeds=hidden, attention_mask=attention_mask
    )


def run_layers(
    encoder: nn.Module,
    hidden: torch.Tensor,
    attention_mask: torch.Tensor,
    first: int,
    last: int | None = None,
) -> torch.Tensor:
    """Run layers ``first`` .. ``last`` (exclusive; None: to the top) on ``hidden`` (B, T, H)."""
    mask = _layer_mask(encoder, hidden, attention_mask)
    for layer in list(encoder_layers(encoder))[first:last]:
        out = layer(hidden, mask)
        hidden = out[0] if isinstance(out, tuple) else out  # transformers 4.x returns a tuple
    return hidden


@torch.inference_mode()
def bottom_features(
    encoder: nn.Module,
    input_ids: Sequence[Sequence[int]],
    n_frozen: int,
    batch_size: int = 64,
) -> list[torch.Tensor]:
    """Per text, the hidden states (T_i, H) after the ``n_frozen`` bottom layers, unpadded.

    Texts are run in length order so batches carry little padding.
    """
    was_training = encoder.training
    encoder.eval()
    embeddings: Any = encoder.embeddings
    order = sorted(range(len(input_ids)), key=lambda i: len(input_ids[i]))
    features: list[torch.Tensor | None] = [None] * len(input_ids)
    device = next(encoder.parameters()).device
    for first in range(0, len(order), batch_size):
        rows = order[first : first + batch_size]
        ids, mask = pad_ids([input_ids[i] for i in rows], pad_id=0)
        ids, mask = ids.to(device), mask.to(device)
        hidden = run_layers(encoder, embeddings(input_ids=ids), mask, 0, n_frozen)
        for row, i in enumerate(rows):
            features[i] = hidden[row, : len(input_ids[i])].clone()
    encoder.train(was_training)
    return [f for f in features if f is not None]


def pad_ids(batch: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (B, T) padded with ``pad_id`` and the attention mask (B, T)."""
    longest = max(len(ids) for ids in batch)
    ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), longest), dtype=torch.long)
    for row, item in enumerate(batch):
        ids[row, : len(item)] = torch.tensor(list(item), dtype=torch.long)
        mask[row, : len(item)] = 1
    return ids, mask


def pad_features(batch: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached features padded to the batch's longest (B, T, H) and the attention mask (B, T)."""
    longest = max(len(f) for f in batch)
    hidden = batch[0].new_zeros((len(batch), longest, batch[0].shape[-1]))
    mask = torch.zeros((len(batch), longest), dtype=torch.long, device=batch[0].device)
    for row, feature in enumerate(batch):
        hidden[row, : len(feature)] = feature
        mask[row, : len(feature)] = 1
    return hidden, mask


def run_top(
    encoder: nn.Module, batch: Sequence[torch.Tensor], n_frozen: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder's last hidden states (B, T, H) for cached features, and the mask (B, T)."""
    hidden, mask = pad_features(batch)
    return run_layers(encoder, hidden, mask, n_frozen), mask
