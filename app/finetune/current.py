"""The model the app uses now for a kind and language: what a new model is compared with.

Asked of the resolver (``app.serving``): for the NLU, the model activated in the fine-tuning
window, else the domain's model that ``wenda models prepare`` / ``wenda domain train`` wrote;
for the generator, the adapter that serves (none means the base model).
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import Config
from app.domains import BUNDLED_DOMAIN, domain_or_none

log = logging.getLogger(__name__)


def domain_name(config: Config) -> str:
    """The configured domain's name ("shop" for the bundled one, or when it does not load)."""
    domain = domain_or_none(config)
    return domain.name if domain is not None else BUNDLED_DOMAIN


def current_model(kind: str, language: str, config: Config) -> Path | None:
    """Folder of the model in use, or None (generator: the plain base model)."""
    if kind != "nlu":
        from app.generator import active_adapter

        adapter = active_adapter(config, language)
        return Path(adapter) if adapter else None
    from app.serving import nlu_choice

    folder, _ = nlu_choice(domain_name(config), language)
    return folder if folder.is_dir() else None
