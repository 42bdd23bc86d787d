"""The model the app uses now for a kind and language: what a new model is compared with.

The slot's active model (``app.models_active``) when the user activated one, else the
domain's NLU model that ``wenda models prepare`` / ``wenda domain train`` wrote
(``app.conversation.nlu_model_dir``); for the generator, no adapter means the base model.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from app.config import Config
from app.models_active import active_model, slot_name

log = logging.getLogger(__name__)


def domain_name(config: Config) -> str:
    """The configured domain's name from its ``domain.toml`` ("shop" for the bundled one)."""
    from app.conversation import domain_dir

    try:
        data = tomllib.loads((domain_dir(config) / "domain.toml").read_text(encoding="utf-8"))
        return str(data.get("name", "shop"))
    except (OSError, ValueError):
        return "shop"


def current_model(kind: str, language: str, config: Config) -> Path | None:
    """Folder of the model in use, or None (generator: the plain base model)."""
    active = active_model(slot_name(kind, language))
    if active is not None or kind != "nlu":
        return active
    from app.conversation import nlu_model_dir

    folder = nlu_model_dir(domain_name(config), language)
    return folder if folder.is_dir() else None
