"""One NLU training run from data path to model folder: read top to bottom as config, data,
model, loop, calibration, save.

``train_nlu`` is what ``wenda train nlu`` calls; it takes paths (never the model store) and
returns the training report, which is also saved as ``report.json`` in the model folder.
"""

from __future__ import annotations

import json
import logging
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dialogue.atomic import atomic_folder
from dialogue.nlu.bio import transition_mask
from dialogue.nlu.checkpoint import ModelMeta, save_model
from dialogue.nlu.errors import Issue, NluDataError, NluError
from dialogue.nlu.model import HeadConfig, JointModel
from dialogue.nlu.outofscope import OosThresholds
from dialogue.nlu.predictor import NluPredictor
from dialogue.nlu.schema import OUT_OF_SCOPE
from dialogue.nlu.validate import intent_slot_types, summarize, tag_inventory
from training.frozen_bottom import freeze_bottom, frozen_count
from training.nlu.cached import frozen_cache
from training.nlu.config import TrainConfig
from training.nlu.data import Splits, data_hash, load_splits
from training.nlu.losslog import LossLog, steps_to
from training.nlu.references import calibrated, encode_examples
from training.nlu.trainer import EpochFn, TrainResult, free_cores, train_loop

log = logging.getLogger(__name__)

LOSS_FILE = "loss.jsonl"
REPORT_FILE = "report.json"
TRAINING_FILE = "training.json"


@dataclass(frozen=True)
class TrainedRun:
    """The saved run: its report (as in ``report.json``) and the model, still in memory."""

    report: dict[str, Any]
    predictor: NluPredictor


@dataclass(frozen=True)
class RunHooks:
    """Where a run reports as it goes (the CLI prints; tests stay quiet)."""

    on_data: Callable[[Splits], None] | None = None
    on_epoch: EpochFn | None = None
    on_folder: Callable[[Path], None] | None = None  # the temporary folder, while training
    on_step: Callable[[int, int], None] | None = None  # (optimizer steps done, at most in all)
    progress: bool = True


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise NluError("--device cuda was asked for, but CUDA is not available")
    return torch.device(name)


def head_config(config: TrainConfig) -> HeadConfig:
    return HeadConfig(
        config.pooling,
        config.dropout,
        slot_decoder=config.slot_decoder,
        slot_sentence=config.slot_sentence,
    )


def build_model(
    base: Path, tags: Sequence[str], n_intents: int, config: TrainConfig
) -> tuple[Any, Any]:
    """Tokenizer and joint model on the encoder in ``base`` (LoRA-wrapped when asked)."""
    from transformers import AutoModel, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        encoder = AutoModel.from_pretrained(base, local_files_only=True)
    except (OSError, ValueError) as e:
        raise NluError(f"cannot load the base encoder from {base}: {e}") from e
    if not getattr(tokenizer, "is_fast", False):
        raise NluError(f"the tokenizer in {base} is not a fast tokenizer (word ids are needed)")
    model = JointModel(encoder, n_intents, len(tags), head_config(config))
    if model.crf is not None:
        model.crf.constrain(*transition_mask(tags))
    if config.lora:
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            r=config.lora.r,
            lora_alpha=config.lora.alpha,
            lora_dropout=config.lora.dropout,
            target_modules=list(config.lora.target_modules),
            modules_to_save=["intent_head", "slot_head", *(["crf"] if model.crf else [])],
        )
        return tokenizer, get_peft_model(model, lora)
    if config.freeze_word_embeddings:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    if config.train_layers:
        freeze_bottom(encoder, frozen_count(encoder, config.train_layers))
    return tokenizer, model


def _stages(marks: dict[str, float]) -> dict[str, float]:
    """Seconds per stage from the times each one ended (the first mark is the start)."""
    names, times = list(marks), list(marks.values())
    stages = {n: round(t - p, 1) for n, t, p in zip(names[1:], times[1:], times[:-1], strict=True)}
    return {**stages, "save": round(time.perf_counter() - times[-1], 1)}


def _check_trainable(splits: Splits) -> None:
    if not any(e.intent != OUT_OF_SCOPE for e in splits.train):
        issue = Issue("train", 0, "", "every example is out of scope (oos); add in-scope intents")
        raise NluDataError([issue])


