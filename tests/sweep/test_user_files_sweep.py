"""A sweep of bad input over the files a user writes (issue 15): every file of a domain
folder, the settings file and the training data the fine-tuning window takes (NLU examples,
chat conversations), each damaged as hypothesis draws it (cut short, bytes from
elsewhere, another encoding, a huge line, a value of the wrong type, an unknown key, a JSONL
line that is other JSON). Each damaged input either still loads or gives the one error the
loader promises (``DomainError`` / ``ConfigError``, issues for training data) naming the
file, with the line or key where it has one: never another exception.

CI runs a fixed, derandomized sample (60 inputs per surface, about
15 s in all); ``WENDA_SWEEP_EXAMPLES=1000`` runs the measured sweep of BENCHMARKS.md.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.config import Config, ConfigError
from app.config_file import load_config, render_config
from dialogue.domain.errors import DomainError
from dialogue.domain.load import load_domain
from tests import REPO
from tests.sweep.budget import SWEEP
from tests.sweep.mutations import TOML_MUTATIONS, Mutation, mutations_for

SHOP = REPO / "assets" / "domains" / "shop"
DOMAIN_FILES = sorted(
    p.relative_to(SHOP).as_posix()
    for p in SHOP.rglob("*")
    if p.is_file() and p.suffix in (".toml", ".jsonl", ".sql") and "eval" not in p.parts
    and "docs" not in p.parts
)  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep") / "shop"
    shutil.copytree(SHOP, folder, ignore=shutil.ignore_patterns("docs", "eval", "__pycache__"))
    return folder


def _damaged(file: Path, mutate: Mutation) -> Callable[[], None]:
    """Write the damaged bytes; returns the undo."""
    original = file.read_bytes()
    try:
        damaged = mutate(original)
    except (ValueError, UnicodeError):  # a mutation that does not apply to this file
        damaged = original
    file.write_bytes(damaged)
    return lambda: file.write_bytes(original)


@SWEEP
@given(data=st.data())
def test_a_damaged_domain_file_is_named_or_still_loads(shop: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(DOMAIN_FILES), label="file")
    undo = _damaged(shop / name, data.draw(mutations_for(name), label="damage"))
    try:
        load_domain(shop)
    except DomainError as e:
        assert e.issues, str(e)
        for issue in e.issues:
            assert issue.source and issue.message, issue
        assert str(e).startswith(f"domain folder {shop} has")
    finally:
        undo()


def _config_text() -> bytes:
    return render_config(Config()).encode("utf-8")


@SWEEP
@given(damage=TOML_MUTATIONS)
def test_a_damaged_settings_file_is_named_or_still_loads(tmp_path: Path, damage: Mutation) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(_config_text())
    undo = _damaged(path, damage)
    try:
        load_config(path)
    except ConfigError as e:
        assert str(e).startswith(str(path)), str(e)
    finally:
        undo()


@pytest.mark.parametrize(
    "record",
    [
        {"text": "where is 10482", "intent": "order_status", "entities": True},
        {"text": "where is 10482", "intent": "order_status", "entities": [None]},
        {"text": "where is 10482", "intent": ["order_status"]},
        {"text": "where is 10482", "intent": "order_status",
         "entities": [{"start": 9, "end": 14, "label": ["order_id"]}]},
    ],
)  # fmt: skip
def test_what_the_sweep_found_in_nlu_jsonl(shop: Path, record: dict) -> None:
    """Found by the sweep: these were TypeError/AttributeError tracebacks."""
    import json

    undo = _damaged(shop / "en/nlu.jsonl", lambda data: data + json.dumps(record).encode())
    try:
        with pytest.raises(DomainError, match=r"en/nlu.jsonl:\d+ \[(entities|intent)\]"):
            load_domain(shop)
    finally:
        undo()


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    shutil.copy(SHOP / "en" / "nlu.jsonl", folder / "nlu.jsonl")
    shutil.copy(SHOP / "en" / "dialogues.jsonl", folder / "chat.jsonl")
    return folder


@SWEEP
@given(kind=st.sampled_from(["nlu", "chat"]), damage=mutations_for("x.jsonl"))
def test_damaged_training_data_is_reported_by_line(
    data_files: Path, kind: str, damage: Mutation
) -> None:
    """What the fine-tuning window checks before a run (NLU examples, chat conversations):
    every problem an issue naming the file, never an exception."""
    from app.finetune.sources import validate_generator, validate_nlu

    path = data_files / f"{kind}.jsonl"
    undo = _damaged(path, damage)
    try:
        _, issues = (validate_nlu if kind == "nlu" else validate_generator)(path)
        for issue in issues:
            assert str(path.name) in issue.source and issue.message, issue
    finally:
        undo()
