"""The app's memory: the process settings of ``app.voice.memory``, the sampler and
``wenda bench memory`` as a user runs it (the real window and session, every default model)."""

from __future__ import annotations

import json
import mmap
import subprocess
import sys
import textwrap
import time

import numpy as np
import psutil
import pytest

from app.bench.memory import MemorySampler
from app.voice.memory import release_free_memory


def test_sampler_sees_a_peak_and_starts_a_new_span() -> None:
    sampler = MemorySampler({"me": psutil.Process()})
    sampler.start()
    try:
        time.sleep(0.2)
        before = sampler.take_span_peak()
        # 200 MB mapped on its own and touched: malloc would reuse pages the test
        # process already holds (after hundreds of tests it has GBs free), and RSS would not move
        block = mmap.mmap(-1, 200 * 2**20)
        np.frombuffer(block, dtype=np.uint8)[:] = 1
        time.sleep(0.3)
        block.close()
        release_free_memory()
        time.sleep(0.2)
        during = sampler.take_span_peak()
        time.sleep(0.2)
        after = sampler.take_span_peak()
    finally:
        sampler.stop()
    assert during - before > 150 * 2**20
    assert after < during - 150 * 2**20  # the block is gone and the new span does not see it
    assert sampler.peak_rss["me"] >= during and sampler.peak_total_pss > 0


@pytest.mark.slow
def test_without_triton_a_transformers_model_still_runs() -> None:
    script = textwrap.dedent(
        """
        import sys
        from app.voice.memory import skip_triton
        skip_triton()
        import torch
        from transformers import BertConfig, BertModel
        config = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=64, vocab_size=100)
        out = BertModel(config)(torch.tensor([[1, 2, 3]])).last_hidden_state
        assert out.shape == (1, 3, 32)
        import torch._dynamo  # what imports triton when it can
        print(sys.modules.get("triton") is None)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


@pytest.mark.slow
@pytest.mark.gui
@pytest.mark.audio
def test_bench_memory_measures_both_processes_through_a_conversation(
    wenda_cmd: list[str], wenda_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [*wenda_cmd, "bench", "memory", "--json"],
        capture_output=True,
        text=True,
        env={**wenda_env, "QT_QPA_PLATFORM": "offscreen"},
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    sources = {turn["source"] for turn in result["turns"]}
    assert {"template", "kb", "generator"} <= sources  # the chat model was loaded and used
    assert len(result["turns"]) == 8  # seven typed, one spoken into the virtual microphone
    window, session = result["processes"]["window"], result["processes"]["session"]
    # the window never loads a model; the session holds them all
    assert 50 < window["rss_mb_peak"] < 400 and session["rss_mb_loaded"] > 600
    assert result["total_rss_mb_peak"] >= session["rss_mb_peak"] + window["rss_mb_loaded"] - 5
    print(f"\nmemory: {json.dumps({k: v for k, v in result.items() if k != 'turns'})}")
