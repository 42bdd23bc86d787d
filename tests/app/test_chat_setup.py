"""What ``wenda chat`` says when the domain's NLU model is not there: the same fix as
``wenda models list`` (issue 15: chat said ``wenda domain train --lang en``, the list said
``wenda models prepare nlu-domain-en``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config
from app.conversation import ChatSetupError, build_dialogue
from app.serving import Asked, resolve
from app.store.domain_models import domain_model_status, domain_models


def test_a_missing_shop_model_names_the_fix_models_list_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENDA_CACHE_DIR", str(tmp_path / "cache"))
    config = Config()
    with pytest.raises(ChatSetupError) as caught:
        build_dialogue(resolve(config, Asked(language="en", generator=False)))
    (model,) = [m for m in domain_models(config) if m.role == "nlu-domain-en"]
    listed = domain_model_status(model).detail
    assert "wenda models prepare nlu-domain-en" in listed
    assert "fix: wenda models prepare nlu-domain-en" in str(caught.value)
