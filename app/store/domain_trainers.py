"""How each kind of domain model trains, and with which settings: the rows of
``app.store.domain_models.KINDS`` call these thin wrappers over ``training/`` (imported when
they run, so reading a model's state stays torch-free)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from dialogue.kb.encoder import EncoderConfig

E5_PREFIXES = ("query: ", "passage: ")  # multilingual-e5 (the Chinese encoder) needs these
Progress = Callable[[int, int], None]
"""(units done, units total) of one model's training."""


class ModelToTrain(Protocol):
    """What a trainer needs of ``app.store.domain_models.DomainModel``."""

    @property
    def domain_dir(self) -> Path: ...

    @property
    def language(self) -> str: ...


def retrieval_encoder_config(
    language: str, encoder_dir: Path, tuned_dir: Path | None = None
) -> EncoderConfig:
    """How the retrieval encoder of ``language`` is fed: the one place that knows prefixes."""
    prefixes = E5_PREFIXES if language == "zh" else ("", "")
    return EncoderConfig(Path(encoder_dir), *prefixes, tuned_dir=tuned_dir)


def train_nlu(model: ModelToTrain, encoder_dir: Path, out: Path, progress: Progress) -> Path:
    from training.domain_nlu import train_domain_nlu

    return train_domain_nlu(
        model.domain_dir, model.language, encoder_dir, out, step_progress=progress
    )


def nlu_settings(language: str) -> dict[str, Any]:
    from training.domain_nlu import domain_train_config

    return domain_train_config(language).to_json()


def kb_settings(language: str) -> dict[str, Any]:
    from dataclasses import asdict

    from training.kb_encoder import domain_kb_config

    return asdict(domain_kb_config(language))


def train_kb(model: ModelToTrain, encoder_dir: Path, out: Path, progress: Progress) -> Path:
    from training.kb_encoder import domain_kb_config, train_kb_encoder

    encoder = retrieval_encoder_config(model.language, encoder_dir)
    config = domain_kb_config(model.language)
    return train_kb_encoder(
        model.domain_dir, model.language, encoder, out, config, step_progress=progress
    )
