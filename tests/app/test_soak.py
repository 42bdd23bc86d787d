"""The CI-sized soak (issue 15, staying power): ``wenda bench soak --turns 100`` with the
real English shop models and no chat model (the Chinese model and the language switch cost
another model load: they are in the measured run of BENCHMARKS.md). No turn may fail, every
turn must be in the history database, and resident memory after the warm-up may grow by
less than 50 MB."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.app.chat_models import shop_nlu_model

pytestmark = pytest.mark.slow


def test_a_hundred_turns_without_errors_growth_or_lost_history(wenda_cmd, wenda_env) -> None:
    model = str(shop_nlu_model("en"))
    args = [*wenda_cmd, "bench", "soak", "--json", "--turns", "100", "--warmup", "20",
            "--switch-every", "0", "--no-generator", "--nlu-en", model]  # fmt: skip
    result = subprocess.run(args, env=wenda_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    soak = json.loads(result.stdout)
    assert soak["turns"] == 100 and soak["errors"] == 0, result.stderr
    assert soak["history_rows"] == 100  # every turn stored
    assert soak["languages"] == ["en"]
    assert soak["rss_growth_mb"] < soak["target_growth_mb"] == 50, soak["curve"]
    assert [turn for turn, _ in soak["curve"]] == list(range(10, 101, 10))
