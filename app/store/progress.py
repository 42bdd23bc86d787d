"""Progress reporting for long model-store steps (hashing, joining, converting).

Converters and the store call a plain ``(done, total)`` callback so they stay free of any UI;
the CLI turns it into a tqdm bar, tests pass nothing or a list-append.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[int, int], None]
"""Called with (units done, units total); units are bytes for I/O steps, steps for conversions."""


def no_progress(done: int, total: int) -> None:
    """A progress callback that ignores its input."""
