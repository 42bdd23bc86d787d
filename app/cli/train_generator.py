"""``wenda train generator``: LoRA fine-tuning of the reply generator from the terminal.

Resolves what needs the app (the domain folder, the bundled base model for the language) and
hands plain paths to ``training.generator.train``, which does the work. The same training
runs on several GPUs with ``accelerate launch -m training.generator.train ...``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.arg_types import count, number
from app.cli.train_cmd import exit_on_sigterm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``wenda train generator`` (defaults: the trainer's own)."""
    from training.generator.config import TrainConfig

    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="domain folder (uses LANG/dialogues.jsonl, faq.jsonl, docs/) or chat JSONL file "
        "(default: the configured domain, else the bundled shop)",
    )
    parser.add_argument("--out", type=Path, required=True, help="adapter folder to write")
    parser.add_argument("--lang", choices=("en", "zh"), default=None, help="default: config")
    parser.add_argument(
        "--base", default=None, help="base model folder (default: the bundled chat model for LANG)"
    )
    parser.add_argument("--epochs", type=count(1, 1000), default=TrainConfig.epochs)
    parser.add_argument("--rank", type=count(1, 1024), default=TrainConfig.rank, help="LoRA rank")
    parser.add_argument(
        "--max-steps",
        type=count(0, 10_000_000),
        default=TrainConfig.max_steps,
        help="stop early (0: no limit)",
    )
    parser.add_argument("--lr", type=number(1e-8, 1.0), default=TrainConfig.learning_rate)
    parser.add_argument("--batch-size", type=count(1, 4096), default=TrainConfig.batch_size)
    parser.add_argument("--max-seq-len", type=count(16, 131_072), default=TrainConfig.max_seq_len)
    parser.add_argument(
        "--decline-share",
        type=number(0.0, 1.0),
        default=TrainConfig.decline_share,
        help="share of FAQ entries that also teach declining (0-1)",
    )
    parser.add_argument(
        "--log-file", type=Path, default=None, help="step log (default: OUT.log.jsonl beside OUT)"
    )
    parser.add_argument("--seed", type=count(0, 2**32 - 1), default=TrainConfig.seed)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from app.domains import domain_dir
    from app.store.roles import generator_role
    from app.store.store import ModelStore
    from training.generator.config import TrainConfig
    from training.generator.train import train

    language = args.lang or args.config.general.language
    base = args.base or ModelStore(config=args.config).path(generator_role(language))
    config = TrainConfig(
        data=str(args.data or domain_dir(args.config)),
        out=str(args.out),
        base=str(base),
        language=language,
        epochs=args.epochs,
        max_steps=args.max_steps,
        rank=args.rank,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_seq_len=args.max_seq_len,
        decline_share=args.decline_share,
        log_file=str(args.log_file or ""),
        seed=args.seed,
    )
    # A GUI cancels training with SIGTERM: exit cleanly; the adapter folder is only ever
    # replaced whole, so the previous one stays.
    exit_on_sigterm()
    info = train(config, show_progress=not args.quiet and sys.stderr.isatty()).info
    m = info["metrics"]
    print(f"adapter: {args.out}")
    served = _convert_for_serving(Path(base), args.out)
    if served:
        print(f"served as: {served}")
    print(
        f"{m['steps']} steps on {info['data']['train_examples']} examples in {m['train_s']:.0f} s"
    )
    if m["heldout_examples"]:
        print(
            f"held-out ({m['heldout_examples']} examples): perplexity base "
            f"{m['base_heldout_perplexity']:.3f} -> adapter {m['adapter_heldout_perplexity']:.3f}"
        )
    return 0


def _convert_for_serving(base: Path, adapter: Path) -> str:
    """Merge and convert the new adapter now, in this (training) process, so activating it in
    the window is instant and the window's process never loads a model library. Returns the
    served folder, or "" when the base model cannot be converted (it then runs on
    transformers, and the session says why)."""
    from app.store.served import ensure_served
    from dialogue.generator.errors import ModelLoadError

    if not base.is_dir():
        return ""
    try:
        return str(ensure_served(base, adapter))
    except ModelLoadError as e:
        print(f"not converted for serving: {e}", file=sys.stderr)
        return ""