def _model_meta(splits: Splits, config: TrainConfig) -> ModelMeta:
    """What the saved model must know about the data: its intents, BIO tags and (when asked)
    which slot types each intent takes; out-of-scope thresholds come after calibration."""
    return ModelMeta(
        tuple(sorted({e.intent for e in splits.train})),
        tuple(tag_inventory(splits.train)),
        head_config(config),
        config.max_tokens,
        OosThresholds(),
        intent_slots=intent_slot_types(splits.train) if config.slots_per_intent else None,
    )


def _logged_loop(
    loss_files: list[Path], hooks: RunHooks, loop: Callable[..., TrainResult]
) -> TrainResult:
    """Run ``loop`` with every optimizer step written to ``loss_files`` (closed even when
    training fails) and passed on to the hooks."""
    loss_log = LossLog(loss_files)
    try:
        return loop(
            on_step=steps_to(loss_log, hooks.on_step),
            on_epoch=hooks.on_epoch,
            progress=hooks.progress,
        )
    finally:
        loss_log.close()


def _report(
    result: TrainResult,
    calibration: tuple[OosThresholds, dict[str, Any]],
    marks: dict[str, float],
    device: torch.device,
) -> dict[str, Any]:
    """``report.json``: how training went (epochs, the chosen one, dev metrics before and
    after the out-of-scope thresholds) and what it cost (steps, seconds per stage)."""
    thresholds, dev_final = calibration
    return {
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "best_dev": result.best_dev,
        "dev_with_oos_thresholds": dev_final,
        "thresholds": thresholds.to_json(),
        "steps": result.steps,
        "train_loop_s": round(result.train_s, 1),
        "wall_s": round(time.perf_counter() - marks["start"], 1),
        "stages_s": _stages(marks),
        "threads": torch.get_num_threads(),
        "device": str(device),
    }


def _training_record(config: TrainConfig, base: Path, data: Path, splits: Splits) -> dict[str, Any]:
    """``training.json``: what the model was made from (config, base, data and its hash,
    library versions), so a run can be repeated and a stale model recognised."""
    return {
        "config": config.to_json(),
        "base": str(base),
        "data": str(data),
        "data_sha256": data_hash([*splits.train, *splits.dev]),
        "dev_source": splits.dev_source,
        "n_train": len(splits.train),
        "n_dev": len(splits.dev),
        "summary": summarize(splits.train).__dict__,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
    }


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", "utf-8")


def train_nlu(
    data: Path,
    out: Path,
    base: Path,
    config: TrainConfig | None = None,
    log_jsonl: Path | None = None,
    hooks: RunHooks | None = None,
) -> TrainedRun:
    """Train on ``data``, write the model folder ``out`` atomically; the report and model."""
    config, hooks = config or TrainConfig(), hooks or RunHooks()
    marks = {"start": time.perf_counter()}  # when each stage ended: the report's "stages_s"
    torch.set_num_threads(config.threads or free_cores())
    seed_everything(config.seed)
    splits = load_splits(Path(data), config.dev_fraction, config.seed)
    _check_trainable(splits)
    if hooks.on_data:
        hooks.on_data(splits)
    meta = _model_meta(splits, config)
    device = pick_device(config.device)
    tokenizer, model = build_model(Path(base), meta.tags, len(meta.intents), config)
    marks["load"] = time.perf_counter()
    model.to(device)
    encoded = encode_examples(tokenizer, splits.train, meta)
    cache = frozen_cache(model, tokenizer, meta, encoded, splits.dev, config.train_layers)
    marks["cache"] = time.perf_counter()
    with atomic_folder(out) as folder:
        if hooks.on_folder:
            hooks.on_folder(folder)
        loop = partial(train_loop, model, tokenizer, meta, encoded, splits.dev, config, device)
        loss_files = [folder / LOSS_FILE, *([Path(log_jsonl)] if log_jsonl else [])]
        result = _logged_loop(loss_files, hooks, partial(loop, cache=cache))
        joint = (model.merge_and_unload() if config.lora else model).to("cpu").eval()
        marks["train"] = time.perf_counter()
        predictor, thresholds, dev_final = calibrated(joint, tokenizer, meta, splits, config, cache)
        on_base = Path(base) if config.save_on_base else None
        marks["calibrate"] = time.perf_counter()
        meta = save_model(
            folder, joint, tokenizer, predictor.meta, predictor.references, base=on_base
        )
        report = _report(result, (thresholds, dev_final), marks, device)
        _write_json(folder / TRAINING_FILE, _training_record(config, base, data, splits))
        _write_json(folder / REPORT_FILE, report)
    predictor.meta = meta
    return TrainedRun(report, predictor)
