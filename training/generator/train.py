"""LoRA fine-tuning of the reply generator, top to bottom: config, data, model, loop, save.

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
from functools import partial
from pathlib import Path
from typing import Any, TextIO

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
from training.generator.encoding import (
    Encoded,
    LengthGroupedBatches,
    collate,
    encode_all,
    heldout_loss,
    perplexity,
    reply_loss,
)
from training.generator.examples import load_examples
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

    examples, files = load_examples(
        Path(config.data), config.language, config.seed, config.decline_share
    )
    train_set, heldout = split_heldout(examples, config.heldout_fraction)
    if not train_set:
        raise TrainingDataError(f"{config.data}: no training examples")

    model, tokenizer = _lora_model(config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    train_encoded = encode_all(tokenizer, train_set, config.max_seq_len)
    heldout_encoded = encode_all(tokenizer, heldout, config.max_seq_len)

    log_path = Path(config.log_file) if config.log_file else default_log_file(config.out)
    with open_log(log_path, accelerator.is_main_process) as log_file:
        steps, last_loss = _run_steps(
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

    info = {
        "base_model": config.base,
        "language": config.language,
        "train_config": asdict(config),
        "data": {
            "files": [str(f) for f in files],
            "sha256": data_sha256(files),
            "train_examples": len(train_encoded),
            "heldout_examples": len(heldout_encoded),
        },
        "metrics": metrics,
    }
    peft_model = accelerator.unwrap_model(model)
    if accelerator.is_main_process:
        _save(peft_model, Path(config.out), heldout, log_path, info, record)
    accelerator.wait_for_everyone()
    return TrainedAdapter(info, peft_model, tokenizer)


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


def _run_steps(
    accelerator: Any,
    model: Any,
    encoded: list[Encoded],
    pad_id: int,
    config: TrainConfig,
    log_file: TextIO | None,
    show_progress: bool,
    step_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, float]:
    """The optimisation loop; returns (steps taken, last step's loss)."""
    import torch
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    batches = LengthGroupedBatches(
        [len(e.input_ids) for e in encoded], config.batch_size, config.seed
    )
    loader: Any = torch.utils.data.DataLoader(
        encoded,  # type: ignore[arg-type]  # a list is a map-style dataset
        batch_sampler=batches,
        collate_fn=partial(collate, pad_id=pad_id),
    )
    total = config.epochs * len(loader)
    total = min(total, config.max_steps) if config.max_steps else total
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.learning_rate
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, partial(_warmup_then_decay, warmup=config.warmup_steps, total=total)
    )
    model, optimizer, loader, schedule = accelerator.prepare(model, optimizer, loader, schedule)
    write_event(log_file, {"event": "start", "total_steps": total, "examples": len(encoded)})
    show = show_progress and accelerator.is_main_process
    bar = tqdm(total=total, desc="train generator", disable=not show)
    started, step, value = time.perf_counter(), 0, float("nan")
    model.train()
    for epoch in range(1, config.epochs + 1):
        for batch in loader:
            loss = reply_loss(model, batch)
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            value = float(accelerator.gather(loss.detach()).mean())
            write_event(log_file, {
                "event": "step", "step": step, "epoch": epoch, "loss": round(value, 5),
                "learning_rate": schedule.get_last_lr()[0],
                "elapsed_s": round(time.perf_counter() - started, 2),
            })  # fmt: skip
            bar.update(1)
            bar.set_postfix(loss=f"{value:.3f}")
            if step_progress is not None:
                step_progress(step, total)
            if step >= total:
                bar.close()
                return step, value
    bar.close()
    return step, value


_HELDOUT_KEYS = (
    "base_heldout_loss",
    "adapter_heldout_loss",
    "base_heldout_perplexity",
    "adapter_heldout_perplexity",
)


def _evaluate(peft_model: Any, heldout: list[Encoded], pad_id: int) -> dict[str, Any]:
    """Held-out loss and perplexity of the adapter, then of the same weights with it off."""
    peft_model.eval()
    adapter = heldout_loss(peft_model, heldout, pad_id)
    with peft_model.disable_adapter():
        base = heldout_loss(peft_model, heldout, pad_id)
    if not heldout:  # JSON has no NaN: say "not measured" with null
        return {"heldout_examples": 0} | dict.fromkeys(_HELDOUT_KEYS)
    return {
        "heldout_examples": len(heldout),
        "base_heldout_loss": round(base, 4),
        "adapter_heldout_loss": round(adapter, 4),
        "base_heldout_perplexity": round(perplexity(base), 3),
        "adapter_heldout_perplexity": round(perplexity(adapter), 3),
    }


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


def _warmup_then_decay(step: int, warmup: int, total: int) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then linear decay to 0."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    return max(0.0, (total - step) / max(1, total - warmup))


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
