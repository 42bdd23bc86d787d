"""``wenda train <kind> ...``: train a model from the terminal (training itself is in
``training/``).

One sub-command per entry of :data:`app.trainers.TRAINERS`, each in its own module
(``app.cli.train_nlu``, ``app.cli.train_generator``) with ``add_arguments(parser)`` and
``run(args)``; what every trainer shares (a clean exit on SIGTERM, quiet library logs) is here.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from typing import Any

from app.trainers import TRAINERS


def quiet_transformers() -> None:
    """No per-file progress bars from transformers: the CLI prints its own progress."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def exit_on_sigterm() -> None:
    """Turn SIGTERM (a GUI cancelling the training subprocess) into SystemExit, so the
    half-written output folder is removed and --out keeps the previous model."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("train", help="train a model on your data")
    actions = parser.add_subparsers(dest="train_action", metavar="MODEL", required=True)
    for trainer in TRAINERS.values():
        command = importlib.import_module(trainer.command)
        command.add_arguments(actions.add_parser(trainer.kind, help=trainer.help))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return int(importlib.import_module(TRAINERS[args.train_action].command).run(args))
