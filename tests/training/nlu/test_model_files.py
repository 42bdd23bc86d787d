"""A trained NLU folder records every file it needs and is refused when one is missing or
damaged (issue 15: without ``tokenizer.json`` it loaded and answered "where is order 10482"
with ``provide_name``; only ``model.safetensors`` carried a hash)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dialogue.nlu.checkpoint import META_FILE, load_model
from dialogue.nlu.errors import NluModelError
from tests.training.nlu.test_overfit import OVERFIT, _train
from tests.training.nlu.tiny import make_tiny_encoder
from training.nlu.config import TrainConfig


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("files")
    base = make_tiny_encoder(tmp / "encoder")
    config = TrainConfig(**{**OVERFIT.__dict__, "epochs": 1, "patience": 1})
    _train(tmp, base, config)
    return tmp / "model"


@pytest.fixture
def model(trained: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained, tmp_path / "model"))


def test_every_file_the_model_needs_is_recorded(model: Path) -> None:
    files = json.loads((model / META_FILE).read_text())["files"]
    assert {"config.json", "tokenizer.json", "model.safetensors"} <= files.keys()
    assert all(len(info["sha256"]) == 64 and info["size_bytes"] > 0 for info in files.values())
    load_model(model)  # and a whole folder loads


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda m: (m / "tokenizer.json").unlink(), "tokenizer.json is missing"),
        (lambda m: (m / "config.json").write_text("{}"), "config.json has 2 bytes"),
        (lambda m: _flip_a_byte(m / "tokenizer.json"), "tokenizer.json is corrupt"),
        (lambda m: _flip_a_byte(m / "tokenizer_config.json"), "tokenizer_config.json is corrupt"),
    ],
)
def test_a_missing_or_damaged_file_is_refused(model: Path, damage, words: str) -> None:
    damage(model)
    with pytest.raises(NluModelError, match=words) as caught:
        load_model(model)
    assert "train the model again" in str(caught.value)


def test_an_older_folder_without_the_record_still_needs_its_tokenizer(model: Path) -> None:
    meta = json.loads((model / META_FILE).read_text())
    del meta["files"]
    (model / META_FILE).write_text(json.dumps(meta))
    load_model(model)  # older folders load as before
    (model / "tokenizer.json").unlink()
    with pytest.raises(NluModelError, match="tokenizer.json is missing"):
        load_model(model)
