"""LoRA fine-tuning of the reply generator, top to bottom: config, data, model, loop
(``training.generator.loop``), evaluation, save.

Runs under Hugging Face accelerate, so the same script trains on one CPU process, one GPU
(bf16 autocast) or several (``accelerate launch -m training.generator.train ...``). Every
optimizer step appends ``{"event": "step", "step", "epoch", "loss", "learning_rate",
"elapsed_s"}`` to a JSON-lines log for a live plot; the held-out loss of the base model and
of the adapter goes in an ``"eval"`` line at the end and into the adapter's record.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dialogue.generator.loading import load_causal_lm
from training.generator.checkpoint import HELDOUT_FILE, LOG_FILE, save_adapter_atomic
from training.generator.config import TrainConfig
from training.generator.data import (
    ChatExample,
    TrainingDataError,
    data_sha256,
    split_heldout,
    write_examples,
)
from training.generator.encoding import Encoded, adapter_vs_base, encode_all
from training.generator.examples import load_examples
from training.generator.loop import run_steps
from training.generator.step_log import default_log_file, open_log, write_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainedAdapter:
    """What a run produced: the record saved with the adapter, and the model in memory."""

    info: dict[str, Any]
    model: Any  # the PeftModel, in eval mode
    tokenizer: Any


def train(
    config: TrainConfig,
    show_progress: bool = True,
    step_progress: Callable[[int, int], None] | None = None,
    record: dict[str, Any] | None = None,
) -> TrainedAdapter:
    """Train a LoRA adapter as configured and save it to ``config.out``; ``step_progress``
    hears (steps done, steps in all) after each step (a background job's progress bar);
    ``record`` goes into the folder's ``training.json`` as ``extra``, in the same atomic
    rename as the weights (what a domain model's state is read from)."""
    from accelerate import Accelerator  # type: ignore[import-untyped]
    from accelerate.utils import set_seed  # type: ignore[import-untyped]

    set_seed(config.seed)
    accelerator = Accelerator(mixed_precision=_mixed_precision())
    started = time.perf_counter()
    train_set, heldout, files = _read_data(config)

    model, tokenizer = _lora_model(config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    train_encoded = encode_all(tokenizer, train_set, config.max_seq_len)
    heldout_encoded = encode_all(tokenizer, heldout, config.max_seq_len)

    log_path = Path(config.log_file) if config.log_file else default_log_file(config.out)
    with open_log(log_path, accelerator.is_main_process) as log_file:
        steps, last_loss = run_steps(
            accelerator, model, train_encoded, pad_id, config, log_file, show_progress,
            step_progress,
        )  # fmt: skip
        metrics = {
            "steps": steps,
            "train_s": round(time.perf_counter() - started, 1),
            "final_loss": round(last_loss, 4),
            **_evaluate(accelerator.unwrap_model(model), heldout_encoded, pad_id),
        }
        write_event(log_file, {"event": "eval", **metrics})

    info = _info(config, files, (len(train_encoded), len(heldout_encoded)), metrics)
    peft_model = accelerator.unwrap_model(model)
    if accelerator.is_main_process:
        _save(peft_model, Path(config.out), heldout, log_path, info, record)
    accelerator.wait_for_everyone()
    return TrainedAdapter(info, peft_model, tokenizer)


def _read_data(config: TrainConfig) -> tuple[list[ChatExample], list[ChatExample], list[Path]]:
    """The training and held-out examples and the files they came from (for the record's
    hash); data with nothing to train on is a user's mistake, said before a model loads."""
    examples, files = load_examples(
        Path(config.data), config.language, config.seed, config.decline_share
    )
    train_set, heldout = split_heldout(examples, config.heldout_fraction)
    if not train_set:
        raise TrainingDataError(f"{config.data}: no training examples")
    return train_set, heldout, files


def _info(
    config: TrainConfig, files: list[Path], sizes: tuple[int, int], metrics: dict[str, Any]
) -> dict[str, Any]:
    """The record saved with the adapter: base, language, config, the data (files, hash,
    train and held-out sizes) and the run's metrics; evaluation and staleness read it."""
    return {
        "base_model": config.base,
        "language": config.language,
        "train_config": asdict(config),
        "data": {
            "files": [str(f) for f in files],
            "sha256": data_sha256(files),
            "train_examples": sizes[0],
            "heldout_examples": sizes[1],
        },
        "metrics": metrics,
    }


def _lora_model(config: TrainConfig) -> tuple[Any, Any]:
    """The base model in float32 (autocast gives bf16 on GPUs) with fresh LoRA layers."""
    from peft import LoraConfig, get_peft_model

    model, tokenizer = load_causal_lm(config.base, device="cpu", dtype="float32")
    layers = model.config.num_hidden_layers
    adapted = max(1, round(layers * config.top_layers))
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=list(config.target_modules),
        layers_to_transform=list(range(layers - adapted, layers)),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora), tokenizer


def _evaluate(peft_model: Any, heldout: list[Encoded], pad_id: int) -> dict[str, Any]:
    """Held-out loss and perplexity of the adapter, then of the same weights with it off."""
    peft_model.eval()
    losses = adapter_vs_base(peft_model, heldout, pad_id, infix="heldout_")
    if not heldout:  # JSON has no NaN: say "not measured" with null
        return {"heldout_examples": 0} | dict.fromkeys(losses)
    return {"heldout_examples": len(heldout), **losses}


def _save(
    peft_model: Any,
    out: Path,
    heldout: list[ChatExample],
    log_path: Path,
    info: dict[str, Any],
    record: dict[str, Any] | None = None,
) -> None:
    """PEFT weights + record + held-out split + log, renamed into place at once."""

    def write(folder: Path) -> None:
        peft_model.save_pretrained(folder)
        (folder / "README.md").unlink(missing_ok=True)  # peft's blank model card, with local paths
        write_examples(folder / HELDOUT_FILE, heldout)
        shutil.copyfile(log_path, folder / LOG_FILE)
        if record is not None:
            text = json.dumps({"extra": record}, indent=2, ensure_ascii=False)
            (folder / "training.json").write_text(text + "\n", encoding="utf-8")

    save_adapter_atomic(out, write, info)


def _mixed_precision() -> str:
    """bf16 autocast on GPUs that support it, fp16 on older GPUs, none on the CPU."""
    import torch

    if not torch.cuda.is_available():
        return "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """Command line of ``accelerate launch -m training.generator.train`` (paths explicit)."""
    parser = argparse.ArgumentParser(prog="python -m training.generator.train")
    parser.add_argument("--data", required=True, help="domain folder or chat JSONL file")
    parser.add_argument("--out", required=True, help="adapter folder to write")
    parser.add_argument("--base", required=True, help="base model folder")
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--max-steps", type=int, default=TrainConfig.max_steps)
    parser.add_argument("--rank", type=int, default=TrainConfig.rank)
    parser.add_argument("--lr", type=float, default=TrainConfig.learning_rate)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--max-seq-len", type=int, default=TrainConfig.max_seq_len)
    parser.add_argument("--decline-share", type=float, default=TrainConfig.decline_share)
    parser.add_argument("--log-file", default="")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return TrainConfig(
        data=args.data, out=args.out, base=args.base, language=args.lang, epochs=args.epochs,
        max_steps=args.max_steps, rank=args.rank, learning_rate=args.lr,
        batch_size=args.batch_size, max_seq_len=args.max_seq_len, log_file=args.log_file,
        decline_share=args.decline_share,
        seed=args.seed,
    )  # fmt: skip


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(json.dumps(train(parse_args()).info["metrics"], indent=2))
