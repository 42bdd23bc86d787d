"""Chat examples to token ids and labels, batches, and the held-out loss.

The prompt and the reply are tokenized separately and concatenated, exactly as at inference
(the prompt is encoded, then the model continues it), and only the reply's tokens (with the
end-of-turn marker) carry labels. An example longer than ``max_len`` loses its oldest history
turns first; one that still does not fit is skipped and counted.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from training.generator.data import ChatExample

log = logging.getLogger(__name__)

IGNORE = -100  # label value the loss skips (prompt and padding tokens)


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]


def encode(tokenizer: Any, messages: tuple[dict[str, str], ...], max_len: int) -> Encoded | None:
    """Token ids with labels on the final assistant message only; None if it cannot fit."""
    messages = tuple(messages)
    while True:
        prompt_text = tokenizer.apply_chat_template(
            list(messages[:-1]), add_generation_prompt=True, tokenize=False
        )
        full_text = tokenizer.apply_chat_template(list(messages), tokenize=False)
        if not full_text.startswith(prompt_text):
            raise ValueError("the chat template does not extend the prompt with the reply")
        prompt = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
        reply = tokenizer(full_text[len(prompt_text) :].rstrip("\n"), add_special_tokens=False)[
            "input_ids"
        ]
        if len(prompt) + len(reply) <= max_len:
            return Encoded(prompt + reply, [IGNORE] * len(prompt) + reply)
        if len(messages) <= 3:  # system, user, assistant: nothing left to drop
            return None
        messages = (messages[0], *messages[3:])  # drop the oldest user/assistant pair


def encode_all(tokenizer: Any, examples: list[ChatExample], max_len: int) -> list[Encoded]:
    """Encode every example, logging how many were too long even without history."""
    encoded = [encode(tokenizer, e.messages, max_len) for e in examples]
    kept = [e for e in encoded if e is not None]
    if len(kept) < len(encoded):
        log.warning(
            "Skipped %d example(s) longer than %d tokens", len(encoded) - len(kept), max_len
        )
    return kept


class LengthGroupedBatches:
    """Batch sampler: shuffled batches of examples of similar length, reshuffled each epoch.

    Shuffle, sort within windows of ``group`` batches by length, cut into batches, shuffle
    the batches: random enough for SGD, and padding then costs little compute.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group: int = 8) -> None:
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.group = group
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size) if self.lengths else 0

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed + self.epoch)
        self.epoch += 1
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        window = self.batch_size * self.group
        batches = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start : start + window], key=self.lengths.__getitem__)
            batches += [
                chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)
            ]
        rng.shuffle(batches)
        return iter(batches)


def collate(batch: list[Encoded], pad_id: int) -> dict[str, Any]:
    """Right-padded tensors: input_ids, attention_mask, labels (padding ignored)."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, example in enumerate(batch):
        n = len(example.input_ids)
        ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def reply_loss(model: Any, batch: dict[str, Any], reduction: str = "mean") -> Any:
    """Next-token cross-entropy over the labelled (reply) tokens of a batch.

    Only positions that predict a reply token go through the output layer: with a 49k-word
    vocabulary that layer is a fifth of the model's work, and most positions are prompt.
    """
    import torch

    labels = batch["labels"]
    positions = (labels[:, 1:] != IGNORE).any(dim=0).nonzero().squeeze(1)
    logits = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        logits_to_keep=positions,
    ).logits
    if logits.shape[1] != len(positions):  # a model that ignores logits_to_keep
        logits = logits[:, positions]
    targets = labels[:, positions + 1]
    return torch.nn.functional.cross_entropy(
        logits.float().transpose(1, 2), targets, ignore_index=IGNORE, reduction=reduction
    )


def heldout_loss(model: Any, encoded: list[Encoded], pad_id: int, batch_size: int = 4) -> float:
    """Mean loss per labelled token over ``encoded`` (NaN when empty); no gradients."""
    import torch

    total, count = 0.0, 0
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(encoded), batch_size):
            batch = collate(encoded[start : start + batch_size], pad_id)
            batch = {k: v.to(device) for k, v in batch.items()}
            total += float(reply_loss(model, batch, reduction="sum"))
            count += int((batch["labels"] != IGNORE).sum())
    return total / count if count else math.nan


def perplexity(loss: float) -> float:
    """exp(mean token loss), capped so a diverged model prints a number, not an overflow."""
    return math.exp(min(loss, 50.0))


def adapter_vs_base(
    peft_model: Any, encoded: list[Encoded], pad_id: int, infix: str = ""
) -> dict[str, float]:
    """Held-out loss and perplexity with the adapter on, then off on the same weights, so the
    two differ in the adapter alone: ``base_<infix>loss``, ``adapter_<infix>loss``,
    ``base_<infix>perplexity``, ``adapter_<infix>perplexity`` (NaN when ``encoded`` is empty)."""
    adapter = heldout_loss(peft_model, encoded, pad_id)
    with peft_model.disable_adapter():
        base = heldout_loss(peft_model, encoded, pad_id)
    return {
        f"base_{infix}loss": round(base, 4),
        f"adapter_{infix}loss": round(adapter, 4),
        f"base_{infix}perplexity": round(perplexity(base), 3),
        f"adapter_{infix}perplexity": round(perplexity(adapter), 3),
    }
