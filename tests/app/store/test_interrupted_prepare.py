"""A prepare killed with SIGKILL (power cut, OOM killer) leaves nothing that looks ready."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


@pytest.mark.slow
def test_sigkill_mid_prepare_then_recover(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**wenda_env, "WENDA_CACHE_DIR": str(cache)}
    models = cache / "models"
    # tts-zh verifies four parts, joins them into 92 MB and re-hashes: long enough to land in.
    proc = subprocess.Popen(
        [*wenda_cmd, "models", "prepare", "tts-zh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(models.glob(".tmp-kokoro*/out/*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert list(models.glob(".tmp-kokoro*")), "killed while staging"
    assert not (models / "kokoro-82m-int8").exists()

    listed = subprocess.run(
        [*wenda_cmd, "models", "list", "tts-zh", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (row,) = json.loads(listed.stdout)
    assert row["state"] == "missing"

    again = subprocess.run(
        [*wenda_cmd, "models", "prepare", "tts-zh"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert not list(models.glob(".tmp-*")), "the next prepare removes the leftovers"
    verified = subprocess.run(
        [*wenda_cmd, "models", "verify", "tts-zh", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0 and json.loads(verified.stdout)[0]["state"] == "ready"
