"""Build a ready :class:`DialogueManager` from what serves the language (``app.serving``): the
domain, the NLU model, the knowledge base with its encoder, the order database, memory and
(optionally) the generator. Which models those are is decided in ``app.serving``; this
module loads them and knows where the conversation's own files live.

Paths (all per user, see app/paths.py):
  KB embeddings     <cache>/kb/kb-<hash>.npy              (rebuilt when texts or encoder change)
  order database    <data>/domains/<domain>/orders.sqlite (copied from orders.sql once)
  memory            <data>/memory.sqlite                  (profile + history: dialogue/memory.py)
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from app import paths
from app.domains import ChatSetupError
from app.memory_file import open_memory
from dialogue.domain import Domain
from dialogue.generation import Generator
from dialogue.manager import DialogueManager, Nlu

if TYPE_CHECKING:
    from app.serving import Serving
    from dialogue.generator.options import GeneratorOptions
    from dialogue.kb.encoder import EncoderConfig
    from dialogue.kb.index import KnowledgeBase

log = logging.getLogger(__name__)

DEFAULT_USER = "local"


def memory_file() -> Path:
    return paths.data_dir() / "memory.sqlite"


def orders_file(domain: Domain) -> Path:
    return paths.data_dir() / "domains" / domain.name / "orders.sqlite"


def load_nlu(path: Path, fix: str = "") -> Nlu:
    from dialogue.nlu import NluError, make_nlu

    if not path.is_dir():
        fix = fix or f"wenda domain train --lang {path.name[-2:]}"
        raise ChatSetupError(f"no trained NLU model at {path}\n  fix: {fix}")
    try:
        return make_nlu(path)
    except NluError as e:
        raise ChatSetupError(f"the NLU model at {path} cannot be loaded: {e}") from e


def build_retriever(domain: Domain, language: str, encoder: EncoderConfig | None) -> KnowledgeBase:
    """The knowledge base with ``encoder`` (``Serving.retrieval``); a tuned encoder that does
    not load falls back to its base encoder, and no encoder means keywords only."""
    from dialogue.kb.encoder import TunedEncoderError, make_encoder
    from dialogue.kb.index import build_kb

    pack = domain.pack(language)
    loaded = None
    if encoder is not None:
        try:
            loaded = make_encoder(encoder)
        except TunedEncoderError as e:
            log.warning("retrieval uses the base encoder: %s", e)
            loaded = make_encoder(replace(encoder, tuned_dir=None))
    return build_kb(pack.faq, pack.documents, language, loaded, paths.cache_dir() / "kb")


def build_generator(options: GeneratorOptions | None, note: str = "") -> Generator | None:
    """The generator for ``options`` (``Serving.generator``), or None when there are none or
    the model does not load (the conversation then answers without it)."""
    if options is None:
        if note:
            log.info("no generator: %s", note)
        return None
    from dialogue.generator import GeneratorError, make_generator

    try:
        return make_generator(options)
    except (GeneratorError, ValueError) as e:
        log.warning("no generator: %s", e)
        return None


def build_dialogue(
    serving: Serving,
    user: str = DEFAULT_USER,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
) -> DialogueManager:
    """Load everything a conversation needs (seconds: models are loaded here)."""
    from app.store.handover import serve_domain
    from dialogue.actions.orders_db import open_orders_db

    domain, language = serving.domain, serving.language
    # The tuned models, or models that need no training while they train (app/store/handover.py)
    nlu, retriever = serve_domain(serving, load_nlu, build_retriever)
    orders = open_orders_db(domain.orders_sql, orders_file(domain)) if domain.orders_sql else None
    generator = build_generator(serving.generator, serving.generator_note)
    memory = open_memory(memory_file(), history=serving.history)
    compose = serving.compose if generator is not None else "never"
    return DialogueManager(
        domain, language, nlu, retriever, generator, orders, memory, user, clock, compose=compose
    )


class OneLanguage:
    """The conversation in one language at a time, for a process that may switch (``/lang``
    in ``wenda chat``, the soak): switching lets the old language's dialogue and models go
    before the new one loads, so the process holds one language's models, as the window
    does (it starts a new session). Switching back loads again (seconds, from the cache)."""

    def __init__(self, first: DialogueManager, build: Callable[[str], DialogueManager]) -> None:
        self.current: DialogueManager | None = first
        self.build = build

    def get(self, language: str) -> DialogueManager:
        if self.current is not None and self.current.language == language:
            return self.current
        self.close()
        self.current = self.build(language)
        return self.current

    def close(self) -> None:
        """Close the current dialogue's memory and hand its models' memory back."""
        from app.voice.memory import release_free_memory

        if self.current is not None and self.current.memory is not None:
            self.current.memory.close()
        self.current = None
        gc.collect()  # the models sit in reference cycles (torch modules): free them now
        release_free_memory()
