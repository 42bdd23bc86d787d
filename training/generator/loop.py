"""The generator's optimisation loop under accelerate: AdamW over the LoRA parameters, linear
warm-up then decay, one JSON-lines event per step (``training.generator.step_log``).

Kept apart from ``training.generator.train`` (config, data, model, evaluation, save) so the
loop reads in one sitting; accelerate decides the device, precision and processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TextIO

from training.generator.config import TrainConfig
from training.generator.encoding import Encoded, LengthGroupedBatches, collate, reply_loss
from training.generator.step_log import write_event


def _prepare(
    accelerator: Any, model: Any, encoded: list[Encoded], pad_id: int, config: TrainConfig
) -> tuple[Any, Any, Any, Any, int]:
    """Length-grouped batches, AdamW over the trainable (LoRA) parameters and the schedule,
    handed to accelerate, which moves and wraps them; with the number of steps in all."""
    import torch

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
    return model, optimizer, loader, schedule, total


def _epoch_batches(loader: Any, epochs: int, total: int) -> Iterator[tuple[int, Any]]:
    """``(epoch, batch)`` for every step, stopping after ``total`` steps (``max_steps`` may
    end a run inside an epoch) without drawing a batch it will not use."""
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in loader:
            yield epoch, batch
            step += 1
            if step >= total:
                return


def run_steps(
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
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    model, optimizer, loader, schedule, total = _prepare(
        accelerator, model, encoded, pad_id, config
    )
    write_event(log_file, {"event": "start", "total_steps": total, "examples": len(encoded)})
    show = show_progress and accelerator.is_main_process
    bar = tqdm(total=total, desc="train generator", disable=not show)
    started, step, value = time.perf_counter(), 0, float("nan")
    model.train()
    for epoch, batch in _epoch_batches(loader, config.epochs, total):
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
    bar.close()
    return step, value


def _warmup_then_decay(step: int, warmup: int, total: int) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then linear decay to 0."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    return max(0.0, (total - step) / max(1, total - warmup))
