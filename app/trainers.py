"""What Wenda can train, named once for the command line and the fine-tuning window.

``wenda train <kind>`` has one sub-command per entry (its module has ``add_arguments(parser)``
and ``run(args)``); the fine-tuning window offers a kind when its trainer is installed and
runs it as that command in a subprocess. Neither imports the other through this table: it
names modules, it does not import them.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trainer:
    """One trainable kind: its ``wenda train`` help, command module and what it needs."""

    kind: str
    help: str
    command: str  # module with add_arguments(parser) and run(args)
    needs: tuple[str, ...]  # modules that must be importable for the trainer to run


TRAINERS = {
    t.kind: t
    for t in (
        Trainer(
            "nlu",
            "train the intent and slot model (NLU)",
            "app.cli.train_nlu",
            ("training.nlu.run", "transformers"),
        ),
        Trainer(
            "generator",
            "fine-tune the reply generator (LoRA) on a domain's dialogues and FAQ",
            "app.cli.train_generator",
            ("training.generator.train", "peft"),
        ),
    )
}


def trainer_available(kind: str) -> bool:
    """Whether ``wenda train <kind>`` exists and its libraries are installed."""
    trainer = TRAINERS.get(kind)
    if trainer is None:
        return False
    missing = [name for name in trainer.needs if importlib.util.find_spec(name) is None]
    if missing:
        log.info("cannot train %s: %s not installed", kind, ", ".join(missing))
    return not missing
