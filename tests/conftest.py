"""Shared test setup: every test gets its own config and data folders.

The model cache stays the real one (prepared by the setup command) so tests that need the
bundled weights find them; tests of the store itself point WENDA_CACHE_DIR at a tmp folder.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator

import pytest

from app.bench.virtual_audio import VirtualAudio
from tests import REPO  # noqa: F401


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("WENDA_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("WENDA_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # No test trains the shared cache's domain models behind its back; the first-run tests
    # that exercise the background job turn it on for their own temporary cache.
    monkeypatch.setenv("WENDA_BACKGROUND_TRAINING", "0")


@pytest.fixture
def wenda_env() -> dict[str, str]:
    """Environment for running the ``wenda`` command in a subprocess (inherits the test's dirs)."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def pulse() -> Iterator[VirtualAudio]:
    """A private PulseAudio server (virtual mic ``vmic``, virtual ``speaker``; the recipe is
    ``app.bench.virtual_audio``, which ``wenda bench`` runs too), up for one test module
    only, so it never overlaps another module's audio server."""
    if not shutil.which("pulseaudio") or not shutil.which("paplay"):
        pytest.skip("needs pulseaudio and pulseaudio-utils (scripts/setup.sh)")
    with VirtualAudio() as audio:
        yield audio


@pytest.fixture
def wenda_cmd() -> list[str]:
    """How to run the CLI in a subprocess with this interpreter."""
    return [sys.executable, "-m", "app"]
