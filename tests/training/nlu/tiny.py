"""A tiny, self-contained encoder for fast trainer tests: a 2-layer BERT with random weights and
a word-level tokenizer built from the test vocabulary, saved like any encoder folder.

It needs no bundled weights, so the trainer's logic (loss, decoding, save and load, LoRA) is
tested in seconds; the real MiniLM is exercised by the ``slow`` tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

# Two intents, two slot types, easy to overfit: the words decide everything.
TINY_DATA = [
    ("play jazz music", "PlayMusic", [("genre", "jazz")]),
    ("play some rock music", "PlayMusic", [("genre", "rock")]),
    ("play rock", "PlayMusic", [("genre", "rock")]),
    ("play jazz", "PlayMusic", [("genre", "jazz")]),
    ("put on some jazz", "PlayMusic", [("genre", "jazz")]),
    ("weather in paris", "GetWeather", [("city", "paris")]),
    ("weather in new york tomorrow", "GetWeather", [("city", "new york")]),
    ("is it cold in paris", "GetWeather", [("city", "paris")]),
    ("will it rain in london", "GetWeather", [("city", "london")]),
    ("weather in london", "GetWeather", [("city", "london")]),
]


def tiny_jsonl_rows(data: list = TINY_DATA) -> list[dict]:
    rows = []
    for text, intent, slots in data:
        entities = []
        for label, value in slots:
            start = text.index(value)
            entities.append({"start": start, "end": start + len(value), "label": label})
        rows.append({"text": text, "intent": intent, "entities": entities})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_jointbert(root: Path, data: list = TINY_DATA, splits: tuple = ("train",)) -> Path:
    """A JointBERT folder (``<split>/seq.in``, ``seq.out``, ``label``) with ``data`` in each
    of ``splits``; with train alone, training holds its own dev out."""
    lines: dict[str, list[str]] = {"seq.in": [], "seq.out": [], "label": []}
    for text, intent, slots in data:
        words = text.split()
        tags = ["O"] * len(words)
        for label, value in slots:
            first, n = words.index(value.split()[0]), len(value.split())
            tags[first : first + n] = [f"B-{label}"] + [f"I-{label}"] * (n - 1)
        lines["seq.in"].append(text)
        lines["seq.out"].append(" ".join(tags))
        lines["label"].append(intent)
    for split in splits:
        (root / split).mkdir(parents=True)
        for name, rows in lines.items():
            (root / split / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def make_tiny_encoder(folder: Path, extra_words: tuple[str, ...] = ()) -> Path:
    """Write a random 2-layer BERT (hidden 32) and a word-level fast tokenizer to ``folder``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    words = sorted({w for text, _, _ in TINY_DATA for w in text.split()} | set(extra_words))
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {token: i for i, token in enumerate([*specials, *words])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
