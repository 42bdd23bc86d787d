"""The chat model's adapter for a domain, trained as one of the domain's own models.

The model store's background training job (``app.store.domain_models``: one row per kind of
model a domain trains) calls :func:`train_domain_adapter` after the NLU model and the
retrieval encoder, so a first start answers at once (stored answers, the base chat model) and
the tuned chat model takes over when its adapter lands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from training.generator.config import TrainConfig
from training.generator.train import train


def train_domain_adapter(
    domain_dir: Path,
    language: str,
    base_dir: Path,
    out: Path,
    step_progress: Callable[[int, int], None] | None = None,
    record: dict[str, Any] | None = None,
) -> Path:
    """Train the default LoRA adapter of ``language`` on the domain's dialogues, FAQ and
    documents, on ``base_dir``, into ``out`` (atomically, with ``record`` as its training
    record); returns ``out``."""
    config = TrainConfig(data=str(domain_dir), out=str(out), base=str(base_dir), language=language)
    train(config, show_progress=False, step_progress=step_progress, record=record)
    return Path(out)
