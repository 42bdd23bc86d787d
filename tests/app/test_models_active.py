"""The active-model pointer: activate keeps the previous for rollback, prune keeps both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import models_active as ma


def _version(slot: str, name: str) -> Path:
    folder = ma.slot_dir(slot) / name
    folder.mkdir(parents=True)
    (folder / "weights").write_text(name)
    return folder


def test_nothing_active_means_bundled() -> None:
    assert ma.active_model("nlu-en") is None
    assert ma.read_pointer("nlu-en") == ma.Pointer()


def test_activate_rollback_prune() -> None:
    first = _version("nlu-en", "20250101-000000")
    second = _version("nlu-en", "20250102-000000")
    third = _version("nlu-en", "20250103-000000")
    ma.activate("nlu-en", first)
    pointer = ma.activate("nlu-en", second)
    assert (pointer.active, pointer.previous) == (second.name, first.name)
    assert ma.active_model("nlu-en") == second
    saved = json.loads((ma.slot_dir("nlu-en") / ma.POINTER_FILE).read_text())
    assert saved["active"] == second.name
    assert ma.prune("nlu-en") == [third]
    assert ma.rollback("nlu-en").active == first.name
    assert ma.active_model("nlu-en") == first


def test_discard_refuses_models_in_use() -> None:
    used = _version("generator-zh", "20250101-000000")
    spare = _version("generator-zh", "20250101-000001")
    ma.activate("generator-zh", used)
    with pytest.raises(ma.ActiveModelError):
        ma.discard("generator-zh", used)
    ma.discard("generator-zh", spare)
    assert not spare.exists() and used.exists()


@pytest.mark.parametrize(
    ("kind", "language", "ok"),
    [("nlu", "en", True), ("generator", "zh", True), ("asr", "en", False), ("nlu", "", False)],
)
def test_slot_names(kind: str, language: str, ok: bool) -> None:
    if ok:
        assert ma.slot_name(kind, language) == f"{kind}-{language}"
    else:
        with pytest.raises(ma.ActiveModelError):
            ma.slot_name(kind, language)


def test_activate_rejects_folders_outside_the_slot(tmp_path: Path) -> None:
    outside = tmp_path / "20250101-000000"
    outside.mkdir()
    with pytest.raises(ma.ActiveModelError):
        ma.activate("nlu-en", outside)


def test_new_version_dirs_are_unique() -> None:
    a = ma.new_version_dir("nlu-en", now=0)
    a.mkdir(parents=True)
    b = ma.new_version_dir("nlu-en", now=0)
    assert a != b and b.name.startswith(a.name)


def test_unreadable_pointer_falls_back_to_bundled() -> None:
    path = ma.slot_dir("nlu-en") / ma.POINTER_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert ma.active_model("nlu-en") is None
