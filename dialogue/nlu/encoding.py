"""Words to encoder inputs: sub-token ids, and where each word's first sub-token sits.

The slot tagger reads the hidden state of each word's first sub-token (as JointBERT does), so
tags stay per word whatever the tokenizer. Batches are padded only to their longest member
(dynamic padding): on a CPU the cost is the tokens actually computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

IGNORE_INDEX = -100  # label of positions that carry no loss (padding, truncated words)


@dataclass(frozen=True)
class Encoded:
    """One utterance for the model: ``input_ids`` and, per word, its first sub-token's index.

    A word the tokenizer dropped (an unknown symbol) or cut off by truncation points at the
    previous word's token, so every word still gets a tag.
    """

    input_ids: tuple[int, ...]
    word_index: tuple[int, ...]
    dropped: tuple[bool, ...]
    intent: int = IGNORE_INDEX
    tags: tuple[int, ...] = ()


def encode_words(tokenizer: Any, words: Sequence[str], max_tokens: int) -> Encoded:
    """Encode pre-split words; ``max_tokens`` includes the special tokens."""
    encoding = tokenizer(
        list(words), is_split_into_words=True, truncation=True, max_length=max_tokens
    )
    first: dict[int, int] = {}
    for position, word_id in enumerate(encoding.word_ids()):
        if word_id is not None and word_id not in first:
            first[word_id] = position
    word_index: list[int] = []
    dropped: list[bool] = []
    previous = 0  # the first special token ([CLS]) stands in before any real word
    for i in range(len(words)):
        found = first.get(i)
        dropped.append(found is None)
        if found is not None:
            previous = found
        word_index.append(previous)
    return Encoded(tuple(encoding["input_ids"]), tuple(word_index), tuple(dropped))


def collate(batch: Sequence[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest utterance; returns the model's keyword arguments + labels.

    Shapes: ``input_ids``/``attention_mask`` (B, T), ``word_index``/``word_mask`` (B, W),
    ``intent_labels`` (B,), ``tag_labels`` (B, W) with :data:`IGNORE_INDEX` where no loss.
    """
    n_tokens = max(len(e.input_ids) for e in batch)
    n_words = max(1, max(len(e.word_index) for e in batch))
    input_ids = torch.full((len(batch), n_tokens), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), n_tokens), dtype=torch.long)
    word_index = torch.zeros((len(batch), n_words), dtype=torch.long)
    word_mask = torch.zeros((len(batch), n_words), dtype=torch.bool)
    tag_labels = torch.full((len(batch), n_words), IGNORE_INDEX, dtype=torch.long)
    for row, encoded in enumerate(batch):
        input_ids[row, : len(encoded.input_ids)] = torch.tensor(encoded.input_ids)
        attention_mask[row, : len(encoded.input_ids)] = 1
        n = len(encoded.word_index)
        word_index[row, :n] = torch.tensor(encoded.word_index, dtype=torch.long)
        word_mask[row, :n] = True
        if encoded.tags:
            pairs = zip(encoded.tags, encoded.dropped, strict=True)
            tags = [IGNORE_INDEX if dropped else tag for tag, dropped in pairs]
            tag_labels[row, :n] = torch.tensor(tags, dtype=torch.long)
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "word_index": word_index,
        "word_mask": word_mask,
        "intent_labels": torch.tensor([e.intent for e in batch], dtype=torch.long),
        "tag_labels": tag_labels,
    }
