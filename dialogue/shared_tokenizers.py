"""One tokenizer object for every loaded model whose tokenizer files are the same.

multilingual-e5's tokenizer (a 250,000-piece Unigram model, 17 MB of ``tokenizer.json``)
holds about 280 MB in the Rust ``tokenizers`` library once loaded. A Chinese conversation
loads it for the NLU model and again for the retrieval encoder, both built on e5: the same
files, twice the memory. Loaders ask here instead; identical files (by content) give the
object already loaded.

A fast tokenizer changes its own truncation and padding settings on each call, and two
threads calling one with different settings raise "Already borrowed", so calls to a shared
tokenizer are serialised (they take microseconds to a few milliseconds). The registry holds
weak references: a tokenizer goes with the last model that uses it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from pathlib import Path
from typing import Any

from dialogue.files import sha256_file

_lock = threading.Lock()
_loaded: dict[str, weakref.ref[Any]] = {}
# What a folder's files say about how to load them, not how the tokenizer splits text:
# save_pretrained writes these differently for the same tokenizer.
_LOADING_KEYS = {"is_local", "local_files_only", "tokenizer_class", "name_or_path", "_commit_hash"}
_RUNTIME_KEYS = {"truncation", "padding"}  # set again by every call that cares


def _identity(folder: Path) -> str:
    """What the tokenizer does, by content: the same key for the base encoder's files and an
    NLU folder's copy of them (``save_pretrained`` writes the same tokenizer differently)."""
    parts: dict[str, Any] = {}
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = folder / name
        if path.is_file():
            parts.update(json.loads(path.read_text(encoding="utf-8")))
    described = {k: v for k, v in parts.items() if k not in _LOADING_KEYS}
    digest = hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode())
    for name in ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model"):
        path = folder / name
        if not path.is_file():
            continue
        digest.update(name.encode())
        if name == "tokenizer.json":
            model = json.loads(path.read_text(encoding="utf-8"))
            kept = {k: v for k, v in model.items() if k not in _RUNTIME_KEYS}
            digest.update(json.dumps(kept, sort_keys=True).encode())
        else:
            digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def _serialised(tokenizer: Any) -> Any:
    """The same tokenizer, whose calls take a lock of its own (a subclass made for it, so
    ``isinstance`` checks and every other attribute stay as they were)."""
    cls = type(tokenizer)
    lock = threading.RLock()

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return cls.__call__(self, *args, **kwargs)

    tokenizer.__class__ = type(cls.__name__, (cls,), {"__call__": call})
    return tokenizer


def load_tokenizer(folder: str | Path) -> Any:
    """``AutoTokenizer.from_pretrained(folder)``, shared with any model already loaded whose
    tokenizer files are identical."""
    from transformers import AutoTokenizer

    folder = Path(folder)
    key = _identity(folder)
    with _lock:
        ref = _loaded.get(key)
        tokenizer = ref() if ref is not None else None
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            tokenizer = _serialised(tokenizer)
            _loaded[key] = weakref.ref(tokenizer)
        return tokenizer
