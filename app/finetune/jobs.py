"""The commands a fine-tuning run executes, and reading its progress from the loss log.

Training and evaluation run as subprocesses (``python -m app train ...``) so a crash, a
cancel or a stuck model never touches the window, and the GIL of the GUI process stays free.
The trainers append one JSON line per optimizer step to a log (``--log-jsonl``); the wizard
tails that file with :class:`LossTail` and turns steps into a fraction done and time left
with :func:`estimate`.
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.generator.config import TrainConfig as GeneratorTrainConfig

log = logging.getLogger(__name__)

TEST_FRACTION = 0.15  # held out for the evaluation page when the data has no test split
MIN_TRAIN_PER_INTENT = 3  # an intent keeps this many for training (2 train + 1 dev at least)


@dataclass(frozen=True)
class NluOptions:
    """What the wizard lets a user change; the rest are the trainer's measured defaults."""

    base: str = ""  # encoder folder; empty: the bundled encoder for the language
    epochs: int = 10  # upper bound: early stopping on dev usually ends sooner
    learning_rate: float = 1e-4
    lora: bool = False
    seed: int = 13


@dataclass(frozen=True)
class GeneratorOptions:
    """LoRA on the chat model; ``max_steps`` 0 means whole epochs."""

    base: str = ""  # chat model folder; empty: the bundled one for the language
    epochs: int = GeneratorTrainConfig.epochs  # the trainer's defaults, chosen on its dev set
    rank: int = GeneratorTrainConfig.rank
    max_steps: int = GeneratorTrainConfig.max_steps


def app_command(*args: str) -> list[str]:
    """``python -m app ARGS`` with this interpreter (the venv the GUI runs in)."""
    return [sys.executable, "-m", "app", *args]


def nlu_train_command(data: Path, out: Path, loss_log: Path, opts: NluOptions) -> list[str]:
    args = [
        "train",
        "nlu",
        "--data",
        str(data),
        "--out",
        str(out),
        "--log-jsonl",
        str(loss_log),
        "--epochs",
        str(opts.epochs),
        "--lr",
        str(opts.learning_rate),
        "--seed",
        str(opts.seed),
        "--quiet",
    ]
    if opts.base:
        args += ["--base", opts.base]
    if opts.lora:
        args.append("--lora")
    return app_command(*args)


def generator_loss_log(out: Path) -> Path:
    """Where the generator trainer logs its steps by default: ``<out>.log.jsonl`` beside the
    adapter folder (training/generator/train.py), so no log option is needed."""
    return out.with_name(f"{out.name}.log.jsonl")


def generator_train_command(
    data: Path, out: Path, language: str, opts: GeneratorOptions
) -> list[str]:
    args = [
        "train",
        "generator",
        "--data",
        str(data),
        "--out",
        str(out),
        "--lang",
        language,
        "--epochs",
        str(opts.epochs),
        "--rank",
        str(opts.rank),
    ]
    if opts.max_steps:
        args += ["--max-steps", str(opts.max_steps)]
    if opts.base:
        args += ["--base", opts.base]
    return app_command(*args)


def nlu_eval_command(new: Path, current: Path | None, data: Path, out: Path) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "app.finetune.eval_job",
        "--new",
        str(new),
        "--data",
        str(data),
        "--out",
        str(out),
    ]
    return cmd + (["--current", str(current)] if current else [])


def generator_eval_command(adapter: Path) -> list[str]:
    return app_command("eval", "generator", "--adapter", str(adapter), "--json")


def _to_jsonl_row(example: Any) -> dict[str, Any]:
    from dialogue.nlu.bio import spans_from_tags

    entities = [
        {"start": example.words[first].start, "end": example.words[last - 1].end, "label": label}
        for label, first, last in spans_from_tags(example.tags)
    ]
    return {"text": example.text, "intent": example.intent, "entities": entities}


def hold_out_test(examples: Sequence[Any], seed: int) -> tuple[list[Any], list[Any]]:
    """Stratified (train, test): about TEST_FRACTION of each intent that can spare it."""
    by_intent: dict[str, list[Any]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example)
    rng = random.Random(seed)
    train: list[Any] = []
    test: list[Any] = []
    for intent in sorted(by_intent):
        group = list(by_intent[intent])
        rng.shuffle(group)
        n_test = min(len(group) - MIN_TRAIN_PER_INTENT, max(1, round(len(group) * TEST_FRACTION)))
        n_test = max(0, n_test)
        test += group[:n_test]
        train += group[n_test:]
    return train, test


def prepare_nlu_data(data: Path, workdir: Path, seed: int = 13) -> tuple[Path, Path]:
    """(training data, evaluation data). The data's own test split when it has one; otherwise
    a stratified hold-out written as ``train.jsonl`` and ``test.jsonl`` in ``workdir``, so the
    evaluation never scores examples the model learnt from."""
    from training.nlu.data import split_paths

    splits = split_paths(Path(data))
    if "test" in splits:
        return Path(data), splits["test"]
    from dialogue.nlu.dataset import load_examples

    examples, _ = load_examples(splits["train"])
    train, test = hold_out_test(examples, seed)
    workdir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
        lines = [json.dumps(_to_jsonl_row(e), ensure_ascii=False) for e in rows]
        (workdir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if "dev" in splits:  # keep the user's dev split for early stopping
        (workdir / "dev.jsonl").write_text(
            "\n".join(
                json.dumps(_to_jsonl_row(e), ensure_ascii=False)
                for e in load_examples(splits["dev"], for_training=False)[0]
            )
            + "\n",
            encoding="utf-8",
        )
    return workdir, workdir / "test.jsonl"


class LossTail:
    """Reads the records appended to a JSON-lines log since the last call (partial last line
    kept for next time). Cheap enough for a GUI timer: it reads only the new bytes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._partial = b""
        self.total_steps = 0  # from a {"event": "start", "total_steps": N} line, when given

    def read_new(self) -> list[dict[str, Any]]:
        try:
            with self.path.open("rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if record.get("total_steps"):
                self.total_steps = int(record["total_steps"])
            if "loss" in record and record.get("event", "step") == "step":
                records.append(record)
        return records


@dataclass(frozen=True)
class Estimate:
    """How far a run is: fraction in [0, 1] and seconds left (None until it can be told)."""

    fraction: float
    seconds_left: float | None


def planned_steps(
    n_examples: int, epochs: int, batch_size: int = 32, dev_fraction: float = 0.1
) -> int:
    """Optimizer steps of a whole run (early stopping may end it sooner)."""
    n_train = max(1, round(n_examples * (1 - dev_fraction)))
    return max(1, math.ceil(n_train / batch_size) * epochs)


def estimate(record: dict[str, Any], total_steps: int, elapsed_s: float) -> Estimate:
    """From the latest loss record: ``total_steps`` in the record wins over the plan."""
    total = int(record.get("total_steps") or record.get("max_steps") or total_steps)
    step = int(record.get("step", 0))
    if step <= 0 or total <= 0:
        return Estimate(0.0, None)
    fraction = min(1.0, step / total)
    run_s = float(record.get("time_s") or record.get("elapsed_s") or elapsed_s)
    left = run_s / step * max(0, total - step)
    return Estimate(fraction, left)


def format_seconds(seconds: float | None) -> str:
    """'about 2 min 10 s left' style text for the progress label."""
    if seconds is None:
        return "estimating time left…"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"about {seconds} s left"
    return f"about {seconds // 60} min {seconds % 60:02d} s left"
