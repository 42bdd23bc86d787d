"""LoRA training: the loss falls and the reply is learned, save-then-load is identical, the
step log is written, and the script runs under ``accelerate launch``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from dialogue.generation import GenerationRequest, Passage
from dialogue.generator.loading import attach_adapter, load_causal_lm
from dialogue.generator.local import LocalGenerator
from dialogue.generator.options import GeneratorOptions
from training.generator.checkpoint import HELDOUT_FILE, INFO_FILE, LOG_FILE, read_info
from training.generator.config import TrainConfig, TrainConfigError
from training.generator.train import default_log_file, train

pytestmark = pytest.mark.slow

QUESTION = "what is the name of the shop parrot?"
ANSWER = "The shop parrot is called Captain Mango."
PASSAGE = Passage(f"Shop animals: {ANSWER}", "parrot.md")


def write_chats(path: Path, n: int = 4) -> Path:
    line = {
        "messages": [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": ANSWER},
        ],
        "passages": [{"text": PASSAGE.text, "source": PASSAGE.source}],
    }
    path.write_text("\n".join(json.dumps(line) for _ in range(n)) + "\n", encoding="utf-8")
    return path


def greedy(model: Any, tokenizer: Any, n: int = 12) -> list[int]:
    generator = LocalGenerator(model, tokenizer, GeneratorOptions(model="m", timeout_s=300))
    return list(
        generator.tokens(generator.encode(GenerationRequest(QUESTION, passages=(PASSAGE,))), n)
    )


def test_a_few_steps_lower_the_loss_and_teach_the_reply(smollm_path: Path, tmp_path: Path) -> None:
    config = TrainConfig(
        data=str(write_chats(tmp_path / "chats.jsonl", n=2)),
        out=str(tmp_path / "adapter"),
        base=str(smollm_path),
        max_steps=6,
        epochs=6,
        batch_size=2,
        learning_rate=4e-3,
        warmup_steps=0,
        heldout_fraction=0.0,
    )
    heard: list[tuple[int, int]] = []
    trained = train(
        config,
        show_progress=False,
        step_progress=lambda *a: heard.append(a),
        record={"chat_sha256": "abc"},
    )
    steps = [json.loads(line) for line in default_log_file(config.out).read_text().splitlines()]
    losses = [s["loss"] for s in steps if s["event"] == "step"]
    assert len(losses) == 6 and losses[-1] < 0.3 * losses[0]
    assert heard == [(step, 6) for step in range(1, 7)]  # a background job's progress
    training = json.loads((Path(config.out) / "training.json").read_text())
    assert training == {"extra": {"chat_sha256": "abc"}}  # a domain model's state reads this
    assert trained.info["metrics"]["adapter_heldout_loss"] is None  # nothing held out
    tokens = greedy(trained.model, trained.tokenizer, 16)
    assert "Captain Mango" in trained.tokenizer.decode(tokens)


def test_save_then_load_gives_identical_output(
    tiny_lm_path: Path, mini_domain: Path, tmp_path: Path
) -> None:
    config = TrainConfig(
        data=str(mini_domain),
        out=str(tmp_path / "adapter"),
        base=str(tiny_lm_path),
        max_steps=3,
        learning_rate=5e-2,
        max_seq_len=256,
    )
    trained = train(config, show_progress=False)
    out = Path(config.out)
    for name in (
        "adapter_config.json",
        "adapter_model.safetensors",
        INFO_FILE,
        HELDOUT_FILE,
        LOG_FILE,
    ):
        assert (out / name).is_file(), name
    assert not (out / "README.md").exists()  # peft's blank card named the local base path
    info = read_info(out)
    assert info["train_config"]["max_steps"] == 3 and len(info["data"]["sha256"]) == 64
    assert info["metrics"]["heldout_examples"] > 0

    base, tokenizer = load_causal_lm(str(tiny_lm_path), device="cpu", dtype="float32")
    base_tokens = greedy(base, tokenizer)
    reloaded = attach_adapter(base, str(out), merge=False)
    assert greedy(reloaded, tokenizer) == greedy(trained.model, trained.tokenizer)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.inference_mode():
        assert torch.allclose(reloaded(input_ids=ids).logits, trained.model(input_ids=ids).logits)
    merged = attach_adapter(
        load_causal_lm(str(tiny_lm_path), device="cpu", dtype="float32")[0], str(out)
    )
    assert greedy(merged, tokenizer) == greedy(trained.model, trained.tokenizer)
    assert greedy(merged, tokenizer) != base_tokens  # the adapter does something


def test_bad_settings_fail_before_loading_anything() -> None:
    with pytest.raises(TrainConfigError, match="rank must be at least 1"):
        TrainConfig(data="d", out="o", base="b", rank=0)


def test_runs_under_accelerate_launch(
    tiny_lm_path: Path, mini_domain: Path, tmp_path: Path
) -> None:
    out = tmp_path / "adapter"
    command = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--num_processes", "1", "--num_machines", "1", "--cpu",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "-m", "training.generator.train",
        "--data", str(mini_domain), "--out", str(out), "--base", str(tiny_lm_path),
        "--max-steps", "2", "--max-seq-len", "256",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["steps"] == 2
    assert (out / "adapter_model.safetensors").is_file()
