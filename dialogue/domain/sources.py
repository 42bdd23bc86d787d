"""Reading the domain's files while remembering where things are, for errors with line numbers.

``tomllib`` gives no positions, so a table or key is found again in the text by a line scan;
JSON Lines files are read line by line so every record knows its own line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from dialogue import files
from dialogue.files import JsonRecord, utf8_problem
from dialogue.issues import Issue

_TOML_LINE = re.compile(r"at line (\d+)")
UNREADABLE = ("not valid TOML", "not UTF-8 text", "cannot read the file")


def unreadable_toml(issue: Issue) -> bool:
    """Whether ``issue`` says a TOML file could not be read at all: every check that needs
    that file would then report a follow-on problem (one duplicate table gave 1,495)."""
    return issue.source.endswith(".toml") and issue.message.startswith(UNREADABLE)


class TomlFile:
    """A parsed TOML file plus its text, able to say on which line a table or key is."""

    def __init__(self, rel: str, text: str, data: dict[str, Any]) -> None:
        self.rel = rel
        self.lines = text.splitlines()
        self.data = data

    def line_of(self, table: str | None = None, key: str | None = None) -> int:
        """1-based line of ``[table]`` (or of ``key`` inside it; top level when table is None)."""
        in_table = table is None
        table_line = 0
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if line.startswith("["):
                name = line.strip("[]").strip().strip('"').strip("'")
                if in_table and table_line and key is not None:
                    break  # the key was not in its table: point at the table
                in_table = name == table
                if in_table:
                    table_line = number
                    if key is None:
                        return number
                continue
            if (
                in_table
                and key is not None
                and re.match(rf"[\"']?{re.escape(key)}[\"']?\s*=", line)
            ):
                return number
        return table_line

    def issue(self, message: str, table: str | None = None, key: str | None = None) -> Issue:
        field = ".".join(p for p in (table, key) if p)
        return Issue(self.rel, self.line_of(table, key), field, message)


def read_toml(root: Path, rel: str, issues: list[Issue], required: bool = True) -> TomlFile | None:
    """Parse ``root/rel``; a missing (when required) or malformed file becomes an issue."""
    path = root / rel
    if not path.is_file():
        if required:
            issues.append(Issue(rel, 0, "", "file is missing"))
        return None
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
        return TomlFile(rel, text, tomllib.loads(text))
    except OSError as e:
        issues.append(Issue(rel, 0, "", f"cannot read the file: {e.strerror or e}"))
    except UnicodeDecodeError:
        line, problem = utf8_problem(data) or (0, "not UTF-8 text")
        issues.append(Issue(rel, line, "", problem))
    except tomllib.TOMLDecodeError as e:
        found = _TOML_LINE.search(str(e))
        issues.append(Issue(rel, int(found.group(1)) if found else 0, "", f"not valid TOML: {e}"))
    return None


def read_jsonl(
    root: Path, rel: str, issues: list[Issue], required: bool = True
) -> list[JsonRecord]:
    """``(line, object)`` for each non-blank line; bad JSON or non-objects become issues."""
    path = root / rel
    if not path.is_file():
        if required:
            issues.append(Issue(rel, 0, "", "file is missing"))
        return []
    records = files.read_jsonl(path, issues, source=rel)
    if not records and not any(i.source == rel for i in issues):
        issues.append(Issue(rel, 0, "", "file has no records"))
    return records


def string_list(value: Any) -> tuple[str, ...] | None:
    """``value`` as a tuple of non-empty strings (a single string counts as one), else None."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(value)


def check_keys(
    file: TomlFile,
    table: str | None,
    data: dict[str, Any],
    allowed: set[str],
    issues: list[Issue],
) -> None:
    """Unknown keys are errors: a typo must not silently fall back to a default."""
    for key in data:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            issues.append(file.issue(f"unknown key {key!r}; known keys: {known}", table, key))
