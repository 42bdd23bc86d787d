"""A tqdm progress bar for model-store steps, on stderr so ``--json`` output stays clean.

One bar per model, reset for each step (verify, join, convert, hash) with the step as its
label. Bars are drawn only on a terminal: logs and CI get the one-line summary per model.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from app.config import Config
from app.store.manifest import ModelEntry
from app.store.prepare import StepProgress
from app.store.progress import ProgressFn, no_progress

_MIN_BYTES_SHOWN = 1_000_000


def _terminal_bar(enabled: bool | None, **options: Any) -> Any:
    """A tqdm bar on stderr, or None when bars are off (``enabled`` None: only on a terminal)."""
    if not (sys.stderr.isatty() if enabled is None else enabled):
        return None
    return tqdm(file=sys.stderr, leave=False, dynamic_ncols=True, **options)


@contextmanager
def model_bar(name: str, enabled: bool | None = None) -> Iterator[StepProgress]:
    """Yield a StepProgress drawing on a single bar for the model ``name``."""
    bar = _terminal_bar(enabled, total=1, desc=name)
    if bar is None:
        yield lambda label: no_progress
        return

    def step(label: str) -> ProgressFn:
        started = False

        def update(done: int, total: int) -> None:
            nonlocal started
            is_bytes = total > 10_000
            if is_bytes and total < _MIN_BYTES_SHOWN:
                return
            if not started:
                bar.reset(total=total)
                bar.unit, bar.unit_scale = ("B", True) if is_bytes else ("step", False)
                bar.set_description(f"{name}: {label}")
                started = True
            bar.n = done
            bar.refresh()

        return update

    try:
        yield step
    finally:
        bar.close()


BAR_DELAY_S = 5.0  # a step shorter than this shows no bar at all


@contextmanager
def delayed_bar(label: str, total: int, enabled: bool | None = None) -> Iterator[ProgressFn]:
    """A bar with the time left for a step inside a loader, drawn once it has run
    :data:`BAR_DELAY_S` (on a terminal only)."""
    bar = _terminal_bar(enabled, total=total, desc=label, delay=BAR_DELAY_S)
    if bar is None:
        yield no_progress
        return

    def update(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def prepare_language_cli(config: Config, language: str) -> list[ModelEntry]:
    """Prepare what ``language`` needs (``app.store.languages``), a bar per model, a line on
    stderr before; nothing is shown when everything is ready."""
    from app.store.languages import prepare_language

    def bar(entry: ModelEntry) -> Any:
        return model_bar(entry.name)

    def announce(line: str) -> None:
        print(f"wenda: {line}", file=sys.stderr)

    return prepare_language(config, language, bar, announce)


@contextmanager
def training_bar(name: str, enabled: bool | None = None) -> Iterator[Any]:
    """Yield an ``on_update(fraction, seconds_left)`` callback drawing a bar for a training
    job (percent and time left); on a terminal only, like :func:`model_bar`."""
    bar = _terminal_bar(
        enabled,
        total=100,
        desc=f"training {name}",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
    )
    if bar is None:
        yield None
        return

    def update(fraction: float, seconds_left: float | None) -> None:
        bar.n = round(fraction * 100, 1)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def print_training_note(domain_dir: Path, language: str) -> None:
    """One line on stderr while the domain's tuned models are not ready (the chat answers
    with simpler models meanwhile and switches by itself)."""
    from app.store.domain_progress import language_training

    status = language_training(domain_dir, language)
    if status.states and not status.ready:
        print(f"wenda: {status.describe()}; simpler models answer until then", file=sys.stderr)
