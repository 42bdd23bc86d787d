"""The splits a training run uses, from any supported ``--data`` path, and their hash.

Accepted paths: a JointBERT root (``train/`` [+ ``dev/``, ``test/``]), one JointBERT split
folder, a JSONL file, or a folder with ``train.jsonl`` [+ ``dev.jsonl``, ``test.jsonl``]. Without
a dev split a stratified part of train is held out (seeded), so early stopping and out-of-scope
calibration never look at the examples they learn from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dialogue.nlu.dataset import load_examples
from dialogue.nlu.errors import Issue, NluDataError
from dialogue.nlu.schema import Example

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Splits:
    """Checked examples per split; ``dev_source`` says where dev came from."""

    train: list[Example]
    dev: list[Example]
    test: list[Example]
    warnings: list[Issue]
    dev_source: str


def split_paths(path: Path) -> dict[str, Path]:
    """Where each split lives under ``path`` (only the ones that exist; train always)."""
    if path.is_dir() and (path / "train" / "seq.in").exists():
        names = {split: path / split for split in ("train", "dev", "test")}
        return {k: v for k, v in names.items() if (v / "seq.in").exists()}
    if path.is_dir() and (path / "train.jsonl").exists():
        names = {split: path / f"{split}.jsonl" for split in ("train", "dev", "test")}
        return {k: v for k, v in names.items() if v.exists()}
    if path.is_dir() and not (path / "seq.in").exists():
        message = "expected train/ (JointBERT), train.jsonl, seq.in, or a JSONL file"
        raise NluDataError([Issue(str(path), 0, "", message)], headline="no NLU data found")
    return {"train": path}


def hold_out(examples: Sequence[Example], fraction: float, seed: int) -> tuple[list, list]:
    """Stratified split: about ``fraction`` of each intent to dev (at least one when it has 2+).

    Copies of one text stay on one side, so a duplicated example cannot leak into dev; an
    intent with a single text (a rare intent: a warning, see ``validate``) stays in train.
    """
    by_intent: dict[str, dict[str, list[Example]]] = defaultdict(dict)
    for example in examples:
        by_intent[example.intent].setdefault(example.text, []).append(example)
    rng = random.Random(seed)
    train: list[Example] = []
    dev: list[Example] = []
    for intent in sorted(by_intent):
        groups = list(by_intent[intent].values())
        rng.shuffle(groups)
        n_total = sum(len(g) for g in groups)
        n_dev = max(1, round(n_total * fraction))
        taken = 0
        for i, group in enumerate(groups):
            if taken < n_dev and i < len(groups) - 1:  # the last text always stays in train
                dev += group
                taken += len(group)
            else:
                train += group
    return train, dev


def load_splits(path: Path, dev_fraction: float, seed: int) -> Splits:
    """Read and validate every split of ``path``; raises NluDataError listing all errors."""
    paths = split_paths(path)
    loaded: dict[str, list[Example]] = {}
    warnings: list[Issue] = []
    errors: list[Issue] = []
    for split, split_path in paths.items():
        try:
            examples, split_warnings = load_examples(split_path, for_training=split == "train")
        except NluDataError as e:
            errors += e.issues
            continue
        loaded[split] = examples
        warnings += split_warnings
    if errors:
        raise NluDataError(errors, headline=f"{path}: the NLU data has errors")
    train, dev, dev_source = loaded["train"], loaded.get("dev", []), str(paths.get("dev", ""))
    if not dev:
        train, dev = hold_out(train, dev_fraction, seed)
        dev_source = f"{dev_fraction:.0%} of train held out (seed {seed})"
    if not dev:
        message = "no intent has 2 different examples to hold one out for dev: add a dev split"
        raise NluDataError([Issue(str(paths["train"]), 0, "", message)], headline="no dev data")
    return Splits(train, dev, loaded.get("test", []), warnings, dev_source)


def data_hash(examples: Sequence[Example]) -> str:
    """sha256 of the examples' content (text, tags, intent), independent of file format."""
    digest = hashlib.sha256()
    for e in examples:
        row = [[w.text for w in e.words], list(e.tags), e.intent]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()
