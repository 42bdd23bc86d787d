"""Choosing a language for the first time in the window prepares its models with a progress
dialog (a subprocess: the window never loads torch), then the session reloads on it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.config import Config
from app.config_file import config_from_dict
from app.gui.language_prep import LanguagePreparation, missing_for, prepare_language_dialog
from app.store.manifest import load_manifest
from app.store.status import check_model
from tests.app.test_first_run import linked_cache

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_first_choice_of_chinese_prepares_its_models(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = linked_cache(tmp_path, ["nlu-encoder", "asr", "vad", "turn"])  # what English has
    monkeypatch.setenv("WENDA_CACHE_DIR", str(cache))
    config = config_from_dict({"general": {"language": "zh"}, "generator": {"enabled": False}})
    (tmp_path / "config").mkdir(exist_ok=True)
    from app.config_file import set_user_setting

    set_user_setting("generator.enabled", "false")  # the subprocess reads the user's config
    assert missing_for(config, "zh") == ["multilingual-e5-small", "kokoro-82m-int8"]
    seen: list[str] = []
    original = LanguagePreparation._read

    def spy(self: LanguagePreparation) -> None:
        original(self)
        seen.append(self.labelText())

    monkeypatch.setattr(LanguagePreparation, "_read", spy)
    assert prepare_language_dialog(config, "zh")
    assert any("%" in label for label in seen), seen  # progress was shown as it went
    manifest = load_manifest()
    for role in ("nlu-encoder-zh", "tts-zh"):
        assert check_model(manifest.by_role(role), cache / "models").state == "ready"
    assert missing_for(config, "zh") == [] and prepare_language_dialog(config, "zh")
    assert missing_for(dataclasses.replace(config, generator=Config().generator), "zh") == [
        "qwen2.5-coder-0.5b-instruct"
    ]
