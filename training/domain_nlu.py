"""Train the NLU model of one language of a domain: the domain's ``<lang>/nlu.jsonl`` on the
language's encoder, with settings that finish in a few minutes on two CPU cores.

``wenda domain train`` and ``wenda models prepare`` call :func:`train_domain_nlu`; the chat
finds the result by convention at ``<cache>/models/<domain>-nlu-<lang>``. The model folder's
``training.json`` records the domain, language and data hash (``config.extra``), so a stale
model can be detected when the domain's examples change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dialogue.domain import load_domain
from dialogue.files import sha256_file

if TYPE_CHECKING:
    from training.nlu.config import TrainConfig

log = logging.getLogger(__name__)

# Epochs: the domain has ~20-40 short examples per intent. MiniLM (English) converges in
# about 6, multilingual-e5 (Chinese) is far slower: on the shop's Chinese dev split, 6 epochs
# gave intent 0.75 / slot F1 0.66 and 15 gave 0.85 / 0.91 (BENCHMARKS.md, Dialogue). Early
# stopping ends English sooner. The frozen word embeddings halve the trainable parameters
# (and matter most for e5's 250k-word vocabulary).
DOMAIN_EPOCHS = 15
DOMAIN_PATIENCE = 3
# Per language, what differs from TrainConfig's defaults (measured on the shop's dev split:
# BENCHMARKS.md, "First run"): only the top layers train, on the frozen layers' output
# computed once. English (MiniLM, 6 layers): the top 2 at twice the encoder rate train in
# 63 s to intent accuracy 0.981 and slot F1 0.971, all layers at 1e-4 in 169 s to 0.955 and
# 0.983 (the top 2 at 1e-4: 68 s, 0.974 / 0.966; the top 3: 79 s, the same). Chinese
# (multilingual-e5-small, 12 layers): the top 4 at three times the rates in 186 s to 0.836
# and 0.903, the top 6 at the default rates in 286 s to 0.843 and 0.914, all of them (before)
# 530 s to 0.849 and 0.914; the top 4 at the default rates reached only 0.843 and 0.843.
DOMAIN_SETTINGS: dict[str, dict[str, Any]] = {
    "en": {"train_layers": 2, "encoder_lr": 2e-4},
    "zh": {"train_layers": 4, "encoder_lr": 3e-4, "head_lr": 3e-3},
}


def domain_train_config(language: str, **overrides: Any) -> TrainConfig:
    """The training settings of a domain's ``language`` NLU (``overrides`` win: experiments)."""
    from training.nlu.config import TrainConfig

    settings = {
        "epochs": DOMAIN_EPOCHS,
        "patience": DOMAIN_PATIENCE,
        **DOMAIN_SETTINGS.get(language, {}),
        **overrides,
    }
    return TrainConfig(**settings)


def train_domain_nlu(
    domain_dir: Path,
    language: str,
    encoder_dir: Path,
    out_dir: Path,
    progress: Callable[[dict[str, Any]], None] | None = None,
    epochs: int = DOMAIN_EPOCHS,
    seed: int = 13,
    step_progress: Callable[[int, int], None] | None = None,
    config: TrainConfig | None = None,
) -> Path:
    """Validate the domain, train its ``language`` NLU into ``out_dir`` (atomic); returns it.

    ``progress`` gets the trainer's per-epoch record (epoch, dev metrics), ``step_progress``
    (steps done, at most in all) after every step; ``config`` replaces the domain's settings.
    Raises ``DomainError`` for a bad folder and ``NluError`` for data the trainer rejects.
    """
    from training.nlu.run import RunHooks, train_nlu

    domain = load_domain(Path(domain_dir))
    pack = domain.pack(language)
    config = replace(
        config or domain_train_config(language, epochs=epochs),
        seed=seed,
        extra={
            "domain": domain.name,
            "language": language,
            "nlu_sha256": sha256_file(pack.nlu_file),
        },
    )
    hooks = RunHooks(on_epoch=progress, on_step=step_progress, progress=False)
    log.info("training the %s NLU of domain %s on %s", language, domain.name, encoder_dir)
    train_nlu(pack.nlu_file, Path(out_dir), Path(encoder_dir), config, hooks=hooks)
    return Path(out_dir)


def trained_for(model_dir: Path) -> dict[str, Any]:
    """What a model folder was trained on (``config.extra`` of its training.json), or {}."""
    import json

    try:
        training = json.loads((Path(model_dir) / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    extra = training.get("config", {}).get("extra", {})
    return extra if isinstance(extra, dict) else {}
