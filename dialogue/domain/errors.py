"""Problems found in a domain folder, each pinned to a file, a line and a field.

A hand-written folder usually has several mistakes at once; the loader collects all of them
and raises one :class:`DomainError` so the user fixes everything in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DomainIssue:
    """One problem: ``file`` relative to the domain folder, ``line`` 1-based (0: whole file)."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class DomainError(Exception):
    """The domain folder cannot be used; ``str()`` lists every problem with file, line, field."""

    def __init__(self, root: str, issues: Sequence[DomainIssue]) -> None:
        self.root = root
        self.issues = tuple(issues)
        count = len(self.issues)
        lines = [f"domain folder {root} has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))
