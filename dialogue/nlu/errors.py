"""Errors the NLU reports to users: bad training data, or a model folder that cannot be used.

Both carry a complete, user-facing message (``str()``), so the CLI prints them as they are and
exits 2 without a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class NluError(Exception):
    """Base of every NLU error a user can fix (data, model folder, arguments)."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a data file; ``line`` is 1-based, 0 when it is about the whole file."""

    source: str
    line: int
    message: str
    severity: str = "error"  # "error" stops training; "warning" is reported and training goes on

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.severity}: {self.message}"


class NluDataError(NluError):
    """Data that cannot be trained or evaluated on; the message lists every error found."""

    def __init__(self, issues: Sequence[Issue], headline: str = "the NLU data has errors") -> None:
        self.issues = tuple(issues)
        lines = [f"{headline} ({len(self.issues)}):", *(f"  {i}" for i in self.issues)]
        super().__init__("\n".join(lines))


class NluModelError(NluError):
    """A trained NLU model folder is missing, incomplete or corrupt."""
