"""The chat model's part of the resolver (``app.serving``): config, model store and active
adapter in, GeneratorOptions out.

Decides which chat model and which LoRA adapter serve a language: a server when
``generator.url`` is set; else the bundled model for the language (or the user's
``models.paths`` override), with the adapter from ``generator.adapters`` or, failing that,
the one activated in the fine-tuning window, or the one the domain ships for the bundled
model (the shop's English adapter: ``assets/domains/shop/adapters/en``). Locally the model is
served by CTranslate2 from a converted folder with the adapter merged in
(``app.store.served``: converted once, seconds), unless ``generator.engine`` is transformers
or the model cannot be converted. The compose
mode (whether knowledge answers are worded by the model) is decided here too.
"""

from __future__ import annotations

import logging
import os

from app.adapter_choice import NO_ADAPTER, active_adapter, bundled_adapter
from app.config import Config, ConfigError
from app.store.roles import generator_role
from app.store.served import served_model
from app.store.store import ModelStore
from dialogue.generator.options import GeneratorOptions

log = logging.getLogger(__name__)

__all__ = ["NO_ADAPTER", "active_adapter", "bundled_adapter", "generator_options", "served_model"]

API_KEY_VARIABLE = "WENDA_GENERATOR_API_KEY"  # kept out of the settings file on purpose


def generator_options(
    config: Config, language: str, store: ModelStore | None = None
) -> GeneratorOptions:
    """Options for the generator serving ``language``; raises ModelStoreError if unprepared."""
    settings = config.generator
    model, adapter, engine = "", "", settings.engine
    if not settings.url:
        model = (store or ModelStore(config=config)).path(generator_role(language))
        adapter = active_adapter(config, language)
        if engine != "transformers":
            model, adapter, engine = served_model(model, adapter)
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
            engine=engine,
            threads=settings.threads,
        )
    except ValueError as e:
        raise ConfigError(f"[generator] {e}") from e


def compose_mode(config: Config, language: str) -> str:
    """``generator.compose``, but "never" while no adapter is served: the untuned base model
    is not trusted to word the shop's answers (it rambles, and declines what it could say)."""
    if config.generator.url or active_adapter(config, language):
        return config.generator.compose
    return "never"
