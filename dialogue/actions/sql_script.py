"""Run a SQL script statement by statement, so an error names the line it is on.

``executescript`` reports "near ")": syntax error" and nothing else; a domain author with a
400-line ``orders.sql`` needs the line. The script is cut at statement ends with
``sqlite3.complete_statement`` (which knows strings and comments), and each statement runs in
autocommit mode so the script's own ``BEGIN``/``COMMIT`` work as they do in ``sqlite3``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

_NEAR = re.compile(r'near "(.+?)"')
# SQLite's primary result codes that mean the file or disk failed, not the script:
# READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB
_NOT_THE_SCRIPT = {8, 10, 11, 13, 14, 26}


class SqlScriptError(Exception):
    """A statement of the script failed; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def statements(sql: str) -> Iterator[tuple[int, str]]:
    """``(first line, statement)`` for each statement of ``sql``; comments and blank lines
    before a statement do not count as its first line."""
    buffer: list[str] = []
    start = 0
    for number, line in enumerate(sql.split("\n"), start=1):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        if not buffer:
            start = number
        buffer.append(line)
        text = "\n".join(buffer)
        if sqlite3.complete_statement(text):
            yield start, text
            buffer = []
    if buffer and any(b.strip() and not b.lstrip().startswith("--") for b in buffer):
        yield start, "\n".join(buffer)  # a last statement without its semicolon


def _locate(start: int, statement: str, error: sqlite3.Error) -> tuple[int, str]:
    """The line of the error and its message: the line of the token the error names when
    that token is on one line only, else the statement's first line and its line range."""
    lines = statement.split("\n")
    near = _NEAR.search(str(error))
    if near:
        found = [n for n, line in enumerate(lines) if near.group(1) in line]
        if len(found) == 1:
            return start + found[0], str(error)
    if len(lines) == 1:
        return start, str(error)
    return start, f"{error} (in the statement on lines {start}-{start + len(lines) - 1})"


def _execute(db: sqlite3.Connection, statement: str) -> None:
    try:
        db.execute(statement)
    except sqlite3.ProgrammingError as e:  # two statements on one line
        if "one statement at a time" not in str(e):
            raise
        db.executescript(statement)


def run_script(db: sqlite3.Connection, sql: str) -> None:
    """Run every statement of ``sql`` on ``db``; raises :class:`SqlScriptError` at the first
    that fails (a transaction the script opened is rolled back). A full or failing disk is
    raised as SQLite's own error: the script is not at fault."""
    saved = db.isolation_level
    db.isolation_level = None
    try:
        for start, statement in statements(sql):
            try:
                _execute(db, statement)
            except sqlite3.Error as e:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if getattr(e, "sqlite_errorcode", 0) & 0xFF in _NOT_THE_SCRIPT:
                    raise  # a full or failing disk: said as such by the caller
                raise SqlScriptError(*_locate(start, statement, e)) from e
        if db.in_transaction:
            db.execute("COMMIT")
    finally:
        db.isolation_level = saved
