"""The joint model: a pretrained encoder, an intent head on the pooled utterance and a slot
head on each word's first sub-token, trained together with the sum of both losses.

The slot head is either per-word softmax (``slot_decoder = "softmax"``, decoded by constrained
Viterbi) or a linear-chain CRF over the same scores (``"crf"``, see ``crf.py``).

With ``slot_sentence`` the slot head reads each word's vector beside the pooled utterance, the
same vector the intent is read from, so what a word is can depend on what the request is
(a title is a playlist when adding to one, a film when searching for one).

Any ``AutoModel`` encoder folder works (BERT-like: MiniLM, multilingual-e5). Mean pooling is the
default because all-MiniLM-L6-v2 was trained to give sentence meaning through its mean; ``cls``
is kept for encoders trained the other way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from dialogue.nlu.crf import LinearChainCrf
from dialogue.nlu.encoding import IGNORE_INDEX
from dialogue.nlu.schema import POOLINGS, SLOT_DECODERS


@dataclass(frozen=True)
class HeadConfig:
    """How the heads read the encoder; saved with the model and needed to load it."""

    pooling: str = "mean"  # "mean" over real tokens, or "cls" (the first token)
    dropout: float = 0.1  # on the encoder output, before both heads (training only)
    slot_loss_weight: float = 1.0  # slot loss relative to intent loss
    slot_decoder: str = "softmax"  # "softmax" (per word) or "crf" (learned tag transitions)
    slot_sentence: bool = False  # the slot head also reads the pooled utterance (intent context)

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.slot_decoder not in SLOT_DECODERS:
            raise ValueError(
                f"slot_decoder must be one of {SLOT_DECODERS}, got {self.slot_decoder!r}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass
class JointOutput:
    """``intent_logits`` (B, n_intents), ``slot_logits`` (B, W, n_tags), ``pooled`` (B, H)."""

    intent_logits: torch.Tensor
    slot_logits: torch.Tensor
    pooled: torch.Tensor
    loss: torch.Tensor | None = None


class JointModel(nn.Module):
    """Encoder plus two linear heads; ``forward`` takes :func:`encoding.collate` batches."""

    def __init__(self, encoder: nn.Module, n_intents: int, n_tags: int, head: HeadConfig) -> None:
        super().__init__()
        self.encoder = encoder
        self.head_config = head
        encoder_config: Any = encoder.config  # a transformers PretrainedConfig, saved with us
        self.encoder_config = encoder_config
        hidden = int(encoder_config.hidden_size)
        self.dropout = nn.Dropout(head.dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        slot_inputs = 2 * hidden if head.slot_sentence else hidden
        self.slot_head = nn.Linear(slot_inputs, n_tags)
        self.crf = LinearChainCrf(n_tags) if head.slot_decoder == "crf" else None

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.head_config.pooling == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        intent_labels: torch.Tensor | None = None,
        tag_labels: torch.Tensor | None = None,
    ) -> JointOutput:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        return self.heads(hidden, attention_mask, word_index, word_mask, intent_labels, tag_labels)

    def heads(
        self,
        hidden: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        intent_labels: torch.Tensor | None = None,
        tag_labels: torch.Tensor | None = None,
    ) -> JointOutput:
        """Everything after the encoder, on its last hidden states (B, T, H): the trainer calls
        this directly when the bottom of the encoder is frozen and its output cached."""
        pooled = self.pool(hidden, attention_mask)
        index = word_index.unsqueeze(-1).expand(-1, -1, hidden.shape[-1])
        words = torch.gather(hidden, 1, index)  # (B, W, H): each word's first sub-token
        intent_logits = self.intent_head(self.dropout(pooled))
        if self.head_config.slot_sentence:  # each word beside the whole utterance
            words = torch.cat([words, pooled.unsqueeze(1).expand_as(words)], dim=-1)
        slot_logits = self.slot_head(self.dropout(words))
        loss = None
        if intent_labels is not None and tag_labels is not None:
            tag_labels = tag_labels.masked_fill(~word_mask, IGNORE_INDEX)
            intent_loss = F.cross_entropy(intent_logits, intent_labels, ignore_index=IGNORE_INDEX)
            labelled = tag_labels != IGNORE_INDEX
            if not bool(labelled.any()):  # no word carries a label: cross_entropy gives NaN
                slot_loss = slot_logits.sum() * 0.0
            elif self.crf is not None:  # per word, like cross_entropy, so the weights carry over
                slot_loss = self.crf.neg_log_likelihood(
                    slot_logits, tag_labels.clamp(min=0), labelled
                ) / labelled.sum().clamp(min=1)
            else:
                slot_loss = F.cross_entropy(
                    slot_logits.flatten(0, 1), tag_labels.flatten(), ignore_index=IGNORE_INDEX
                )
            loss = intent_loss + self.head_config.slot_loss_weight * slot_loss
        return JointOutput(intent_logits, slot_logits, pooled, loss)
