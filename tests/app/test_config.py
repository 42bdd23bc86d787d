"""Settings: documented defaults, unknown keys named, types checked, atomic edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import paths
from app.config import Config, ConfigError
from app.config_file import config_from_dict, load_config, render_config, set_user_setting


def test_missing_file_gives_defaults() -> None:
    assert load_config() == Config()
    assert Config().asr.engine == "faster" and Config().models.allow_online is False


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"asr": {"engin": "openai"}}, "unknown key 'asr.engin'"),
        ({"sound": {}}, "unknown section [sound]"),
        ({"asr": {"engine": "vosk"}}, "asr.engine must be one of faster, openai"),
        ({"privacy": {"history": "yes"}}, "privacy.history must be true or false"),
        ({"models": {"paths": {"asr": 3}}}, "models.paths must be a table of strings"),
        ({"asr": "openai"}, "[asr] must be a table"),
        ({"asr": {"window_s": 3}}, "asr.window_s must be 5-30 (s)"),
    ],
)
def test_invalid_settings_name_the_key(doc: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_from_dict(doc)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[asr]\nengin = "openai"\n')
    with pytest.raises(ConfigError, match=re.escape(f"{path}: unknown key 'asr.engin'")):
        load_config(path)
    path.write_text("[asr\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_set_round_trip_keeps_other_settings() -> None:
    set_user_setting("asr.engine", "openai")
    set_user_setting("models.paths.asr", "/models/whisper-small")
    set_user_setting("privacy.history", "false")
    config = load_config()
    assert config.asr.engine == "openai"
    assert config.models.paths == {"asr": "/models/whisper-small"}
    assert config.privacy.history is False
    assert not list(paths.config_dir().glob("*.tmp")), "written atomically, no temp files left"


def test_set_rejects_bad_values_without_touching_the_file() -> None:
    set_user_setting("asr.model", "tiny.en")
    before = paths.config_file().read_bytes()
    for key, value in (("asr.engine", "vosk"), ("privacy.history", "maybe"), ("nope.key", "1")):
        with pytest.raises(ConfigError):
            set_user_setting(key, value)
    assert paths.config_file().read_bytes() == before


def test_rendered_defaults_are_documented_and_reload() -> None:
    text = render_config(Config())
    assert "# Speech recognition engine. (faster | openai)" in text
    import tomllib

    assert config_from_dict(tomllib.loads(text)) == Config()
