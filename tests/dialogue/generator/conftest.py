from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.dialogue.generator.models import build_random_adapter, build_tiny_lm, smollm_dir


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    return smollm_dir()


@pytest.fixture(scope="session")
def smollm(smollm_path: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the bundled SmolLM2, loaded once for the session."""
    from dialogue.generator.loading import load_causal_lm

    return load_causal_lm(str(smollm_path), device="cpu")


@pytest.fixture(scope="session")
def tiny_lm_path(tmp_path_factory: pytest.TempPathFactory, smollm_path: Path) -> Path:
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), smollm_path)


@pytest.fixture(scope="session")
def trained_adapter(tmp_path_factory: pytest.TempPathFactory, smollm_path: Path) -> Path:
    """A LoRA adapter on SmolLM2 whose weights really change its replies."""
    return build_random_adapter(tmp_path_factory.mktemp("adapter") / "a", smollm_path)
