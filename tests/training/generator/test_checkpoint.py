"""Adapter folders are replaced whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.generator.checkpoint import (
    INFO_FILE,
    AdapterError,
    read_info,
    save_adapter_atomic,
)


def write_files(content: str):  # noqa: ANN201 - a small factory of write callbacks
    def write(folder: Path) -> None:
        (folder / "adapter_config.json").write_text("{}")
        (folder / "weights").write_text(content)

    return write


def test_save_replaces_the_folder_and_leaves_no_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    save_adapter_atomic(out, write_files("v1"), {"language": "en"})
    save_adapter_atomic(out, write_files("v2"), {"language": "en"})
    assert (out / "weights").read_text() == "v2"
    assert json.loads((out / INFO_FILE).read_text())["language"] == "en"
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]
    assert read_info(out)["format"] == 1


def test_a_failed_save_keeps_the_previous_adapter(tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    save_adapter_atomic(out, write_files("v1"), {})

    def broken(folder: Path) -> None:
        (folder / "weights").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_adapter_atomic(out, broken, {})
    assert (out / "weights").read_text() == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]


def test_read_info_explains_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="not a LoRA adapter folder"):
        read_info(tmp_path)
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(AdapterError, match="missing or unreadable"):
        read_info(tmp_path)
