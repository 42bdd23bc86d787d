"""Compare an adapter with its base model: held-out loss and perplexity, and grounding.

Both numbers come from one copy of the weights: the adapter is attached unmerged and switched
off for the base model's turn, so the comparison differs in the adapter alone. By default the
loss is measured on the held-out split saved with the adapter (never trained on); another
chat JSONL file, or a domain's ``<lang>/eval/dialogues.jsonl``, can be given instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dialogue.generator.loading import attach_adapter, load_causal_lm
from dialogue.generator.local import LocalGenerator
from dialogue.generator.options import GeneratorOptions
from training.generator.checkpoint import HELDOUT_FILE, read_info
from training.generator.data import ChatExample, TrainingDataError, read_chats, read_examples
from training.generator.devset import domain_dev_items
from training.generator.encoding import IGNORE, adapter_vs_base, encode_all
from training.generator.examples import chat_examples, language_folder
from training.generator.grounding import (
    GROUNDING_FILE,
    GroundingItem,
    read_grounding_set,
    run_grounding,
)

log = logging.getLogger(__name__)


def evaluation_examples(adapter_dir: Path, data: Path | None, language: str) -> list[ChatExample]:
    """The adapter's held-out split, a chat JSONL file, or a domain's held-out dialogues."""
    if data is None:
        return read_examples(adapter_dir / HELDOUT_FILE)
    if data.is_dir():
        data = language_folder(data, language) / "eval" / "dialogues.jsonl"
    if not data.is_file():
        raise TrainingDataError(f"{data}: no such chat JSONL file")
    return chat_examples(read_chats(data), language, [], require_backing=False)


def default_grounding_file(info: dict[str, Any]) -> Path | None:
    """``<domain>/<lang>/eval/grounding.jsonl`` of the domain the adapter was trained on."""
    data = Path(info["train_config"]["data"])
    if not data.is_dir():
        return None
    path = language_folder(data, info["language"]) / GROUNDING_FILE
    return path if path.is_file() else None


def dev_grounding_set(info: dict[str, Any]) -> list[GroundingItem]:
    """The dev grounding set (``training.generator.devset``) of the adapter's training domain."""
    data = Path(info["train_config"]["data"])
    if not data.is_dir():
        raise TrainingDataError(f"{data}: the dev grounding set needs a domain folder")
    return domain_dev_items(language_folder(data, info["language"]))


def _loss_report(
    peft_model: Any, tokenizer: Any, examples: list[ChatExample], max_seq_len: int
) -> dict[str, Any]:
    """Held-out loss and perplexity of the adapter and, with it switched off, of the base
    (same weights, same encoded examples), and how many examples and reply tokens count."""
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    encoded = encode_all(tokenizer, examples, max_seq_len)
    return {
        "n": len(encoded),
        "tokens": sum(sum(1 for t in e.labels if t != IGNORE) for e in encoded),
        **adapter_vs_base(peft_model, encoded, pad_id),
    }


def _grounding_report(
    peft_model: Any,
    tokenizer: Any,
    items: list[GroundingItem],
    language: str,
    options: GeneratorOptions,
) -> dict[str, Any]:
    """Both models' grounding summaries on the same items, and each item's two replies side
    by side, to read why an item failed."""
    generator = LocalGenerator(peft_model, tokenizer, options)
    tokens = options.max_new_tokens
    adapter_summary, adapter_judged = run_grounding(generator, items, language, tokens)
    with peft_model.disable_adapter():
        base_summary, base_judged = run_grounding(generator, items, language, tokens)
    replies = [
        {
            "id": b.id,
            "base": b.reply,
            "base_correct": b.correct,
            "adapter": a.reply,
            "adapter_correct": a.correct,
        }
        for b, a in zip(base_judged, adapter_judged, strict=True)
    ]
    return {"base": base_summary, "adapter": adapter_summary, "replies": replies}


def evaluate_adapter(
    adapter_dir: Path,
    base: str = "",
    data: Path | None = None,
    grounding: Path | None = None,
    max_new_tokens: int = 64,
    dev: bool = False,
) -> dict[str, Any]:
    """Loss, perplexity and (when a grounding file is given) grounding, base vs adapter.

    ``dev`` scores grounding on the training domain's dev set instead of a file: the one to
    tune data and settings on, so the eval file keeps measuring unseen questions.

    Returns at least base_loss, adapter_loss, base_perplexity, adapter_perplexity and n (the
    number of examples scored); ``grounding`` holds both models' summaries.
    """
    info = read_info(adapter_dir)
    language, base_model = info["language"], base or info["base_model"]
    examples = evaluation_examples(adapter_dir, data, language)
    if not examples:
        raise TrainingDataError(f"no examples to evaluate in {data or adapter_dir / HELDOUT_FILE}")
    model, tokenizer = load_causal_lm(base_model, device="auto", dtype="float32")
    peft_model = attach_adapter(model, str(adapter_dir), merge=False)
    losses = _loss_report(peft_model, tokenizer, examples, info["train_config"]["max_seq_len"])
    result: dict[str, Any] = {
        "adapter": str(adapter_dir),
        "adapter_data_sha256": info["data"]["sha256"],
        "base_model": base_model,
        "language": language,
        "data": str(data or adapter_dir / HELDOUT_FILE),
        **losses,
    }
    if grounding is not None or dev:
        items = dev_grounding_set(info) if dev else read_grounding_set(grounding)  # type: ignore[arg-type]
        options = GeneratorOptions(model=base_model, max_new_tokens=max_new_tokens)
        result["grounding"] = {
            "file": "dev set (training.generator.devset)" if dev else str(grounding),
            **_grounding_report(peft_model, tokenizer, items, language, options),
        }
    return result
