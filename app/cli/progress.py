"""A tqdm progress bar for model-store steps, on stderr so ``--json`` output stays clean.

One bar per model, reset for each step (verify, join, convert, hash) with the step as its
label. Bars are drawn only on a terminal: logs and CI get the one-line summary per model.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from app.store.prepare import StepProgress
from app.store.progress import ProgressFn, no_progress

_MIN_BYTES_SHOWN = 1_000_000


@contextmanager
def model_bar(name: str, enabled: bool | None = None) -> Iterator[StepProgress]:
    """Yield a StepProgress drawing on a single bar for the model ``name``."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda label: no_progress
        return
    bar = tqdm(total=1, desc=name, file=sys.stderr, leave=False, dynamic_ncols=True)

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
