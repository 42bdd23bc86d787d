"""Benchmark of the NLU: SNIPS test scores, training wall time, per-utterance latency, size.

Measures a trained model folder (``--model``; by default ``<data dir>/nlu/snips``). ``--train``
first trains one on SNIPS train (choosing the epoch on dev) into that folder, which takes tens
of minutes on two cores, so it is never implicit. Training time is read from the model's
``report.json``. Latency is one utterance at a time, as the voice pipeline calls it, over the
whole test split after a warm-up: median and 95th percentile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from app import paths
from app.cli.arg_types import count
from dialogue.nlu.errors import NluModelError

# SNIPS as JointBERT folders, kept beside the checkout (see README); --data overrides it.
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "snips"
# JointBERT paper, SNIPS test. Its intent accuracy is closed-set (no out-of-scope decision), so
# it compares with ``closed_set_intent_accuracy``, not with our strict ``intent_accuracy``.
BERT_BASE = {"closed_set_intent_accuracy": 0.986, "slot_f1": 0.970}


def default_model_dir() -> Path:
    return paths.data_dir() / "nlu" / "snips"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="trained model folder (default: <data dir>/nlu/snips)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="JointBERT folder with train/ dev/ test/ (default: shared SNIPS)",
    )
    parser.add_argument(
        "--threads",
        type=count(1, 1024),
        default=1,
        help="torch CPU threads for inference (default 1: one short utterance gains little "
        "from a second thread, and the voice pipeline's other models need the other core)",
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="train the model on --data first (default settings; slow)",
    )


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _latency_ms(predictor: Any, texts: list[str]) -> dict[str, float]:
    predictor.predict(texts[:10])  # warm-up: first calls allocate
    times = []
    for text in texts:
        started = time.perf_counter()
        predictor.predict([text])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median": round(statistics.median(times), 2),
        "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
    }


def _train(data: Path, model_dir: Path, args: argparse.Namespace) -> None:
    from app.store.store import ModelStore
    from training.nlu.run import RunHooks, train_nlu

    base = Path(ModelStore(config=args.config).path("nlu-encoder"))
    train_nlu(data, model_dir, base, hooks=RunHooks(progress=False))


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from app.cli.train_cmd import quiet_transformers
    from dialogue.nlu.dataset import load_examples
    from dialogue.nlu.predictor import NluPredictor
    from training.nlu.evaluate import score

    quiet_transformers()
    torch.set_num_threads(max(1, args.threads))
    model_dir = args.model or default_model_dir()
    if args.train:
        _train(args.data, model_dir, args)
    if not (model_dir / "report.json").is_file():
        raise NluModelError(
            f"no trained NLU model in {model_dir}; give --model DIR, or add --train to train "
            "one on SNIPS first (tens of minutes on two cores)"
        )
    report = json.loads((model_dir / "report.json").read_text(encoding="utf-8"))
    test, _ = load_examples(args.data / "test", for_training=False)
    loaded_started = time.perf_counter()
    predictor = NluPredictor.load(model_dir)
    load_s = time.perf_counter() - loaded_started
    metrics = score(test, predictor.predict_words([(e.text, e.words) for e in test]))
    return {
        "model": str(model_dir),
        "data": str(args.data / "test"),
        "test": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
        "bert_base_test": BERT_BASE,
        "train_wall_s": report.get("wall_s"),
        "train_epochs_run": len(report.get("epochs", [])),
        "chosen_epoch": report.get("best_epoch"),
        "latency_ms": _latency_ms(predictor, [e.text for e in test]),
        "load_s": round(load_s, 2),
        "threads": torch.get_num_threads(),
        "size_mb": round(folder_bytes(model_dir) / 1e6, 1),
        "weights_mb": round((model_dir / "model.safetensors").stat().st_size / 1e6, 1),
    }
