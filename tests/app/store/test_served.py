"""The served form of a chat model in the model store: converted once, keyed by what went in,
every file hashed, and converted again (with a warning) when damaged."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app.store.files import sha256_file
from app.store.served import check_served, ensure_served, served_dir, served_source
from tests.dialogue.generator.models import build_random_adapter, build_tiny_lm, smollm_dir


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_lm(tmp_path_factory.mktemp("tiny") / "tiny-lm", smollm_dir())


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENDA_CACHE_DIR", str(tmp_path / "cache"))


def test_conversion_is_idempotent_and_every_file_is_hashed(tiny_base: Path) -> None:
    folder = ensure_served(tiny_base)
    marker = json.loads((folder / "wenda-model.json").read_text())
    files = {p.name for p in folder.iterdir() if p.is_file()} - {"wenda-model.json"}
    assert set(marker["files"]) == files and "model.bin" in files
    for name, info in marker["files"].items():
        assert sha256_file(folder / name) == info["sha256"]
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert ensure_served(tiny_base) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # not converted again
    assert served_source(folder)["adapter"] == ""


def test_an_adapter_gets_its_own_folder(tiny_base: Path, tmp_path: Path) -> None:
    adapter = build_random_adapter(tmp_path / "adapter", tiny_base)
    merged = ensure_served(tiny_base, adapter)
    assert merged != served_dir(tiny_base) and merged.name.startswith("tiny-lm+adapter-")
    assert served_source(merged)["adapter"] == str(adapter)
    base_bytes = (ensure_served(tiny_base) / "model.bin").read_bytes()
    assert (merged / "model.bin").read_bytes() != base_bytes


def test_a_damaged_folder_is_found_and_converted_again(
    tiny_base: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = ensure_served(tiny_base)
    data = (folder / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[:100])
    assert "has 100 bytes" in check_served(folder)
    with caplog.at_level(logging.WARNING):
        assert ensure_served(tiny_base) == folder
    assert "damaged" in caplog.text
    assert check_served(folder, deep=True) == ""
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    (folder / "model.bin").write_bytes(bytes(flipped))
    assert check_served(folder) == ""  # same size: only the deep check sees it
    assert "sha256" in check_served(folder, deep=True)


def test_prepare_merges_the_adapter_that_will_serve(tiny_base: Path, tmp_path: Path) -> None:
    """``models prepare`` converts a chat model alone and with the adapter that serves it, so
    the first conversation does not wait; with engine = transformers nothing is merged."""
    from app.config_file import config_from_dict
    from app.store.store import ModelStore

    adapter = build_random_adapter(tmp_path / "adapter", tiny_base)
    chosen = {"generator": {"adapters": {"zh": str(adapter)}}}
    ModelStore(config=config_from_dict(chosen))._serve("generator-zh", tiny_base)
    assert served_dir(tiny_base).is_dir() and served_dir(tiny_base, adapter).is_dir()
    other = build_random_adapter(tmp_path / "other", tiny_base)
    on_torch = {"generator": {"engine": "transformers", "adapters": {"zh": str(other)}}}
    ModelStore(config=config_from_dict(on_torch))._serve("generator-zh", tiny_base)
    assert not served_dir(tiny_base, other).exists()
