"""From what the user picked (a domain folder, data folders or files) to checked data sets.

A domain folder gives ``<lang>/nlu.jsonl`` (NLU) and ``<lang>/dialogues.jsonl`` (generator);
a JointBERT folder or a folder with ``train.jsonl`` is NLU data; a ``.jsonl`` file is sniffed:
lines with ``"messages"`` are chat data for the generator, the rest NLU data. Every problem
comes back with file and line, and each data set with a short summary, for the wizard's
validation page. Validation reads files only: call it off the GUI thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.finetune.chat_data import validate_chat
from dialogue.issues import WARNING, Issue

log = logging.getLogger(__name__)

NLU, GENERATOR = "nlu", "generator"
DEV_FRACTION, SEED = 0.1, 13  # the NLU trainer's defaults, so the counts shown match the run


@dataclass(frozen=True)
class DataSet:
    """One trainable data set: its kind (nlu or generator), path and summary lines."""

    kind: str
    path: Path
    summary: tuple[str, ...] = ()
    n_examples: int = 0
    has_test: bool = False


@dataclass(frozen=True)
class ValidationReport:
    """Everything the validation page shows; training is allowed only when ``ok``."""

    datasets: tuple[DataSet, ...] = ()
    problems: tuple[Issue, ...] = field(default=())

    @property
    def errors(self) -> list[Issue]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return bool(self.datasets) and not self.errors

    def kinds(self) -> list[str]:
        return sorted({d.kind for d in self.datasets})

    def first(self, kind: str) -> DataSet | None:
        return next((d for d in self.datasets if d.kind == kind), None)


def sniff_jsonl(path: Path) -> str:
    """``generator`` when the first JSON line has ``messages``, else ``nlu``."""
    try:
        with Path(path).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    data = json.loads(line)
                    return GENERATOR if isinstance(data, dict) and "messages" in data else NLU
    except (OSError, ValueError):
        pass
    return NLU


def find_datasets(
    picked: Iterable[Path], language: str
) -> tuple[list[tuple[str, Path]], list[Issue]]:
    """(kind, path) of every data set in what was picked, and problems finding them."""
    found: list[tuple[str, Path]] = []
    problems: list[Issue] = []
    for path in map(Path, picked):
        if path.is_dir() and (path / "domain.toml").exists():
            problems += _domain_problems(path)
            for kind, name in ((NLU, "nlu.jsonl"), (GENERATOR, "dialogues.jsonl")):
                if (path / language / name).exists():
                    found.append((kind, path / language / name))
        elif path.is_dir() and (
            (path / "train" / "seq.in").exists()
            or (path / "seq.in").exists()
            or (path / "train.jsonl").exists()
        ):
            found.append((NLU, path))
        elif path.is_file() and path.suffix == ".jsonl":
            found.append((sniff_jsonl(path), path))
        else:
            message = "not a domain folder, an NLU data folder or a .jsonl file"
            problems.append(Issue(str(path), 0, "", message))
    if not found and not problems:
        problems.append(Issue("", 0, "", "nothing picked: choose a domain folder or data files"))
    return found, problems


def _domain_problems(root: Path) -> list[Issue]:
    """The domain loader's issues (file, line, field), so the wizard shows them too."""
    try:
        from dialogue.domain.errors import DomainError
        from dialogue.domain.load import load_domain
    except ImportError:  # the dialogue package is not there: the data files are still checked
        return []
    try:
        load_domain(root)
    except DomainError as e:  # the page shows the message: the field goes in front of it
        return [
            replace(i, source=str(root / i.source), field="", message=f"[{i.field}] {i.message}")
            if i.field
            else replace(i, source=str(root / i.source))
            for i in e.issues
        ]
    except Exception as e:  # a loader bug must not stop the data checks
        log.warning("domain check of %s failed: %s", root, e)
        return [Issue(str(root), 0, "", f"the domain could not be checked: {e}", WARNING)]
    return []


def validate_nlu(path: Path) -> tuple[DataSet | None, list[Issue]]:
    """Check NLU data exactly as the trainer will (every split), and summarise it."""
    from dialogue.nlu.errors import NluDataError
    from dialogue.nlu.validate import summarize
    from training.nlu.data import load_splits

    try:
        splits = load_splits(path, DEV_FRACTION, SEED)
    except NluDataError as e:
        return None, list(e.issues)
    problems = list(splits.warnings)
    summary = summarize([*splits.train, *splits.dev])
    lines = (
        *summary.lines(),
        f"test: {len(splits.test)} examples"
        if splits.test
        else "test: none (the wizard holds out 15% for the evaluation)",
    )
    return DataSet(NLU, path, lines, summary.n_examples, bool(splits.test)), problems


def validate_generator(path: Path) -> tuple[DataSet | None, list[Issue]]:
    good, roles, problems = validate_chat(path)
    if not good or any(p.is_error for p in problems):
        return None, problems
    lines = (
        f"{good} conversations",
        *(f"  {role} messages: {n}" for role, n in sorted(roles.items())),
    )
    return DataSet(GENERATOR, path, lines, good), problems


def validate(picked: Sequence[Path], language: str) -> ValidationReport:
    """Find every data set in ``picked`` and check each; never raises for bad data."""
    found, problems = find_datasets(picked, language)
    datasets: list[DataSet] = []
    for kind, path in found:
        check = validate_nlu if kind == NLU else validate_generator
        try:
            dataset, more = check(path)
        except Exception as e:  # an unexpected reader failure is shown, not raised
            log.exception("validating %s failed", path)
            dataset, more = None, [Issue(str(path), 0, "", f"could not be read: {e}")]
        problems += more
        if dataset:
            datasets.append(dataset)
    return ValidationReport(tuple(datasets), tuple(problems))
