"""Reading the files users write (JSON Lines) and hashing files, once for every package.

Readers never raise on content: a line that is not JSON, a file that is not UTF-8 or cannot
be read becomes an :class:`~dialogue.issues.Issue` with the file and line, so a validator
reports all problems at once. Line numbers are the file's own: lines are split on ``\\n``
only, so a JSON string holding U+2028 or a form feed stays on its line. Like
``dialogue.atomic``, this lives in ``dialogue`` because both ``app`` and ``training`` may
import it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dialogue.issues import Issue

CHUNK_BYTES = 4 * 1024 * 1024  # model weights can be larger than memory wants at once

JsonRecord = tuple[int, dict[str, Any]]  # (1-based line, the object on it)


class JsonlError(ValueError):
    """A JSON Lines file that cannot be used; the message lists every problem (file:line)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{i.where}: {i.message}" for i in self.issues))


def utf8_problem(raw: bytes, line: int = 1) -> tuple[int, str] | None:
    """``(line, message)`` saying where ``raw`` (starting at line ``line``) stops being UTF-8
    text, or None when it is all UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        start = raw.rfind(b"\n", 0, e.start) + 1
        line += raw.count(b"\n", 0, e.start)
        where = f"column {e.start - start + 1}: byte 0x{raw[e.start]:02x}, {e.reason}"
        return line, f"not UTF-8 text ({where})"
    return None


def read_lines(path: Path, issues: list[Issue], source: str | None = None) -> list[str] | None:
    """The lines of a UTF-8 text file (without their ``\\n`` or ``\\r\\n``), or None after
    adding why it cannot be read to ``issues`` (``source`` names the file there). A line that
    is not UTF-8 adds an issue with its line and column and reads as an empty line, so the
    other lines are still checked."""
    source = str(path) if source is None else source
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        issues.append(Issue(source, 0, "", "file not found"))
        return None
    except OSError as e:
        issues.append(Issue(source, 0, "", f"cannot read the file: {e.strerror or e}"))
        return None
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()  # the newline that ends the last line
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError:
            _, problem = utf8_problem(raw, number) or (number, "not UTF-8 text")
            issues.append(Issue(source, number, "", problem))
            lines.append("")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # a byte-order mark some editors write
    return lines


def parse_json_line(line: str, number: int, source: str) -> dict[str, Any] | Issue:
    """The JSON object on one line, or the issue with it."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as e:
        # json's own messages may end in " at" ("Unterminated string starting at").
        reason = e.msg.removesuffix(" at")
        return Issue(source, number, "", f"not valid JSON: {reason}, column {e.colno}")
    if not isinstance(value, dict):
        return Issue(source, number, "", "each line must be a JSON object")
    return value


def read_jsonl(path: Path, issues: list[Issue], source: str | None = None) -> list[JsonRecord]:
    """``(line, object)`` for every non-blank line that holds a JSON object; every other line,
    and a file that cannot be read, adds an issue (``source`` names the file there)."""
    source = str(path) if source is None else source
    records: list[JsonRecord] = []
    for number, line in enumerate(read_lines(path, issues, source) or [], start=1):
        if not line.strip():
            continue
        parsed = parse_json_line(line, number, source)
        if isinstance(parsed, Issue):
            issues.append(parsed)
        else:
            records.append((number, parsed))
    return records


def load_jsonl(path: Path) -> list[JsonRecord]:
    """Like :func:`read_jsonl`, for files that must be right: raises :class:`JsonlError`."""
    issues: list[Issue] = []
    records = read_jsonl(path, issues)
    if issues:
        raise JsonlError(issues)
    return records


def sha256_file(path: Path, progress: Callable[[int, int], None] | None = None) -> str:
    """Hex sha256 of a file, read in chunks; ``progress(done_bytes, total_bytes)`` after each."""
    digest = hashlib.sha256()
    total = Path(path).stat().st_size
    done = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()
