"""The training job around the trainers: states (missing, training, ready, stale), one job per
language at a time, progress and time left in the job's file, a failure recorded for the
doctor. The trainers here are stand-ins writing a training record (the real ones run in
tests/app/test_first_run.py); the kinds table is what a new kind of domain model plugs into."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from pathlib import Path

import pytest

from app.store import domain_models
from app.store.domain_models import ENCODER_ROLES, DomainKind, DomainModel, data_fingerprint
from app.store.domain_progress import language_training
from app.store.domain_training import run_job
from tests import REPO

SHOP = REPO / "assets" / "domains" / "shop"


def _domain(tmp_path: Path) -> Path:
    folder = tmp_path / "domain"
    shutil.copytree(SHOP, folder)
    return folder


def _writer(
    record_key: str,
    started: threading.Event | None = None,
    go: threading.Event | None = None,
    fail: bool = False,
):
    def train(model: DomainModel, base: Path, out: Path, progress) -> Path:
        for step in range(1, 5):
            progress(step, 4)
            if step == 2 and started is not None and go is not None:
                started.set()
                assert go.wait(10)
        if fail:
            raise ValueError("the examples are unreadable")
        out.mkdir(parents=True, exist_ok=True)
        record = {"extra": {record_key: data_fingerprint(model), "base": str(base)}}
        (out / "training.json").write_text(json.dumps(record), encoding="utf-8")
        return out

    return train


def _bases(tmp_path: Path):
    return lambda role: tmp_path / "bases" / role


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> dict[str, DomainKind]:
    table = {
        "nlu": DomainKind(
            "nlu", ("nlu.jsonl",), "nlu_sha256", ENCODER_ROLES, _writer("nlu_sha256"), 0.5, "x"
        ),
        "kb": DomainKind(
            "kb", ("faq.jsonl",), "faq_sha256", ENCODER_ROLES, _writer("faq_sha256"), 0.5, "y"
        ),
    }
    monkeypatch.setattr(domain_models, "KINDS", table)
    return table


def test_states_from_missing_to_ready_to_stale(tmp_path: Path, kinds: dict) -> None:
    domain, root = _domain(tmp_path), tmp_path / "models"
    assert {k: s.state for k, s in language_training(domain, "en", root).states.items()} == {
        "nlu": "missing",
        "kb": "missing",
    }
    updates: list[float] = []
    run_job(domain, "en", _bases(tmp_path), root, on_update=lambda f, left: updates.append(f))
    status = language_training(domain, "en", root)
    assert status.ready and "ready" in status.describe()
    assert updates == sorted(updates) and updates[-1] == 1.0 and 0.4 < updates[3] < 0.6
    with (domain / "en" / "faq.jsonl").open("a", encoding="utf-8") as f:
        f.write("\n")  # the user edited the FAQ: only the KB model is stale
    states = language_training(domain, "en", root).states
    assert (states["nlu"].state, states["kb"].state) == ("ready", "stale")
    assert run_job(domain, "en", _bases(tmp_path), root) is not None
    assert language_training(domain, "en", root).ready


def test_training_state_and_one_job_at_a_time(
    tmp_path: Path, kinds: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain, root = _domain(tmp_path), tmp_path / "models"
    started, go = threading.Event(), threading.Event()
    kinds["nlu"] = dataclasses.replace(kinds["nlu"], train=_writer("nlu_sha256", started, go))
    job = threading.Thread(target=run_job, args=(domain, "en", _bases(tmp_path), root))
    job.start()
    try:
        assert started.wait(10)
        status = language_training(domain, "en", root)
        assert status.training and not status.ready
        assert "still training" in status.describe()
        # a second job neither waits nor trains: the first one is doing the work
        assert run_job(domain, "en", _bases(tmp_path), root) is None
    finally:
        go.set()
        job.join(10)
    assert language_training(domain, "en", root).ready


def test_a_failed_job_is_reported(
    tmp_path: Path, kinds: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain, root = _domain(tmp_path), tmp_path / "models"
    kinds["kb"] = dataclasses.replace(kinds["kb"], train=_writer("faq_sha256", fail=True))
    with pytest.raises(Exception, match="unreadable"):
        run_job(domain, "en", _bases(tmp_path), root)
    status = language_training(domain, "en", root)
    assert not status.ready and not status.training
    assert status.states["nlu"].state == "ready"  # what finished before the failure stays
    assert "failed" in status.describe() and "unreadable" in status.describe()


def test_state_reads_no_torch(tmp_path: Path) -> None:
    """The window asks for the state every few seconds: file reads only."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from app.store.domain_progress import "
        "language_training; language_training(Path(sys.argv[1]), 'en'); "
        "print([m for m in ('torch', 'transformers') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(SHOP)], capture_output=True, text=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_a_new_kind_is_one_row(tmp_path: Path, kinds: dict) -> None:
    """A kind trained on another base model from several files (as a LoRA adapter of the chat
    model would be): listed, trained on its own base by the same job, stale when any of its
    files changes, and only for the languages it has a base for."""
    kinds["adapter"] = DomainKind(
        "adapter",
        ("faq.jsonl", "dialogues.jsonl"),
        "chat_sha256",
        {"en": "generator"},
        _writer("chat_sha256"),
        1.0,
        "the base chat model",
    )
    domain, root = _domain(tmp_path), tmp_path / "models"
    assert [m.kind for m in domain_models.language_models(domain, "zh")] == ["nlu", "kb"]
    adapter = next(m for m in domain_models.language_models(domain, "en") if m.kind == "adapter")
    assert adapter.role == "adapter-domain-en" and adapter.base_role == "generator"
    run_job(domain, "en", _bases(tmp_path), root)
    assert language_training(domain, "en", root).ready
    record = json.loads((adapter.folder(root) / "training.json").read_text(encoding="utf-8"))
    assert record["extra"]["base"] == str(tmp_path / "bases" / "generator")
    with (domain / "en" / "dialogues.jsonl").open("a", encoding="utf-8") as f:
        f.write("\n")  # the second file changed: only the adapter is stale
    states = language_training(domain, "en", root).states
    assert {k: s.state for k, s in states.items()} == {
        "nlu": "ready",
        "kb": "ready",
        "adapter": "stale",
    }


def test_a_model_trained_with_other_settings_is_stale(tmp_path: Path, kinds: dict) -> None:
    """An upgrade that trains differently (here: more epochs) retrains the model; the same
    settings keep it ready."""
    domain, root = _domain(tmp_path), tmp_path / "models"
    kinds["nlu"] = dataclasses.replace(kinds["nlu"], settings=lambda language: {"epochs": 2})
    run_job(domain, "en", _bases(tmp_path), root)
    model = DomainModel("shop", "en", domain, "nlu")
    record = model.folder(root) / "training.json"
    training = json.loads(record.read_text(encoding="utf-8"))
    record.write_text(json.dumps({**training, "config": {"epochs": 2}}), encoding="utf-8")
    assert domain_models.domain_model_state(model, root).state == "ready"
    kinds["nlu"] = dataclasses.replace(kinds["nlu"], settings=lambda language: {"epochs": 3})
    state = domain_models.domain_model_state(model, root)
    assert state.state == "stale" and "settings changed" in state.detail
