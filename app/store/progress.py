"""Progress reporting for long model-store steps (hashing, joining, converting) and for the
long steps inside loaders (embedding many texts on a first start).

Converters and the store call a plain ``(done, total)`` callback so they stay free of any UI;
the CLI turns it into a tqdm bar, tests pass nothing or a list-append. Loaders deep in a
call chain ask :func:`step_bar`, which draws what the front end chose (:func:`show_steps_with`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

ProgressFn = Callable[[int, int], None]
"""Called with (units done, units total); units are bytes for I/O steps, steps for conversions."""


def no_progress(done: int, total: int) -> None:
    """A progress callback that ignores its input."""


StepBar = Callable[[str, int], AbstractContextManager[ProgressFn]]
"""(label, units in all) -> a context yielding the step's ``(done, total)`` callback."""

_step_bar: StepBar | None = None
CHUNK_TEXTS = 128  # texts embedded between two updates of a bar


def show_steps_with(factory: StepBar | None) -> None:
    """How this process shows long steps that run inside loaders (a front end calls it once:
    the CLI draws a bar on stderr after a few seconds; None: nothing is shown)."""
    global _step_bar
    _step_bar = factory


def step_bar(label: str, total: int) -> AbstractContextManager[ProgressFn]:
    """The bar of one long step, or a silent one when no front end asked for bars."""
    return _step_bar(label, total) if _step_bar is not None else nullcontext(no_progress)


class ShownEncoder:
    """A text encoder whose long ``embed`` calls (many texts: the fallback's examples, the
    knowledge base on first use) show a bar; vectors are the inner encoder's, in order."""

    def __init__(self, inner: Any, label: str) -> None:
        self.inner, self.label = inner, label

    def embed(self, texts: Sequence[str], kind: str = "query") -> Any:
        import numpy as np

        texts = list(texts)
        if len(texts) <= CHUNK_TEXTS:
            return self.inner.embed(texts, kind)
        parts = []
        with step_bar(self.label, len(texts)) as update:
            for first in range(0, len(texts), CHUNK_TEXTS):
                parts.append(self.inner.embed(texts[first : first + CHUNK_TEXTS], kind))
                update(min(first + CHUNK_TEXTS, len(texts)), len(texts))
        return np.concatenate(parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["inner"], name)
