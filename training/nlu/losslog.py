"""Where the training loop's per-step records go: ``loss.jsonl`` (the GUI plots it while the
run goes on) and, as (steps done, steps at most), a progress callback."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO


class LossLog:
    """Appends one JSON line per step to ``loss.jsonl`` (and ``--log-jsonl``), flushed at once
    so a GUI can plot the curve while training runs."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.files: list[TextIO] = []
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.files.append(path.open("a", encoding="utf-8"))

    def __call__(self, record: dict[str, Any]) -> None:
        line = json.dumps(record) + "\n"
        for f in self.files:
            f.write(line)
            f.flush()

    def close(self) -> None:
        for f in self.files:
            f.close()


def steps_to(
    loss_log: Callable[[dict[str, Any]], None], on_step: Callable[[int, int], None] | None
) -> Callable[[dict[str, Any]], None]:
    """The loop's per-step record to the loss log and, as (done, total), to ``on_step``."""
    if on_step is None:
        return loss_log

    def both(record: dict[str, Any]) -> None:
        loss_log(record)
        on_step(int(record["step"]), int(record["total_steps"]))

    return both
