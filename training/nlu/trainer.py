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


def _optimizer(
    model: nn.Module, config: TrainConfig, total_steps: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW over the parameters that train now (so before a frozen bottom is cached) and its
    warm-up/decay schedule over the whole run."""
    optimizer = torch.optim.AdamW(_param_groups(model, config))
    schedule = _schedule(total_steps, config.warmup_fraction)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


@dataclass
class _Stepper:
    """The state every optimizer step shares across epochs, and the per-step report."""

    model: nn.Module
    batch_loss: BatchLoss
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    config: TrainConfig
    device: torch.device
    total_steps: int
    on_step: StepFn | None
    started: float = field(default_factory=time.perf_counter)
    steps: int = 0

    def step(self, batch_indices: Sequence[int]) -> float:
        """One optimizer step on one batch; its loss."""
        loss = self.batch_loss(batch_indices, self.device)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.steps += 1
        return float(loss.item())

    def epoch(self, batches: Sequence[Sequence[int]], epoch: int, progress: bool) -> list[float]:
        """Every batch of one epoch, behind a progress bar; the losses of its steps."""
        desc = f"epoch {epoch}/{self.config.epochs}"
        bar = tqdm(batches, desc=desc, disable=not progress, unit="batch", leave=False)
        losses = []
        for batch_indices in bar:
            losses.append(self.step(batch_indices))
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if self.on_step:
                self.on_step(self._step_record(epoch, losses[-1]))
        return losses

    def _step_record(self, epoch: int, loss: float) -> dict[str, Any]:
        return {
            "step": self.steps,
            "epoch": epoch,
            "loss": round(loss, 5),
            "lr": self.scheduler.get_last_lr()[0],
            "time_s": round(time.perf_counter() - self.started, 2),
            "total_steps": self.total_steps,
        }


def _set_threads(config: TrainConfig, device: torch.device, epoch: int) -> None:
    """With ``threads = 0`` on CPU, use the cores free now (checked again every epoch: the
    load of other processes changes while a run trains)."""
    if config.threads == 0 and device.type == "cpu":
        torch.set_num_threads(free_cores(own_threads=torch.get_num_threads() if epoch > 1 else 0))


def _epoch_record(
    epoch: int, losses: list[float], metrics: dict[str, Any], epoch_started: float
) -> dict[str, Any]:
    return {
        "epoch": epoch,
        "train_loss": sum(losses) / max(1, len(losses)),
        "dev": metrics,
        "epoch_s": round(time.perf_counter() - epoch_started, 1),
        "threads": torch.get_num_threads(),
    }


def _restore(model: nn.Module, best_state: dict[str, torch.Tensor] | None) -> None:
    """Put the best epoch's trained tensors back; every one must go back where it came from."""
    if best_state is None:
        return
    unexpected = model.load_state_dict(best_state, strict=False).unexpected_keys
    if unexpected:
        raise RuntimeError(f"cannot restore the best epoch: {unexpected[:3]}")


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
    total_steps = math.ceil(len(train) / config.batch_size) * config.epochs
    optimizer, scheduler = _optimizer(model, config, total_steps)
    batch_loss, runner = cache or frozen_cache(
        model, tokenizer, meta, train, dev, config.train_layers
    )
    stepper = _Stepper(
        model, batch_loss, optimizer, scheduler, config, device, total_steps, on_step
    )
    lengths = [len(e.input_ids) for e in train]
    result, best_state, best = TrainResult(), None, -math.inf
    model.train()
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        _set_threads(config, device, epoch)
        batches = bucketed_batches(lengths, config.batch_size, config.seed, epoch)
        losses = stepper.epoch(batches, epoch, progress)
        metrics = evaluate_dev(model, tokenizer, meta, dev, runner)
        record = _epoch_record(epoch, losses, metrics, epoch_started)
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
    _restore(model, best_state)
    model.eval()
    result.steps, result.train_s = stepper.steps, time.perf_counter() - stepper.started
    return result
