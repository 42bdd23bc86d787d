"""One tokenizer object for models whose tokenizer files say the same
(``dialogue.shared_tokenizers``): e5's 250,000-piece tokenizer is ~280 MB loaded, and a
Chinese conversation's NLU model and retrieval encoder both carry a copy of its files."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path

from transformers import AutoTokenizer

from dialogue.shared_tokenizers import load_tokenizer
from tests.training.nlu.tiny import make_tiny_encoder


def test_the_same_tokenizer_saved_twice_is_loaded_once(tmp_path: Path) -> None:
    base = make_tiny_encoder(tmp_path / "base")
    copy = tmp_path / "nlu"
    saved = AutoTokenizer.from_pretrained(base, local_files_only=True)
    saved.backend_tokenizer.enable_truncation(64)  # as an NLU folder's copy is written
    saved.save_pretrained(copy)
    assert (copy / "tokenizer.json").read_bytes() != (base / "tokenizer.json").read_bytes()
    first, second = load_tokenizer(base), load_tokenizer(copy)
    assert first is second and isinstance(first, type(saved))
    other = make_tiny_encoder(tmp_path / "other", extra_words=("zebra",))
    assert load_tokenizer(other) is not first  # another vocabulary: another tokenizer
    ref = weakref.ref(first)
    del first, second
    gc.collect()
    assert ref() is None  # freed with the last model that used it


def test_calls_from_two_threads_with_different_settings_do_not_collide(tmp_path: Path) -> None:
    tokenizer = load_tokenizer(make_tiny_encoder(tmp_path / "base"))
    errors: list[str] = []

    def nlu() -> None:
        for _ in range(300):
            tokenizer(
                ["where", "is", "it"], is_split_into_words=True, truncation=True, max_length=8
            )

    def retrieval() -> None:
        for _ in range(300):
            tokenizer(["where is it", "a"], padding=True, truncation=True, max_length=32)

    def run(work) -> None:  # type: ignore[no-untyped-def]
        try:
            work()
        except Exception as e:  # "Already borrowed" without the lock
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(w,)) for w in (nlu, retrieval, nlu, retrieval)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
