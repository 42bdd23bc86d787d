"""Which domain folder the app uses and where the models trained from it are kept.

The domain is read only through :func:`dialogue.domain.load_domain`, which checks every
file; nothing here parses ``domain.toml`` itself. Imports nothing from the model store or
the conversation, so both can use it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app import paths
from app.config import Config
from dialogue.domain import Domain, DomainError, load_domain

log = logging.getLogger(__name__)

BUNDLED_DOMAIN = "shop"


class ChatSetupError(Exception):
    """Something a conversation needs is missing (a trained NLU model, a language)."""


def bundled_domain_dir() -> Path:
    """The default domain shipped with Wenda (an online shop, English and Chinese)."""
    import assets

    return Path(assets.__file__).parent / "domains" / BUNDLED_DOMAIN


def domain_dir(config: Config, override: str | Path | None = None) -> Path:
    """``override`` (a command-line folder), else ``general.domain``, else the bundled shop."""
    chosen = override or config.general.domain
    return Path(chosen).expanduser() if chosen else bundled_domain_dir()


def configured_domain(config: Config, override: str | Path | None = None) -> Domain:
    """The domain in use, loaded and checked (about 50 ms); raises DomainError."""
    return load_domain(domain_dir(config, override))


def train_fix(domain: Domain, language: str, config: Config) -> str:
    """The command that trains the domain's NLU model: the one ``wenda models list`` names
    for the configured domain, ``wenda domain train DIR`` for another folder."""
    if domain.root.resolve() == domain_dir(config).resolve():
        return f"wenda models prepare nlu-domain-{language}"
    return f"wenda domain train {domain.root} --lang {language}"


def domain_or_none(config: Config) -> Domain | None:
    """The configured domain, or None (with a warning) when it does not load: for listings
    and comparisons that can go on without it."""
    try:
        return configured_domain(config)
    except DomainError as e:
        log.warning("the domain %s does not load: %s", domain_dir(config), e)
        return None


def nlu_model_dir(domain_name: str, language: str) -> Path:
    """Where the trained NLU model of a domain and language is kept by convention."""
    return paths.models_dir() / f"{domain_name}-nlu-{language}"


def check_language(domain: Domain, language: str) -> None:
    """Raise ChatSetupError when the domain does not speak ``language``."""
    if language not in domain.languages:
        raise ChatSetupError(
            f"domain {domain.name} has no language {language!r}; "
            f"it has {', '.join(domain.languages)}"
        )
