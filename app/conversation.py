"""Build a ready :class:`DialogueManager` from the user's config: the domain folder, the NLU
model of the language, the knowledge base with its encoder, the order database, memory and
(optionally) the generator. The one place that knows where each of these lives on disk.

Paths (all per user, see app/paths.py):
  NLU model         <cache>/models/<domain>-nlu-<lang>    (``wenda domain train``; prepare)
  KB embeddings     <cache>/kb/kb-<hash>.npy              (rebuilt when texts or encoder change)
  order database    <data>/domains/<domain>/orders.sqlite (copied from orders.sql once)
  memory            <data>/memory.sqlite                  (profile + history: dialogue/memory.py)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import paths
from app.config import Config
from app.store.errors import ModelStoreError
from dialogue.domain import Domain, load_domain
from dialogue.generation import Generator
from dialogue.manager import DialogueManager, Nlu
from dialogue.memory import Memory

if TYPE_CHECKING:
    from dialogue.kb.index import KnowledgeBase

log = logging.getLogger(__name__)

ENCODER_ROLES = {"en": "nlu-encoder", "zh": "nlu-encoder-zh"}
DEFAULT_USER = "local"


class ChatSetupError(Exception):
    """Something the chat needs is missing (a trained NLU model, a language); user-fixable."""


def bundled_domain_dir() -> Path:
    """The default domain shipped with Wenda (an online shop, English and Chinese)."""
    import assets

    return Path(assets.__file__).parent / "domains" / "shop"


def domain_dir(config: Config, override: str | Path | None = None) -> Path:
    chosen = override or config.general.domain
    return Path(chosen).expanduser() if chosen else bundled_domain_dir()


def nlu_model_dir(domain_name: str, language: str) -> Path:
    """Where the trained NLU model of a domain and language is kept by convention."""
    return paths.models_dir() / f"{domain_name}-nlu-{language}"


def memory_file() -> Path:
    return paths.data_dir() / "memory.sqlite"


def orders_file(domain: Domain) -> Path:
    return paths.data_dir() / "domains" / domain.name / "orders.sqlite"


def encoder_dir(config: Config, language: str) -> Path | None:
    """The sentence encoder for retrieval in ``language``, or None when not prepared."""
    from app.store.store import ModelStore

    try:
        return Path(ModelStore(config=config).path(ENCODER_ROLES[language]))
    except ModelStoreError as e:
        log.warning("retrieval uses keywords only: %s", e.message)
        return None


@dataclass(frozen=True)
class ChatOptions:
    """What the chat command (or the GUI) asks for on top of the config."""

    language: str = ""  # empty: config.general.language
    domain: str = ""  # empty: config.general.domain, else the bundled shop
    user: str = DEFAULT_USER
    nlu_model: str = ""  # empty: nlu_model_dir(domain, language)
    generator: bool = True  # and config.generator.enabled
    clock: Callable[[], dt.datetime] = dt.datetime.now


def load_nlu(path: Path) -> Nlu:
    from dialogue.nlu import NluError, make_nlu

    if not path.is_dir():
        raise ChatSetupError(
            f"no trained NLU model at {path}\n  fix: wenda domain train --lang {path.name[-2:]}"
        )
    try:
        return make_nlu(path)
    except NluError as e:
        raise ChatSetupError(f"the NLU model at {path} cannot be loaded: {e}") from e


def tuned_encoder_dir(domain: Domain, language: str) -> Path | None:
    """The retrieval encoder tuned on this domain's current FAQ, or None (stale or absent)."""
    from app.store.domain_models import DomainModel, domain_model_status

    model = DomainModel(domain.name, language, domain.root, "kb")
    status = domain_model_status(model)
    if status.state != "ready":
        log.info("retrieval uses the base encoder: %s", status.detail)
        return None
    return Path(status.path)


def build_retriever(
    domain: Domain, language: str, config: Config, tuned: bool = True
) -> KnowledgeBase:
    """The knowledge base with the tuned encoder when it is ready, else the base encoder,
    else keywords only (``tuned=False`` forces the base encoder, for comparisons)."""
    from app.store.domain_models import retrieval_encoder_config
    from dialogue.kb.encoder import TunedEncoderError, make_encoder
    from dialogue.kb.index import build_kb

    pack = domain.pack(language)
    folder = encoder_dir(config, language)
    encoder = None
    if folder is not None:
        tuned_dir = tuned_encoder_dir(domain, language) if tuned else None
        try:
            encoder = make_encoder(retrieval_encoder_config(language, folder, tuned_dir))
        except TunedEncoderError as e:
            log.warning("retrieval uses the base encoder: %s", e)
            encoder = make_encoder(retrieval_encoder_config(language, folder))
    return build_kb(pack.faq, pack.documents, language, encoder, paths.cache_dir() / "kb")


def build_generator(config: Config, language: str) -> Generator | None:
    """The configured generator, or None (disabled, or its model is not prepared). Its
    settings and LoRA adapter (configured, else activated in the fine-tuning window) come
    from ``app.generator.generator_options``."""
    if not config.generator.enabled:
        return None
    from app.config import ConfigError
    from app.generator import generator_options
    from dialogue.generator import GeneratorError, make_generator

    try:
        options = generator_options(config, language)
    except ModelStoreError as e:
        log.info("no generator: %s", e.message)
        return None
    except ConfigError as e:
        log.warning("no generator: %s", e)
        return None
    try:
        return make_generator(options)
    except (GeneratorError, ValueError) as e:
        log.warning("no generator: %s", e)
        return None


def build_dialogue(config: Config, options: ChatOptions) -> DialogueManager:
    """Load everything a conversation needs (seconds: models are loaded here)."""
    from app.store.handover import serve_domain
    from app.store.languages import prepare_language
    from dialogue.actions.orders_db import open_orders_db

    domain = load_domain(domain_dir(config, options.domain))
    language = options.language or config.general.language
    if language not in domain.languages:
        raise ChatSetupError(
            f"domain {domain.name} has no language {language!r}; "
            f"it has {', '.join(domain.languages)}"
        )
    prepare_language(config, language)  # first use of a language (front ends show a bar)
    nlu, retriever = serve_domain(  # the tuned models, or models that need no training while
        domain,  # they train (app/store/handover.py); a chosen NLU model wins
        language,
        config,
        load_nlu,
        build_retriever,
        encoder_dir(config, language),
        nlu_folder=Path(options.nlu_model) if options.nlu_model else None,
    )
    orders = open_orders_db(domain.orders_sql, orders_file(domain)) if domain.orders_sql else None
    generator = build_generator(config, language) if options.generator else None
    memory = Memory(memory_file(), history=config.privacy.history)
    from app.generator import compose_mode

    return DialogueManager(
        domain,
        language,
        nlu,
        retriever,
        generator,
        orders,
        memory,
        options.user,
        options.clock,
        compose=compose_mode(config, language) if generator is not None else "never",
    )
