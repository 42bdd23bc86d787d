from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogue.generator.models import build_tiny_lm, smollm_dir

MINI_DOMAIN = Path(__file__).parent / "mini_domain"


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    return smollm_dir()


@pytest.fixture(scope="session")
def tiny_lm_path(tmp_path_factory: pytest.TempPathFactory, smollm_path: Path) -> Path:
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), smollm_path)


@pytest.fixture
def mini_domain() -> Path:
    """Six FAQ entries, four dialogues and one document, in English."""
    return MINI_DOMAIN
