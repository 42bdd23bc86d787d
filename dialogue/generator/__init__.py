"""Reply generation on a chat model: grounded prompt, streamed tokens, stop, timeout, filters.

``make_generator(options)`` returns a ``dialogue.generation.Generator``: a server client when
``options.url`` is set, else a local model: a converted CTranslate2 folder (the served form,
adapter merged in), or a transformers checkpoint with its LoRA adapter, if any (the reference).
torch, transformers and ctranslate2 are imported inside the factory, so ``import dialogue``
stays cheap.
"""

from __future__ import annotations

from pathlib import Path

from dialogue.generation import Generator
from dialogue.generator.errors import (
    GenerationTimeout,
    GeneratorError,
    ModelLoadError,
    ServerError,
)
from dialogue.generator.options import GeneratorOptions


def resolve_engine(options: GeneratorOptions) -> str:
    """The engine that serves ``options``: "ctranslate2" for a converted folder (it has a
    ``model.bin``), else "transformers", unless ``options.engine`` names one."""
    if options.engine != "auto":
        return options.engine
    return "ctranslate2" if (Path(options.model) / "model.bin").is_file() else "transformers"


__all__ = [
    "GenerationTimeout",
    "GeneratorError",
    "GeneratorOptions",
    "ModelLoadError",
    "ServerError",
    "make_generator",
    "resolve_engine",
]


def make_generator(options: GeneratorOptions) -> Generator:
    """A ready generator for ``options``; loading a local model takes seconds (blocking).

    Raises ModelLoadError when the model or adapter cannot be loaded, ServerError for a
    malformed server URL (the server itself is first contacted on the first reply).
    """
    if options.url:
        from dialogue.generator.remote import ServerGenerator

        return ServerGenerator(options)
    if resolve_engine(options) == "ctranslate2":
        from dialogue.generator.ct2 import Ct2Generator, load_ct2

        if options.adapter:
            raise ModelLoadError(
                "a CTranslate2 model serves an adapter merged in at conversion; "
                "convert the adapter with the base model instead of attaching it"
            )
        engine, tokenizer = load_ct2(options.model, options)
        return Ct2Generator(engine, tokenizer, options)
    from dialogue.generator.loading import attach_adapter, load_causal_lm
    from dialogue.generator.local import LocalGenerator

    model, tokenizer = load_causal_lm(options.model, options.device, options.dtype)
    if options.adapter:
        model = attach_adapter(model, options.adapter, merge=True)
    return LocalGenerator(model, tokenizer, options)
