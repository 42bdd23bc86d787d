"""Loading one NLU data file or split folder into checked examples, or one error listing all.

This is the single entry point the trainer, the evaluator and the CLI use, so every path into
the model passes the same validation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dialogue.nlu.errors import Issue, NluDataError
from dialogue.nlu.readers import read_label_lists, read_records
from dialogue.nlu.schema import Example
from dialogue.nlu.validate import validate_records

log = logging.getLogger(__name__)


def _label_list_warnings(path: Path, examples: list[Example]) -> list[Issue]:
    """Labels the data uses that its declared label lists (JointBERT) do not name."""
    if not path.is_dir():
        return []
    lists = read_label_lists(path)
    issues: list[Issue] = []
    if lists.intents:
        unknown = sorted({e.intent for e in examples} - set(lists.intents))
        if unknown:
            message = f"intents not in intent_label.txt: {', '.join(unknown)}"
            issues.append(Issue(str(path), 0, "", message, "warning"))
    if lists.slots:
        unknown = sorted({t for e in examples for t in e.tags} - set(lists.slots))
        if unknown:
            message = f"tags not in slot_label.txt: {', '.join(unknown)}"
            issues.append(Issue(str(path), 0, "", message, "warning"))
    return issues


def load_examples(path: Path, for_training: bool = True) -> tuple[list[Example], list[Issue]]:
    """Checked examples of a JSONL file or JointBERT split folder, and the warnings.

    Raises :class:`NluDataError` listing every error (with file and line) if there is any.
    """
    records, issues = read_records(path)
    examples: list[Example] = []
    if records or not issues:  # check what could be read, so all errors come at once
        examples, more = validate_records(records, str(path), for_training=for_training)
        issues += more + _label_list_warnings(path, examples)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise NluDataError(errors, headline=f"{path}: the NLU data has errors")
    warnings = [i for i in issues if i.severity != "error"]
    for warning in warnings:
        log.info("%s", warning)
    return examples, warnings
