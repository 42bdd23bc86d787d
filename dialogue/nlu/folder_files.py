"""Every file of a model folder, recorded at save and checked at load.

A trained NLU folder is only as good as its least-checked file: with ``tokenizer.json``
gone, transformers quietly built another tokenizer from what was left and the model
answered nonsense with high confidence. So the saver records each file's size and sha256
(the same record a prepared model's marker keeps) and the loader checks them: sizes always,
hashes when asked to verify.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.files import sha256_file

NEEDED_FILES = ("config.json", "tokenizer.json")  # without a record: at least these


def describe_files(folder: Path, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """``{name: {"size_bytes", "sha256"}}`` of every file in ``folder`` (recursively)."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in skip:
            files[name] = {"size_bytes": path.stat().st_size, "sha256": sha256_file(path)}
    return files


def missing_file(folder: Path, names: tuple[str, ...]) -> str | None:
    """What is wrong when one of ``names`` is not a file in ``folder``, else None."""
    for name in names:
        if not (folder / name).is_file():
            return f"{folder / name} is missing"
    return None


def file_problem(folder: Path, recorded: dict[str, Any], deep: bool = True) -> str | None:
    """The first recorded file that is missing, of another size or (``deep``) of another
    sha256, said plainly; None when all are as recorded."""
    for name, info in sorted(recorded.items()):
        path = folder / name
        if not path.is_file():
            return f"{path} is missing"
        size = path.stat().st_size
        if size != info.get("size_bytes"):
            return f"{path} has {size} bytes, {info.get('size_bytes')} were saved"
        if deep and sha256_file(path) != info.get("sha256"):
            return f"{path} is corrupt (sha256 differs from the one saved)"
    return None
