"""Reply generation on a chat model: grounded prompt, streamed tokens, stop, timeout, filters.

``make_generator(options)`` returns a ``dialogue.generation.Generator``: a server client when
``options.url`` is set, else a local transformers model (with its LoRA adapter, if any). torch
and transformers are imported inside the factory, so ``import dialogue`` stays cheap.
"""

from __future__ import annotations

from dialogue.generation import Generator
from dialogue.generator.errors import (
    GenerationTimeout,
    GeneratorError,
    ModelLoadError,
    ServerError,
)
from dialogue.generator.options import GeneratorOptions

__all__ = [
    "GenerationTimeout",
    "GeneratorError",
    "GeneratorOptions",
    "ModelLoadError",
    "ServerError",
    "make_generator",
]


def make_generator(options: GeneratorOptions) -> Generator:
    """A ready generator for ``options``; loading a local model takes seconds (blocking).

    Raises ModelLoadError when the model or adapter cannot be loaded, ServerError for a
    malformed server URL (the server itself is first contacted on the first reply).
    """
    if options.url:
        from dialogue.generator.remote import ServerGenerator

        return ServerGenerator(options)
    from dialogue.generator.loading import attach_adapter, load_causal_lm
    from dialogue.generator.local import LocalGenerator

    model, tokenizer = load_causal_lm(options.model, options.device, options.dtype)
    if options.adapter:
        model = attach_adapter(model, options.adapter, merge=True)
    return LocalGenerator(model, tokenizer, options)
