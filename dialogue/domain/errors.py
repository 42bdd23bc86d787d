"""The error a domain folder that cannot be used raises, listing every problem at once.

A hand-written folder usually has several mistakes at once; the loader collects all of them
as :class:`~dialogue.issues.Issue` records (``source`` relative to the domain folder) and
raises one :class:`DomainError` so the user fixes everything in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.issues import Issue


class DomainError(Exception):
    """The domain folder cannot be used; ``str()`` lists every problem with file, line, field."""

    def __init__(self, root: str, issues: Sequence[Issue], skipped: int = 0) -> None:
        self.root = root
        self.issues = tuple(issues)
        self.skipped = skipped  # follow-on problems not shown (a file could not be read)
        count = len(self.issues)
        lines = [f"domain folder {root} has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  {issue.where}: {issue.message}" for issue in self.issues]
        if skipped:
            lines.append(
                f"  (the checks that need {'this file' if count == 1 else 'these files'} were "
                f"skipped; fix {'it' if count == 1 else 'them'} and check again)"
            )
        super().__init__("\n".join(lines))
