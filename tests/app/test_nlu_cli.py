"""``wenda train nlu`` / ``eval nlu`` / ``predict nlu`` / ``bench nlu`` as a user runs them:
exit codes, output shapes, and one clear message (no traceback) for bad data or a bad model.
Uses a tiny random encoder (``--base``), so it needs no bundled weights and runs in seconds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.training.nlu.tiny import TINY_DATA, make_tiny_encoder, tiny_jsonl_rows, write_jointbert

EXIT_USER_ERROR = 2


def run(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=300)


def assert_clean_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == EXIT_USER_ERROR, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


@pytest.fixture(scope="module")
def trained(tmp_path_factory, wenda_cmd_module, wenda_env_module) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nlu-cli")
    base = make_tiny_encoder(root / "encoder")
    data = write_jointbert(root / "snips-like", TINY_DATA, ("train", "dev", "test"))
    out, log = root / "model", root / "steps.jsonl"
    result = run(
        wenda_cmd_module,
        wenda_env_module,
        "train",
        "nlu",
        "--data",
        str(data),
        "--out",
        str(out),
        "--base",
        str(base),
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--log-jsonl",
        str(log),
    )
    assert result.returncode == 0, result.stderr
    assert "epoch  1" in result.stdout and "intent PlayMusic: 5" in result.stdout
    return {"root": root, "base": base, "data": data, "model": out, "log": log}


@pytest.fixture(scope="module")
def wenda_cmd_module() -> list[str]:
    import sys

    return [sys.executable, "-m", "app"]


@pytest.fixture(scope="module")
def wenda_env_module(tmp_path_factory) -> dict[str, str]:
    import os

    base = tmp_path_factory.mktemp("user")
    env = dict(os.environ)
    env.update(
        WENDA_CONFIG_DIR=str(base / "config"),
        WENDA_DATA_DIR=str(base / "data"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_train_writes_a_complete_model_folder(trained) -> None:
    model = trained["model"]
    names = ("model.safetensors", "config.json", "tokenizer.json", "nlu.json")
    for name in (*names, "references.safetensors", "training.json", "report.json", "loss.jsonl"):
        assert (model / name).is_file(), name
    steps = (model / "loss.jsonl").read_text().splitlines()
    assert len(steps) == 6 and steps == trained["log"].read_text().splitlines()  # 2 x 3 batches
    report = json.loads((model / "report.json").read_text())
    assert report["best_epoch"] in (1, 2) and len(report["epochs"]) == 2 and report["wall_s"] > 0
    training = json.loads((model / "training.json").read_text())
    assert training["config"]["epochs"] == 2 and len(training["data_sha256"]) == 64
    assert not [p for p in trained["root"].iterdir() if p.name.startswith(".model")]


def test_predict_prints_one_json_object_per_text(trained, wenda_cmd_module, wenda_env_module):
    texts = ["play jazz music", "weather in new york tomorrow", "明天北京天气"]
    result = run(
        wenda_cmd_module,
        wenda_env_module,
        "predict",
        "nlu",
        "--model",
        str(trained["model"]),
        *texts,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    for text, line in zip(texts, lines, strict=True):
        obj = json.loads(line)
        assert {"intent", "confidence", "out_of_scope", "slots"} <= obj.keys()
        assert 0.0 <= obj["confidence"] <= 1.0 and isinstance(obj["out_of_scope"], bool)
        for slot in obj["slots"]:
            assert set(slot) == {"label", "text", "start", "end", "value", "confidence"}
            assert text[slot["start"] : slot["end"]] == slot["text"]


def test_eval_json_and_table(trained, wenda_cmd_module, wenda_env_module) -> None:
    args = [
        "eval",
        "nlu",
        "--model",
        str(trained["model"]),
        "--data",
        str(trained["data"] / "test"),
    ]
    result = run(wenda_cmd_module, wenda_env_module, *args, "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n"] == len(TINY_DATA)
    for key in ("intent_accuracy", "slot_f1", "sentence_accuracy"):
        assert 0.0 <= metrics[key] <= 1.0
    table = run(wenda_cmd_module, wenda_env_module, *args)
    assert (
        table.returncode == 0 and "intent_accuracy" in table.stdout and "PlayMusic" in table.stdout
    )


def test_bench_with_given_model(trained, wenda_cmd_module, wenda_env_module) -> None:
    result = run(
        wenda_cmd_module,
        wenda_env_module,
        "bench",
        "nlu",
        "--json",
        "--model",
        str(trained["model"]),
        "--data",
        str(trained["data"]),
    )
    assert result.returncode == 0, result.stderr
    bench = json.loads(result.stdout)
    assert bench["test"]["n"] == len(TINY_DATA)
    assert (
        bench["latency_ms"]["median"] > 0
        and bench["latency_ms"]["p95"] >= bench["latency_ms"]["median"]
    )
    assert bench["size_mb"] > 0 and bench["train_wall_s"] > 0


def test_malformed_data_is_a_clean_error(tmp_path, trained, wenda_cmd_module, wenda_env_module):
    rows = [json.dumps(r) for r in tiny_jsonl_rows()]
    entity = {"start": 5, "end": 40, "label": "genre"}
    rows[2] = json.dumps({"text": "play rock", "intent": "PlayMusic", "entities": [entity]})
    rows.insert(4, "{not json")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(rows) + "\n")
    out = tmp_path / "model"
    result = run(
        wenda_cmd_module,
        wenda_env_module,
        "train",
        "nlu",
        "--data",
        str(bad),
        "--out",
        str(out),
        "--base",
        str(trained["base"]),
    )
    assert_clean_error(
        result,
        f"{bad}:3: error: entity 'genre' [5, 40) is outside the text",
        f"{bad}:5: error: not valid JSON",
    )
    assert not out.exists()
    evaluated = run(
        wenda_cmd_module,
        wenda_env_module,
        "eval",
        "nlu",
        "--model",
        str(trained["model"]),
        "--data",
        str(bad),
    )
    assert_clean_error(evaluated, f"{bad}:5: error: not valid JSON")


def test_a_rare_intent_is_a_warning(tmp_path, trained, wenda_cmd_module, wenda_env_module):
    """ATIS as published has intents with one example: training warns and goes on."""
    from tests.training.nlu.test_rare_intents import RARE

    data = write_jointbert(tmp_path / "atis-like", [*TINY_DATA, RARE])
    out = tmp_path / "model"
    args = ["--data", str(data), "--out", str(out), "--base", str(trained["base"])]
    result = run(wenda_cmd_module, wenda_env_module, "train", "nlu", *args, "--epochs", "1")
    assert result.returncode == 0, result.stderr
    assert f"warning: intent '{RARE[1]}' has only 1 example" in result.stdout
    assert f"intent {RARE[1]}: 1" in result.stdout
    assert (out / "report.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict", "nlu", "--model", "{tmp}", "hi"], "is not a trained NLU model"),
        (["eval", "nlu", "--model", "{tmp}", "--data", "{tmp}/none.jsonl"], "no such file"),
        (["train", "nlu", "--data", "{tmp}/none.jsonl", "--out", "{tmp}/m", "--base", "{tmp}"],
         "no such file or folder"),
        (["train", "nlu", "--data", "{data}", "--out", "{tmp}/m", "--epochs", "0"],
         "argument --epochs: 0 is out of range (1 to 1000)"),
        (["train", "nlu", "--data", "{data}", "--out", "{tmp}/m", "--base", "{tmp}"],
         "cannot load the base encoder"),
    ],
)  # fmt: skip
def test_user_errors_exit_2(tmp_path, trained, wenda_cmd_module, wenda_env_module, args, message):
    filled = [a.format(tmp=tmp_path, data=trained["data"]) for a in args]
    assert_clean_error(run(wenda_cmd_module, wenda_env_module, *filled), message)


def test_corrupt_weights_are_reported(tmp_path, trained, wenda_cmd_module, wenda_env_module):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(trained["model"], copy)
    with (copy / "model.safetensors").open("r+b") as f:
        f.seek(-8, 2)
        f.write(b"\x00" * 8)
    result = run(wenda_cmd_module, wenda_env_module, "predict", "nlu", "--model", str(copy), "hi")
    assert_clean_error(result, "is corrupt (sha256 differs from the one saved)")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], {"slot_sentence": False, "slots_per_intent": True, "batch_size": 16}),
        (["--slot-sentence"], {"slot_sentence": True}),
        (["--any-slot-per-intent"], {"slots_per_intent": False}),
        (["--slot-decoder", "softmax", "--batch-size", "8"], {"slot_decoder": "softmax"}),
    ],
)
def test_train_flags_reach_the_config(flags: list[str], expected: dict) -> None:
    import argparse

    from app.cli.train_nlu import _nlu_config, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = _nlu_config(parser.parse_args(["--data", "d", "--out", "o", *flags]))
    for name, value in expected.items():
        assert getattr(config, name) == value, name
