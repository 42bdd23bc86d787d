"""Tokenized examples: labels on the reply only, history dropped before anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dialogue.generation import GenerationRequest, Message
from dialogue.generator.prompt import build_messages
from training.generator.encoding import IGNORE, LengthGroupedBatches, collate, encode


@pytest.fixture(scope="module")
def tokenizer(smollm_path: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm_path)


def chat(history: int = 0) -> tuple[dict[str, str], ...]:
    turns = tuple(
        Message("user" if i % 2 == 0 else "assistant", f"turn {i} " * 20) for i in range(history)
    )
    request = GenerationRequest("how much is shipping?", history=turns)
    reply = {"role": "assistant", "content": "It costs 4.90 euros."}
    return (*build_messages(request, history_keep=history), reply)


def test_only_the_reply_and_its_end_marker_are_labelled(tokenizer: Any) -> None:
    encoded = encode(tokenizer, chat(), 512)
    assert encoded is not None
    labelled = [t for t in encoded.labels if t != IGNORE]
    assert tokenizer.decode(labelled) == "It costs 4.90 euros.<|im_end|>"
    prompt_len = encoded.labels.index(labelled[0])
    prompt = tokenizer.apply_chat_template(list(chat()[:-1]), add_generation_prompt=True)
    prompt_ids = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    assert encoded.input_ids[:prompt_len] == list(prompt_ids)  # exactly what inference sees


def test_long_examples_lose_history_first_then_are_skipped(tokenizer: Any) -> None:
    full = encode(tokenizer, chat(history=4), 2048)
    trimmed = encode(tokenizer, chat(history=4), 200)
    assert full is not None and trimmed is not None
    assert len(trimmed.input_ids) <= 200 < len(full.input_ids)
    assert tokenizer.decode([t for t in trimmed.labels if t != IGNORE]).startswith("It costs")
    assert encode(tokenizer, chat(), 64) is None


def test_collate_pads_and_masks() -> None:
    from training.generator.encoding import Encoded

    batch = collate([Encoded([1, 2, 3], [IGNORE, 2, 3]), Encoded([4], [IGNORE])], pad_id=0)
    assert batch["input_ids"].tolist() == [[1, 2, 3], [4, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 2, 3], [IGNORE, IGNORE, IGNORE]]


def test_length_grouped_batches_cover_every_example_once_per_epoch() -> None:
    lengths = [5, 100, 7, 98, 6, 99, 8, 97, 50]
    sampler = LengthGroupedBatches(lengths, batch_size=2, seed=0, group=2)
    first, second = list(sampler), list(sampler)
    for epoch in (first, second):
        assert sorted(i for batch in epoch for i in batch) == list(range(len(lengths)))
        assert len(epoch) == len(sampler) == 5
    assert first != second  # reshuffled each epoch
    widths = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first]
    assert sorted(widths)[len(widths) // 2] < 50  # most batches hold similar lengths
