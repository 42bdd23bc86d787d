"""``wenda train nlu``: train the intent and slot model from the terminal (training itself is
in ``training/nlu``).

The app layer resolves the defaults that need the model store (the base encoder) and passes
plain paths down; the fine-tuning window runs this same command in a subprocess.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.arg_types import count, number
from app.cli.train_cmd import exit_on_sigterm, quiet_transformers
from dialogue.nlu.errors import NluError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The data and output options, then the model and training ones."""
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        help="JointBERT folder (train/ dev/ test/), JSONL file, or folder with "
        "train.jsonl [dev.jsonl test.jsonl]",
    )
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="encoder folder (default: the bundled nlu-encoder, all-MiniLM-L6-v2)",
    )
    parser.add_argument(
        "--log-jsonl",
        type=Path,
        default=None,
        help="also append each step's loss as a JSON line to this file",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_training_options(parser)


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs", type=count(1, 1000), default=None, help="most epochs (early stopping)"
    )
    parser.add_argument("--lora", action="store_true", help="train LoRA adapters, not all weights")
    parser.add_argument("--seed", type=count(0, 2**32 - 1), default=None)
    parser.add_argument("--batch-size", type=count(1, 4096), default=None)
    parser.add_argument(
        "--lr",
        type=number(1e-8, 1.0),
        default=None,
        help="encoder learning rate (adapters' with --lora)",
    )
    parser.add_argument("--pooling", choices=("mean", "cls"), default=None)
    parser.add_argument(
        "--slot-decoder",
        choices=("softmax", "crf"),
        default=None,
        help="slot tagging: a CRF with learned tag transitions (default) or per-word softmax",
    )
    parser.add_argument(
        "--slot-sentence",
        action="store_true",
        help="the slot tagger also reads the whole utterance beside each word (off by default)",
    )
    parser.add_argument(
        "--any-slot-per-intent",
        action="store_true",
        help="decode every slot type whatever the intent (default: only the types that intent "
        "had in training)",
    )
    parser.add_argument(
        "--train-word-embeddings",
        action="store_true",
        help="also fine-tune the word embeddings (frozen by default)",
    )
    parser.add_argument(
        "--threads", type=count(1, 1024), default=None, help="CPU threads (default: the idle cores)"
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)


def _nlu_config(args: argparse.Namespace) -> Any:
    from training.nlu.config import LoraSettings, TrainConfig

    options = {
        "epochs": args.epochs,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "encoder_lr": args.lr,
        "pooling": args.pooling,
        "slot_decoder": args.slot_decoder,
        "slot_sentence": True if args.slot_sentence else None,
        "slots_per_intent": False if args.any_slot_per_intent else None,
        "freeze_word_embeddings": False if args.train_word_embeddings else None,
        "threads": args.threads,
        "device": args.device,
    }
    chosen = {k: v for k, v in options.items() if v is not None}
    if args.lora:  # --lr then sets the adapters' rate; the encoder itself stays frozen
        lr = chosen.pop("encoder_lr", None)
        chosen["lora"] = LoraSettings() if lr is None else LoraSettings(lr=lr)
    try:
        return TrainConfig(**chosen)
    except ValueError as e:
        raise NluError(str(e)) from e


def _print_epoch(record: dict[str, Any]) -> None:
    dev = record["dev"]
    mark = "  *best" if record.get("best") else ""
    print(
        f"epoch {record['epoch']:>2}  loss {record['train_loss']:.4f}  "
        f"dev intent {dev['intent_accuracy']:.4f}  slot F1 {dev['slot_f1']:.4f}  "
        f"sentence {dev['sentence_accuracy']:.4f}  ({record['epoch_s']:.0f} s){mark}",
        flush=True,
    )


def _print_data(splits: Any) -> None:
    from dialogue.nlu.validate import summarize

    first, *counts = summarize(splits.train).lines()
    print(f"train: {first}")
    for line in counts:
        print(line)
    print(f"dev: {len(splits.dev)} examples ({splits.dev_source}); test: {len(splits.test)}")
    if splits.warnings:
        print(f"{len(splits.warnings)} warning(s):")
        for warning in splits.warnings[:10]:
            print(f"  {warning}")
        if len(splits.warnings) > 10:
            print(f"  ... and {len(splits.warnings) - 10} more")


def run(args: argparse.Namespace) -> int:
    from training.nlu.run import RunHooks, train_nlu

    config = _nlu_config(args)
    if args.base is None:
        from app.store.store import ModelStore

        base = Path(ModelStore(config=args.config).path("nlu-encoder"))
    else:
        base = args.base
    exit_on_sigterm()
    quiet_transformers()
    hooks = RunHooks(
        on_data=_print_data,
        on_epoch=_print_epoch,
        on_folder=lambda folder: print(f"writing into {folder} (loss.jsonl)", flush=True),
        progress=not args.quiet and sys.stderr.isatty(),
    )
    trained = train_nlu(args.data, args.out, base, config, log_jsonl=args.log_jsonl, hooks=hooks)
    report = trained.report
    dev = report["dev_with_oos_thresholds"]
    print(
        f"model: {args.out}\nchosen epoch {report['best_epoch']} of {len(report['epochs'])}; "
        f"dev intent {dev['intent_accuracy']:.4f}, slot F1 {dev['slot_f1']:.4f} "
        f"(with out-of-scope thresholds: {dev['oos_rate']:.1%} of dev flagged); "
        f"{report['wall_s']:.0f} s"
    )
    return 0
