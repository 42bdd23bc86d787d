"""The training loop: AdamW with warm-up and linear decay, length-bucketed batches, a dev
evaluation after every epoch, and early stopping on the dev score.

The dev score is ``slot_f1 + intent_accuracy`` (both matter, neither dominates); the weights of
the best epoch are kept in memory and restored at the end. Each optimizer step reports its loss
to ``on_step`` (the run writes ``loss.jsonl`` from it) and each epoch its dev metrics to
``on_epoch``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from dialogue.nlu.checkpoint import LoadedModel, ModelMeta
from dialogue.nlu.encoding import Encoded
from dialogue.nlu.predictor import NluPredictor
from dialogue.nlu.schema import Example
from training.frozen_bottom import frozen_count
from training.nlu.batches import bucketed_batches
from training.nlu.cached import BatchLoss, CachedRunner, frozen_cache
from training.nlu.config import TrainConfig
from training.nlu.evaluate import score

log = logging.getLogger(__name__)

StepFn = Callable[[dict[str, Any]], None]
EpochFn = Callable[[dict[str, Any]], None]


@dataclass
class TrainResult:
    """What the loop did: per-epoch records, the chosen epoch and its dev metrics."""

    epochs: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    best_dev: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    train_s: float = 0.0


def free_cores(own_threads: int = 0) -> int:
    """Cores not busy with other processes (1-minute load average minus our own threads).

    On a shared machine, more threads than free cores make PyTorch's OpenMP threads wait on
    each other: measured here, 2 threads on 2 busy cores ran 4-5 times slower than 1 thread.
    """
    cores = len(os.sched_getaffinity(0))
    others = max(0.0, os.getloadavg()[0] - own_threads)
    return max(1, min(cores, int(cores - others + 0.5)))


def dev_score(metrics: dict[str, Any]) -> float:
    return float(metrics["slot_f1"]) + float(metrics["intent_accuracy"])


def _param_groups(model: nn.Module, config: TrainConfig) -> list[dict[str, Any]]:
    """Heads at ``head_lr``, the rest (encoder or LoRA adapters) at the encoder/LoRA rate;
    no weight decay on biases and LayerNorm weights."""
    body_lr = config.lora.lr if config.lora else config.encoder_lr
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        is_head = any(head in name for head in ("intent_head", "slot_head", "crf."))
        lr = config.head_lr if is_head else body_lr
        decay = 0.0 if param.ndim < 2 else config.weight_decay
        groups.setdefault((lr, decay), []).append(param)
    return [{"params": p, "lr": lr, "weight_decay": wd} for (lr, wd), p in groups.items()]


def _schedule(total_steps: int, warmup_fraction: float) -> Callable[[int], float]:
    warmup = max(1, int(total_steps * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return factor


def evaluate_dev(
    model: nn.Module,
    tokenizer: Any,
    meta: ModelMeta,
    dev: Sequence[Example],
    runner: nn.Module | None = None,
) -> dict[str, Any]:
    """Dev metrics of the model as it is now (out-of-scope thresholds off: they come later);
    ``runner`` runs it in the predictor's place (e.g. on cached features of a frozen bottom)."""
    model.eval()
    loaded = LoadedModel(runner or model, tokenizer, meta, None)  # type: ignore[arg-type]
    predictions = NluPredictor(loaded).predict_words([(e.text, e.words) for e in dev])
    model.train()
    return score(dev, predictions)


def _trained_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the tensors training changes (not e5's frozen 250k-word table at every new
    best epoch)."""
    return {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}


def train_loop(
    model: nn.Module,
    tokenizer: Any,
    meta: ModelMeta,
    train: Sequence[Encoded],
    dev: Sequence[Example],
    config: TrainConfig,
    device: torch.device,
    on_step: StepFn | None = None,
    on_epoch: EpochFn | None = None,
    progress: bool = True,
    cache: tuple[BatchLoss, CachedRunner | None] | None = None,
) -> TrainResult:
    """Train ``model`` in place; on return it holds the weights of the best dev epoch.
    ``cache``: the batch loss and dev runner (:func:`training.nlu.cached.frozen_cache`)."""
    optimizer = torch.optim.AdamW(_param_groups(model, config))
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _schedule(total_steps, config.warmup_fraction)
    )
    lengths = [len(e.input_ids) for e in train]
    if cache is None:
        encoder: Any = getattr(model, "encoder", None)
        n_frozen = frozen_count(encoder, config.train_layers) if config.train_layers else 0
        cache = frozen_cache(model, tokenizer, meta, train, dev, n_frozen)
    batch_loss, runner = cache
    result = TrainResult()
    best_state: dict[str, torch.Tensor] | None = None
    best = -math.inf
    started = time.perf_counter()
    model.train()
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        if config.threads == 0 and device.type == "cpu":
            torch.set_num_threads(
                free_cores(own_threads=torch.get_num_threads() if epoch > 1 else 0)
            )
        batches = bucketed_batches(lengths, config.batch_size, config.seed, epoch)
        bar = tqdm(
            batches,
            desc=f"epoch {epoch}/{config.epochs}",
            disable=not progress,
            unit="batch",
            leave=False,
        )
        losses = []
        for batch_indices in bar:
            loss = batch_loss(batch_indices, device)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            result.steps += 1
            losses.append(loss.item())
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if on_step:
                on_step(
                    {
                        "step": result.steps,
                        "epoch": epoch,
                        "loss": round(losses[-1], 5),
                        "lr": scheduler.get_last_lr()[0],
                        "time_s": round(time.perf_counter() - started, 2),
                        "total_steps": total_steps,
                    }
                )
        metrics = evaluate_dev(model, tokenizer, meta, dev, runner)
        record = {
            "epoch": epoch,
            "train_loss": sum(losses) / max(1, len(losses)),
            "dev": metrics,
            "epoch_s": round(time.perf_counter() - epoch_started, 1),
            "threads": torch.get_num_threads(),
        }
        result.epochs.append(record)
        if dev_score(metrics) > best + 1e-9:
            best, result.best_epoch, result.best_dev = dev_score(metrics), epoch, metrics
            best_state = _trained_state(model)
        record["best"] = result.best_epoch == epoch
        if on_epoch:
            on_epoch(record)
        if epoch - result.best_epoch >= config.patience:
            log.info("early stop after epoch %d (best %d)", epoch, result.best_epoch)
            break
    if best_state is not None:
        unexpected = model.load_state_dict(best_state, strict=False).unexpected_keys
        if unexpected:  # every copied tensor must go back where it came from
            raise RuntimeError(f"cannot restore the best epoch: {unexpected[:3]}")
    model.eval()
    result.train_s = time.perf_counter() - started
    return result
