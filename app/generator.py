"""The chat model's part of the resolver (``app.serving``): config, model store and active
adapter in, GeneratorOptions out.

Decides which chat model and which LoRA adapter serve a language: a server when
``generator.url`` is set; else the bundled model for the language (or the user's
``models.paths`` override), with the adapter from ``generator.adapters`` or, failing that,
the one activated in the fine-tuning window. A new way of serving the model (another engine,
a converted folder) is a new field of GeneratorOptions, filled in here.
"""

from __future__ import annotations

import logging
import os

from app.config import Config, ConfigError
from app.models_active import active_model, slot_name
from app.store.roles import generator_role
from app.store.store import ModelStore
from dialogue.generator.options import GeneratorOptions

log = logging.getLogger(__name__)

API_KEY_VARIABLE = "WENDA_GENERATOR_API_KEY"  # kept out of the settings file on purpose


def active_adapter(config: Config, language: str) -> str:
    """The adapter folder for ``language``: the configured one, else the activated one."""
    configured = config.generator.adapters.get(language, "")
    if configured:
        return configured
    folder = active_model(slot_name("generator", language))
    return str(folder) if folder else ""


def generator_options(
    config: Config, language: str, store: ModelStore | None = None
) -> GeneratorOptions:
    """Options for the generator serving ``language``; raises ModelStoreError if unprepared."""
    settings = config.generator
    model, adapter = "", ""
    if not settings.url:
        model = (store or ModelStore(config=config)).path(generator_role(language))
        adapter = active_adapter(config, language)
    try:
        return GeneratorOptions(
            model=model,
            adapter=adapter,
            url=settings.url,
            served_model=settings.served_model,
            api_key=os.environ.get(API_KEY_VARIABLE, ""),
            max_new_tokens=settings.max_new_tokens,
            temperature=settings.temperature,
            timeout_s=settings.timeout_s,
            device=settings.device,
            dtype=settings.dtype,
        )
    except ValueError as e:
        raise ConfigError(f"[generator] {e}") from e
