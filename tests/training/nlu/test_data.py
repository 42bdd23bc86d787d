"""Finding the splits under --data, the seeded stratified dev hold-out, the data hash, and the
atomic output folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dialogue.atomic import atomic_folder
from dialogue.nlu.errors import NluDataError
from tests.training.nlu.tiny import tiny_jsonl_rows, write_jsonl
from training.nlu.data import data_hash, hold_out, load_splits, split_paths


def test_hold_out_is_stratified_and_seeded(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "all.jsonl", tiny_jsonl_rows())
    splits = load_splits(path, dev_fraction=0.2, seed=3)
    assert Counter(e.intent for e in splits.dev) == {"PlayMusic": 1, "GetWeather": 1}
    assert len(splits.train) + len(splits.dev) == 10
    assert {e.text for e in splits.train}.isdisjoint({e.text for e in splits.dev})
    again = load_splits(path, dev_fraction=0.2, seed=3)
    assert [e.text for e in again.dev] == [e.text for e in splits.dev]
    assert "held out" in splits.dev_source
    train, dev = hold_out(splits.train + splits.dev, 0.2, seed=4)
    assert len(dev) == 2 and len(train) == 8


def test_split_paths(tmp_path: Path) -> None:
    for name in ("train", "dev"):
        (tmp_path / "jb" / name).mkdir(parents=True)
        (tmp_path / "jb" / name / "seq.in").write_text("a\n")
    assert set(split_paths(tmp_path / "jb")) == {"train", "dev"}
    write_jsonl(tmp_path / "js" / "train.jsonl", [])
    write_jsonl(tmp_path / "js" / "test.jsonl", [])
    assert set(split_paths(tmp_path / "js")) == {"train", "test"}
    (tmp_path / "empty").mkdir()
    with pytest.raises(NluDataError, match="expected train/"):
        split_paths(tmp_path / "empty")


def test_errors_of_every_split_together(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "train.jsonl", tiny_jsonl_rows())
    (tmp_path / "d" / "dev.jsonl").write_text("{bad\n")
    (tmp_path / "d" / "test.jsonl").write_text('{"text": "x"}\n')
    with pytest.raises(NluDataError) as caught:
        load_splits(tmp_path / "d", 0.1, 0)
    assert "dev.jsonl:1: error: not valid JSON" in str(caught.value)
    assert 'test.jsonl:1: error: missing "intent"' in str(caught.value)


def test_data_hash_follows_content(tmp_path: Path) -> None:
    rows = tiny_jsonl_rows()
    a = load_splits(write_jsonl(tmp_path / "a" / "train.jsonl", rows), 0.2, 0).train
    b = load_splits(write_jsonl(tmp_path / "b" / "train.jsonl", rows), 0.2, 0).train
    assert data_hash(a) == data_hash(b)
    rows[0]["intent"] = "GetWeather"
    c = load_splits(write_jsonl(tmp_path / "c" / "train.jsonl", rows), 0.2, 0).train
    assert data_hash(c) != data_hash(a)


def test_atomic_folder_replaces_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "model"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(out) as folder:
        (folder / "new.txt").write_text("half")
        raise RuntimeError("training failed")
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp folder left behind
    assert (out / "old.txt").read_text() == "old"
    with atomic_folder(out) as folder:
        (folder / "new.txt").write_text("new")
        assert not (out / "new.txt").exists()  # not visible until complete
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_hold_out_keeps_duplicates_on_one_side(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "twice.jsonl", tiny_jsonl_rows() * 2)
    splits = load_splits(path, dev_fraction=0.3, seed=0)
    assert splits.dev and {e.text for e in splits.train}.isdisjoint({e.text for e in splits.dev})
    assert len(splits.train) + len(splits.dev) == 20
