"""Errors the NLU reports to users: bad training data, or a model folder that cannot be used.

Both carry a complete, user-facing message (``str()``), so the CLI prints them as they are and
exits 2 without a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.issues import Issue

__all__ = ["Issue", "NluDataError", "NluError", "NluModelError"]


class NluError(Exception):
    """Base of every NLU error a user can fix (data, model folder, arguments)."""


class NluDataError(NluError):
    """Data that cannot be trained or evaluated on; the message lists every error found."""

    def __init__(self, issues: Sequence[Issue], headline: str = "the NLU data has errors") -> None:
        self.issues = tuple(issues)
        lines = [f"{headline} ({len(self.issues)}):", *(f"  {i}" for i in self.issues)]
        super().__init__("\n".join(lines))


class NluModelError(NluError):
    """A trained NLU model folder is missing, incomplete or corrupt."""
