"""One problem in a file a user wrote, the same record for every validator: the domain folder,
NLU data, chat data and the fine-tuning wizard's checks.

A validator collects all of them instead of stopping at the first, so the user fixes
everything in one pass; each is pinned to a file, a line and, where there is one, a field.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Issue:
    """``source``: the file (or folder); ``line``: 1-based, 0 when it is about the whole file;
    ``field``: the key or JSON field at fault ("" when none); ``severity``: ``error`` stops the
    work (training, loading), ``warning`` is reported and the work goes on."""

    source: str
    line: int
    field: str
    message: str
    severity: str = ERROR

    @property
    def where(self) -> str:
        """``file:line [field]`` (without the line when it is 0, the field when empty)."""
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where} [{self.field}]" if self.field else where

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"
