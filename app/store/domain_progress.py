"""Where a language's domain models stand together, for people: ready, or training with a
percent and the time left (read from the running job's progress file), or failed.

File reads only (no torch): the window asks every few seconds, the doctor once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.store.domain_models import ModelState, domain_model_state, language_models
from app.store.job_files import job_files


@dataclass(frozen=True)
class LanguageTraining:
    """The domain models of one language together: ready when every kind is."""

    domain: str
    language: str
    states: dict[str, ModelState] = field(default_factory=dict)
    percent: int = 0  # of the running job, 0 when none runs
    seconds_left: float | None = None
    error: str = ""  # the last job's failure, if it failed

    @property
    def ready(self) -> bool:
        return all(s.state == "ready" for s in self.states.values())

    @property
    def training(self) -> bool:
        return any(s.state == "training" for s in self.states.values())

    def describe(self) -> str:
        """One line for people: the doctor, the window, the chat's first line."""
        if self.ready:
            return f"tuned {self.language} models are ready"
        if self.training:
            left = f", about {self.seconds_left:.0f} s left" if self.seconds_left else ""
            return f"tuned {self.language} models are still training: {self.percent}%{left}"
        if self.error:
            return f"training the tuned {self.language} models failed: {self.error}"
        return f"tuned {self.language} models are not trained yet"


def read_progress(domain: str, language: str, root: Path | None = None) -> dict[str, Any]:
    """The job's last progress record (percent, seconds_left, error), or {}."""
    _, progress = job_files(domain, language, root)
    try:
        record = json.loads(progress.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def language_training(
    domain_dir: Path, language: str, root: Path | None = None
) -> LanguageTraining:
    """Where the domain models of ``language`` stand, with the running job's progress."""
    models = language_models(domain_dir, language)
    if not models:
        return LanguageTraining("", language)
    states = {m.kind: domain_model_state(m, root) for m in models}
    record = read_progress(models[0].domain, language, root)
    training = any(s.state == "training" for s in states.values())
    return LanguageTraining(
        models[0].domain,
        language,
        states,
        int(record.get("percent", 0)) if training else 0,
        record.get("seconds_left") if training else None,
        "" if training else str(record.get("error", "")),
    )
