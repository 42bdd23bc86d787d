"""``wenda train generator`` / ``wenda eval generator``: exit codes, messages, JSON report;
and how the app turns its settings into generator options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import EXIT_USER_ERROR, main
from app.cli.bench_cmd import BENCHMARKS
from app.config import ConfigError
from app.config_file import config_from_dict
from app.generator import API_KEY_VARIABLE, generator_options
from tests.dialogue.generator.models import build_tiny_lm, smollm_dir

MINI_DOMAIN = Path(__file__).resolve().parents[1] / "training" / "generator" / "mini_domain"


@pytest.fixture(scope="module")
def tiny_lm_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), smollm_dir())


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse refused an argument (exit code 2, one line)
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_malformed_training_data_is_one_message_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "chats.jsonl"
    good = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    }
    data.write_text(json.dumps(good) + "\n{oops\n", encoding="utf-8")
    code, _, err = run_cli(
        capsys, "train", "generator", "--data", str(data), "--out", str(tmp_path / "a"),
        "--base", str(tmp_path), "--quiet",
    )  # fmt: skip
    assert code == EXIT_USER_ERROR
    assert f"{data}:2: not valid JSON" in err and "Traceback" not in err
    assert not (tmp_path / "a").exists()


def test_out_of_range_setting_and_missing_adapter_are_user_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(
        capsys, "train", "generator", "--data", str(MINI_DOMAIN), "--out", str(tmp_path / "a"),
        "--base", str(tmp_path), "--rank", "0",
    )  # fmt: skip
    assert code == EXIT_USER_ERROR and "argument --rank: 0 is out of range (1 to 1024)" in err
    code, _, err = run_cli(capsys, "eval", "generator", "--adapter", str(tmp_path))
    assert code == EXIT_USER_ERROR and "not a LoRA adapter folder" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_train_then_eval_json(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    tiny_lm_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WENDA_CACHE_DIR", str(tmp_path / "cache"))  # the served conversion
    out = tmp_path / "adapter"
    code, stdout, err = run_cli(
        capsys, "train", "generator", "--data", str(MINI_DOMAIN), "--lang", "en",
        "--out", str(out), "--base", str(tiny_lm_path), "--max-steps", "2", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert f"adapter: {out}" in stdout and "2 steps" in stdout
    served = Path(stdout.split("served as: ")[1].split("\n")[0])  # converted, ready to serve
    assert (
        served.parent.parent == tmp_path / "cache" / "models" and (served / "model.bin").is_file()
    )
    log = [json.loads(line) for line in (tmp_path / "adapter.log.jsonl").read_text().splitlines()]
    assert [r["event"] for r in log] == ["start", "step", "step", "eval"]

    grounding = tmp_path / "grounding.jsonl"
    item = {
        "id": "a",
        "question": "Shipping?",
        "passages": [{"text": "It is 4.90.", "source": "s"}],
    }
    grounding.write_text(
        json.dumps({**item, "answerable": True, "facts": ["4.90"]}) + "\n"
        + json.dumps({**item, "id": "b", "question": "Bitcoin?", "answerable": False}) + "\n"
    )  # fmt: skip
    code, stdout, err = run_cli(
        capsys, "eval", "generator", "--adapter", str(out), "--grounding", str(grounding), "--json"
    )
    assert code == 0, err
    report = json.loads(stdout)
    for key in ("base_loss", "adapter_loss", "base_perplexity", "adapter_perplexity", "n"):
        assert isinstance(report[key], int | float), key
    assert report["n"] > 0 and report["base_loss"] != report["adapter_loss"]
    assert report["grounding"]["adapter"]["n"] == 2


def test_generator_options_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_VARIABLE, "secret")
    config = config_from_dict(
        {"generator": {"url": "http://gpu:8000/v1", "served_model": "shop", "timeout_s": 5}}
    )
    options = generator_options(config, "zh")
    assert (options.url, options.served_model, options.api_key) == (
        "http://gpu:8000/v1",
        "shop",
        "secret",
    )
    assert options.timeout_s == 5.0 and options.model == ""
    with pytest.raises(ConfigError, match=r"generator.max_new_tokens must be 1-4096"):
        config_from_dict({"generator": {"url": "http://x", "max_new_tokens": 0}})


def test_local_options_use_the_bundled_model_and_the_configured_adapter() -> None:
    config = config_from_dict({"generator": {"adapters": {"en": "/adapters/shop-en"}}})
    options = generator_options(config, "en")
    assert Path(options.model) == smollm_dir() and options.adapter == "/adapters/shop-en"


def test_bench_is_registered() -> None:
    assert BENCHMARKS["generator"][0] == "app.bench.generator"


@pytest.mark.slow
def test_bench_reports_the_served_engine_beside_the_reference(
    capsys: pytest.CaptureFixture[str],
    tiny_lm_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WENDA_CACHE_DIR", str(tmp_path / "cache"))  # the conversion goes here
    code, _, err = run_cli(capsys, "config", "set", "models.paths.generator", str(tiny_lm_path))
    assert code == 0, err
    code, stdout, err = run_cli(
        capsys, "bench", "generator", "--lang", "en", "--json", "--runs", "2",
        "--max-new-tokens", "8", "--dtype", "float32",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(stdout)
    assert report["engine"] == "ctranslate2" and report["adapter"] is None
    assert report["tokens_per_s"] > 0 and report["time_to_first_token_ms"] > 0
    assert report["prompt_tokens"] > 0 and report["reference"]["engine"] == "transformers"
    served, *others = report["configurations"]
    assert [c["threads"] for c in report["configurations"][:2]] == [1, 2]
    short = served["prompts"]["short"]
    assert 0 < short["prompt_tokens_cached"] < short["prompt_tokens"]  # system turn cached
    assert len(short["time_to_first_token_ms_all"]) == 2
    # float32 weights computed in float32: the same greedy tokens as the reference
    assert short["agreement_tokens"] == 24 and served["peak_rss_mb"] > 0  # AGREE_TOKENS


def test_dtype_setting_reaches_the_generator_options() -> None:
    assert generator_options(config_from_dict({}), "en").dtype == "auto"
    config = config_from_dict({"generator": {"dtype": "float32"}})
    assert generator_options(config, "en").dtype == "float32"
    with pytest.raises(ConfigError, match="dtype"):
        config_from_dict({"generator": {"dtype": "int3"}})
