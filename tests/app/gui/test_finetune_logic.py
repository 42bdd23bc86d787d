"""The wizard's logic without a window: finding and checking data, the hold-out, the loss
log tail, time left, and the comparison table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.finetune import compare, jobs, sources
from app.finetune.chat_data import validate_chat
from tests.app.gui.conftest import tiny_nlu_rows


def test_valid_nlu_file_is_summarised(tiny_nlu: Path) -> None:
    report = sources.validate([tiny_nlu], "en")
    assert report.ok and report.kinds() == ["nlu"]
    summary = report.datasets[0].summary
    assert summary[0].startswith("24 examples, 3 intents, 1 slots")


def test_errors_name_file_and_line(tmp_path: Path) -> None:
    rows = tiny_nlu_rows()
    rows[4]["entities"] = [{"start": 50, "end": 70, "label": "order_id"}]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = sources.validate([path], "en")
    assert not report.ok
    (error,) = report.errors
    assert error.line == 5 and "outside the text" in error.message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not valid JSON"),
        ('{"messages": []}', "empty"),
        ('{"messages": [{"role": "user", "content": "hi"}]}', "no assistant"),
        ('{"messages": [{"role": "bot", "content": "hi"}]}', "role"),
        ('{"messages": [{"role": "assistant", "content": " "}]}', "no text"),
    ],
)
def test_chat_problems(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "chat.jsonl"
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    good = json.dumps({"messages": messages})
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    n, _, issues = validate_chat(path)
    assert n == 1
    assert [(i.line, problem in i.message) for i in issues] == [(2, True)]


def test_sniff_and_unknown_paths(tmp_path: Path, tiny_nlu: Path) -> None:
    chat = tmp_path / "dialogues.jsonl"
    chat.write_text('{"messages": [{"role": "assistant", "content": "hello"}]}\n')
    assert sources.sniff_jsonl(chat) == "generator"
    assert sources.sniff_jsonl(tiny_nlu) == "nlu"
    report = sources.validate([tmp_path / "nothing.txt"], "en")
    assert not report.ok and report.errors


def test_hold_out_keeps_three_per_intent_for_training() -> None:
    examples = [type("E", (), {"intent": i})() for i in ["a"] * 20 + ["b"] * 4 + ["c"] * 3]
    train, test = jobs.hold_out_test(examples, seed=1)
    count = lambda xs, i: sum(e.intent == i for e in xs)  # noqa: E731
    assert (count(test, "a"), count(test, "b"), count(test, "c")) == (3, 1, 0)
    assert len(train) + len(test) == 27


def test_prepare_writes_a_disjoint_test_split(tiny_nlu: Path, tmp_path: Path) -> None:
    train, test = jobs.prepare_nlu_data(tiny_nlu, tmp_path / "work")
    train_texts = {json.loads(x)["text"] for x in (train / "train.jsonl").read_text().splitlines()}
    test_texts = {json.loads(x)["text"] for x in test.read_text().splitlines()}
    assert test_texts and not train_texts & test_texts
    assert len(train_texts) + len(test_texts) == 24


def test_loss_tail_reads_only_complete_new_lines(tmp_path: Path) -> None:
    path = tmp_path / "loss.jsonl"
    tail = jobs.LossTail(path)
    assert tail.read_new() == []
    with path.open("w") as f:
        f.write('{"event": "start", "total_steps": 10}\n{"step": 1, "loss": 2.0}\n{"step": 2, "lo')
    assert [r["step"] for r in tail.read_new()] == [1]
    assert tail.total_steps == 10
    with path.open("a") as f:
        f.write('ss": 1.5}\n{"event": "eval", "loss": 1.0}\n')
    assert [r["loss"] for r in tail.read_new()] == [1.5]


@pytest.mark.parametrize(
    ("record", "total", "fraction", "left"),
    [
        ({"step": 5, "loss": 1, "time_s": 10}, 10, 0.5, 10.0),
        ({"step": 3, "loss": 1, "elapsed_s": 3, "total_steps": 4}, 100, 0.75, 1.0),
        ({"step": 0, "loss": 1}, 10, 0.0, None),
    ],
)
def test_estimate(record: dict, total: int, fraction: float, left: float | None) -> None:
    guess = jobs.estimate(record, total, elapsed_s=99)
    assert guess.fraction == fraction and guess.seconds_left == left


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "estimating"), (42, "about 42 s left"), (130, "2 min 10 s")]
)
def test_format_seconds(seconds: float | None, text: str) -> None:
    assert text in jobs.format_seconds(seconds)


def test_comparison_rows() -> None:
    report = {
        "new": {"intent_accuracy": 0.9, "slot_f1": 0.8, "n": 5},
        "current": {"intent_accuracy": 0.8, "slot_f1": 0.85},
    }
    rows = compare.nlu_rows(report)
    assert [(r.metric, r.verdict) for r in rows] == [
        ("intent_accuracy", "better"),
        ("slot_f1", "worse"),
    ]
    assert not compare.is_improvement(rows)
    gen = compare.generator_rows(
        {"base_loss": 2.0, "adapter_loss": 1.5, "base_perplexity": 7.4, "adapter_perplexity": 4.5}
    )
    assert [r.verdict for r in gen] == ["better", "better"]
    assert compare.nlu_rows({"new": {"intent_accuracy": 1.0}, "current": None})[0].verdict == ""


def test_train_command_uses_this_interpreter(tmp_path: Path) -> None:
    cmd = jobs.nlu_train_command(
        tmp_path / "d", tmp_path / "o", tmp_path / "l", jobs.NluOptions(epochs=1)
    )
    assert (
        cmd[1:4] == ["-m", "app", "train"]
        and "--log-jsonl" in cmd
        and cmd[cmd.index("--epochs") + 1] == "1"
    )
