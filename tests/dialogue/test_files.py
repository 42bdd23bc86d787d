"""The one JSON Lines reader and the one file hasher: every problem an Issue with its line."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from dialogue.files import JsonlError, load_jsonl, read_jsonl, sha256_file
from dialogue.issues import Issue

GOOD = '{"a": 1}'


@pytest.mark.parametrize(
    ("content", "lines", "problems"),
    [
        (f"{GOOD}\n\n  \n{GOOD}\n", [1, 4], []),
        (f"{GOOD}\r\n{GOOD}", [1, 2], []),
        ('{"text": "a\u2028b"}\n' + GOOD, [1, 2], []),  # a line separator inside a string
        (f'{GOOD}\n{{"a": \n{GOOD}', [1, 3], [(2, "not valid JSON: Expecting value, column 7")]),
        (f"[1, 2]\n{GOOD}", [2], [(1, "each line must be a JSON object")]),
        ('"x"\n5\n', [], [(1, "each line must be a JSON object"), (2, "each line")]),
    ],
)
def test_read_jsonl(
    tmp_path: Path, content: str, lines: list[int], problems: list[tuple[int, str]]
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(content, encoding="utf-8")
    issues: list[Issue] = []
    records = read_jsonl(path, issues, source="data.jsonl")
    assert [n for n, _ in records] == lines
    assert len(issues) == len(problems)
    for issue, (line, words) in zip(issues, problems, strict=True):
        assert (issue.source, issue.line) == ("data.jsonl", line) and words in issue.message


@pytest.mark.parametrize(
    ("make", "line", "words"),
    [
        (lambda p: None, 0, "file not found"),
        (lambda p: p.write_bytes(b'{"a": "\xff"}\n'), 1, "not UTF-8 text (column 8: byte 0xff"),
        (lambda p: p.mkdir(), 0, "cannot read the file"),
    ],
)
def test_unreadable_files_are_issues(tmp_path: Path, make, line: int, words: str) -> None:
    path = tmp_path / "data.jsonl"
    make(path)
    issues: list[Issue] = []
    assert read_jsonl(path, issues) == []
    assert [(i.source, i.line) for i in issues] == [(str(path), line)]
    assert words in issues[0].message
    with pytest.raises(JsonlError, match=re.escape(words)):
        load_jsonl(path)


def test_a_bad_byte_is_named_by_line_and_column_and_the_other_lines_still_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nlu.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n{"c": "caf\xe9"}\n{"d": 4}\n')
    issues: list[Issue] = []
    records = read_jsonl(path, issues, source="nlu.jsonl")
    assert [n for n, _ in records] == [1, 2, 4]  # the byte-order mark is no problem either
    (issue,) = issues
    assert (issue.line, issue.message) == (
        3,
        "not UTF-8 text (column 11: byte 0xe9, invalid continuation byte)",
    )


def test_sha256_file_reads_in_chunks_and_reports_progress(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("dialogue.files.CHUNK_BYTES", 1000)
    data = bytes(range(256)) * 10
    path = tmp_path / "weights.bin"
    path.write_bytes(data)
    seen: list[tuple[int, int]] = []
    assert sha256_file(path, lambda done, total: seen.append((done, total))) == (
        hashlib.sha256(data).hexdigest()
    )
    assert seen == [(1000, 2560), (2000, 2560), (2560, 2560)]
