"""Which LoRA adapter serves the chat model of a language: the configured one, else the one
activated in the fine-tuning window, else the one the domain ships for the bundled chat model
(``<domain>/adapters/<lang>/``). Apart from ``app.generator`` so the model store can ask it
too (``models prepare`` merges that adapter) without importing the store back.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import Config
from app.models_active import active_model, slot_name
from app.store.roles import generator_role

log = logging.getLogger(__name__)

NO_ADAPTER = "none"  # as generator.adapters.<lang>: serve the base model, whatever is activated
ADAPTERS_FOLDER = "adapters"  # <domain>/adapters/<lang>/: the adapters a domain ships


def active_adapter(config: Config, language: str) -> str:
    """The adapter folder for ``language``: the configured one, else the activated one, else
    the one the domain ships for the bundled chat model (``<domain>/adapters/<lang>/``)."""
    configured = config.generator.adapters.get(language, "")
    if configured == NO_ADAPTER:
        return ""
    if configured:
        return configured
    folder = active_model(slot_name("generator", language))
    if folder:
        return str(folder)
    bundled = bundled_adapter(config, language)
    return str(bundled) if bundled else ""


def bundled_adapter(config: Config, language: str) -> Path | None:
    """The domain's own adapter for ``language``, when it was trained on the chat model that
    serves: the bundled one (an adapter of another base model would not fit its weights), not a
    folder or server the user chose instead."""
    from app.domains import domain_dir
    from app.store.manifest import load_manifest
    from training.generator.checkpoint import AdapterError, read_info

    role = generator_role(language)
    folder = domain_dir(config) / ADAPTERS_FOLDER / language
    if config.generator.url or config.models.paths.get(role) or not folder.is_dir():
        return None
    try:
        trained_on = Path(str(read_info(folder).get("base_model", ""))).name
    except AdapterError as e:
        log.warning("the domain's adapter is not used: %s", e)
        return None
    if trained_on != load_manifest().by_role(role).name:
        log.info(
            "the domain's %s adapter is for %s, not the bundled chat model", language, trained_on
        )
        return None
    return folder
