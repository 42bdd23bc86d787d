"""Prepare what a conversation language needs, when it is first needed.

Setup prepares the models of the configured language only (and those every language shares:
Whisper base, the VAD); the other language's chat model, encoder and voice are prepared the
first time that language is chosen (``--lang zh``, ``wenda config set general.language zh``,
the window's settings), with a progress bar, and its domain models then train in the
background (``app.store.domain_training``) while models that need no training answer.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


def _json_lines(entry: ModelEntry) -> Any:
    """A StepProgress printing one JSON line per update: the window reads them."""

    @contextmanager
    def bar() -> Iterator[StepProgress]:
        def step(label: str) -> Callable[[int, int], None]:
            shown = -1

            def update(done: int, total: int) -> None:
                nonlocal shown
                percent = int(100 * done / total) if total else 0
                if percent == shown:
                    return
                shown = percent
                record = {"model": entry.name, "step": label, "percent": percent}
                print(json.dumps(record), flush=True)

            return update

        yield step

    return bar()


def main(argv: list[str] | None = None) -> int:
    """``python -m app.store.languages --lang L``: prepare what L needs, progress as JSON
    lines on stdout (the window's progress dialog runs this: it never loads torch itself)."""
    parser = argparse.ArgumentParser(prog="python -m app.store.languages")
    parser.add_argument("--lang", required=True)
    args = parser.parse_args(argv)
    from app.config_file import load_config
    from app.logs import configure_logging
    from app.offline import apply_network_policy

    configure_logging()
    config = load_config()
    apply_network_policy(config.models.allow_online)
    done = prepare_language(config, args.lang, _json_lines)
    print(json.dumps({"prepared": [e.name for e in done]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
