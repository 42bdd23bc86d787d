"""Prepare what a conversation language needs, when it is first needed.

Setup prepares the models of the configured language only (and those every language shares:
Whisper base, the VAD); the other language's chat model, encoder and voice are prepared the
first time that language is chosen (``--lang zh``, ``wenda config set general.language zh``,
the window's settings), with a progress bar, and its domain models then train in the
background (``app.store.domain_training``) while models that need no training answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.config import Config
from app.store.manifest import ModelEntry
from app.store.prepare import StepProgress
from app.store.store import ModelStore

log = logging.getLogger(__name__)


def missing_roles(store: ModelStore, language: str) -> list[ModelEntry]:
    """The bundled models ``language`` needs that are not ready (roles the user overrode are
    theirs: never prepared here; the chat model only while the generator is on)."""
    return [
        entry
        for entry in store.entries(store.manifest.roles_for(language))
        if not store.config.models.paths.get(entry.role)
        and (store.config.generator.enabled or not entry.role.startswith("generator"))
        and store.status(entry).state != "ready"
    ]


@contextmanager
def _no_bar(entry: ModelEntry) -> Iterator[StepProgress]:
    yield lambda label: lambda done, total: None


def prepare_language(
    config: Config,
    language: str,
    bar: Callable[[ModelEntry], object] | None = None,
    announce: Callable[[str], None] | None = None,
) -> list[ModelEntry]:
    """Prepare every bundled model ``language`` needs that is missing; returns those prepared.

    ``bar(entry)`` is a context manager yielding the model's StepProgress (the CLI's
    :func:`app.cli.progress.model_bar`); ``announce`` gets one line before the work starts.
    Fast when nothing is missing (size checks only).
    """
    store = ModelStore(config=config)
    missing = missing_roles(store, language)
    if not missing:
        return []
    if announce is not None:
        names = ", ".join(e.name for e in missing)
        announce(f"preparing the {language} models on first use: {names}")
    for entry in missing:
        with (bar or _no_bar)(entry) as step:  # type: ignore[attr-defined]
            store.prepare([entry.role], step=step)
    return missing
