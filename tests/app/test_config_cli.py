"""Bad settings and everyday write errors, tried as a user would: each is one plain message
naming the key or file and the fix, exit code 2, no traceback, and the old file kept."""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

import pytest

from app import paths
from app.cli import main
from app.config_file import load_config, set_user_setting
from tests.app.test_cli import assert_clean_error, run

USER_FILE = """# my settings, written by hand
[asr]
# openai-whisper gives me word timestamps
engine = "openai"  # keep this

[generator]
enabled = true
"""


def _env(wenda_env: dict[str, str], config_dir: Path) -> dict[str, str]:
    return {**wenda_env, "WENDA_CONFIG_DIR": str(config_dir)}


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("timeout_s = -5", "generator.timeout_s"),
        ("timeout_s = nan", "generator.timeout_s"),
        ("temperature = inf", "generator.temperature"),
        ("max_new_tokens = 0", "generator.max_new_tokens"),
        ("threads = -1", "generator.threads"),
    ],
)
def test_generator_values_out_of_range_are_refused(
    wenda_cmd, wenda_env, tmp_path: Path, line: str, key: str
) -> None:
    (tmp_path / "config.toml").write_text(f"[generator]\n{line}\n")
    env = _env(wenda_env, tmp_path)
    for command in (("config", "show", "--json"), ("chat", "--no-generator")):
        result = run(wenda_cmd, env, *command)
        assert_clean_error(result)
        assert key in result.stderr and str(tmp_path / "config.toml") in result.stderr
        assert result.stdout == ""  # no NaN document, no chat without the model


def test_config_set_refuses_nan_and_unknown_roles(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    env = _env(wenda_env, tmp_path)
    assert run(wenda_cmd, env, "config", "set", "generator.timeout_s", "12").returncode == 0
    before = (tmp_path / "config.toml").read_bytes()
    result = run(wenda_cmd, env, "config", "set", "generator.timeout_s", "nan")
    assert_clean_error(result)
    assert "generator.timeout_s" in result.stderr
    result = run(wenda_cmd, env, "config", "set", "models.paths.bogus", "/models/x")
    assert_clean_error(result)
    assert "models.paths.bogus" in result.stderr and "nlu-encoder" in result.stderr
    assert (tmp_path / "config.toml").read_bytes() == before
    shown = json.loads(run(wenda_cmd, env, "config", "show", "--json").stdout)
    assert shown["generator"]["timeout_s"] == 12.0


def test_unknown_role_in_the_file_is_named(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[models.paths]\nbogus = "/models/x"\n')
    result = run(wenda_cmd, _env(wenda_env, tmp_path), "config", "show")
    assert_clean_error(result)
    assert "unknown key 'models.paths.bogus'" in result.stderr


def test_config_set_keeps_the_users_comments(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(USER_FILE)
    env = _env(wenda_env, tmp_path)
    assert run(wenda_cmd, env, "config", "set", "asr.beam_size", "3").returncode == 0
    assert run(wenda_cmd, env, "config", "set", "models.paths.asr", "/m/whisper").returncode == 0
    text = (tmp_path / "config.toml").read_text()
    for comment in ("# my settings, written by hand", "# openai-whisper gives me word", "# keep"):
        assert comment in text
    config = load_config(tmp_path / "config.toml")
    assert (config.asr.engine, config.asr.beam_size) == ("openai", 3)
    assert config.models.paths == {"asr": "/m/whisper"}


def test_a_folder_where_the_settings_file_should_be(wenda_cmd, wenda_env, tmp_path) -> None:
    (tmp_path / "config.toml").mkdir()
    env = _env(wenda_env, tmp_path)
    for command in (
        ("config", "show"),
        ("config", "set", "asr.engine", "openai"),
        ("models", "list"),
    ):
        result = run(wenda_cmd, env, *command)
        assert_clean_error(result)
        assert f"{tmp_path / 'config.toml'} is a folder" in result.stderr
        assert "move it away" in result.stderr
    assert (tmp_path / "config.toml").is_dir()


def test_config_dir_that_is_a_file(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine\n")
    env = _env(wenda_env, blocker)
    shown = run(wenda_cmd, env, "config", "show", "--json")  # reading: the defaults
    assert shown.returncode == 0 and json.loads(shown.stdout)["asr"]["engine"] == "faster"
    result = run(wenda_cmd, env, "config", "set", "asr.engine", "openai")
    assert_clean_error(result)
    assert f"cannot write {blocker / 'config.toml'}" in result.stderr
    assert f"{blocker} must be a folder" in result.stderr and "WENDA_CONFIG_DIR" in result.stderr
    assert blocker.read_text() == "mine\n"


def test_full_disk_keeps_the_old_file(monkeypatch, capsys) -> None:
    """ENOSPC at the write boundary (the disk itself is the device we fake)."""
    set_user_setting("asr.engine", "openai")
    before = paths.config_file().read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", full)
        assert main(["config", "set", "asr.beam_size", "4"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {paths.config_file()}" in err and "disk is full" in err
    assert "Traceback" not in err
    assert paths.config_file().read_bytes() == before
    assert [p.name for p in paths.config_dir().iterdir()] == ["config.toml"]  # no temp file


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("voice.asr_model", "asr.model", "tiny.en"),
        ("voice.beam_size", "asr.beam_size", 3),
        ("voice.end_silence_ms", "audio.end_silence_ms", 700),
    ],
)
def test_renamed_keys_still_work_with_a_notice(caplog, old: str, new: str, value: object) -> None:
    section, key = old.split(".")
    shown = json.dumps(value)
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(f"# mine\n[{section}]\n{key} = {shown}\n")
    with caplog.at_level(logging.WARNING):
        config = load_config()
    new_section, new_key = new.split(".")
    assert getattr(getattr(config, new_section), new_key) == value
    assert f"{old} is now {new}" in caplog.text
    # config set moves it to its new place and keeps the comment
    set_user_setting("asr.engine", "openai")
    text = paths.config_file().read_text()
    assert "# mine" in text and f"{new_key} = " in text and f"[{new_section}]" in text
    assert key not in load_config_text_section(text, section)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert getattr(getattr(load_config(), new_section), new_key) == value
    assert "is now" not in caplog.text


def load_config_text_section(text: str, section: str) -> str:
    """The lines of one [section] of a TOML text (to see that an old key left it)."""
    import tomllib

    return " ".join(tomllib.loads(text).get(section, {}))


def test_a_new_key_wins_over_the_old_one(caplog) -> None:
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[asr]\nmodel = "base"\n[voice]\nasr_model = "tiny.en"\n')
    with caplog.at_level(logging.WARNING):
        assert load_config().asr.model == "base"
    assert "voice.asr_model is replaced by asr.model" in caplog.text
    set_user_setting("voice.asr_model", "tiny.en")  # the old name sets the new key
    assert load_config().asr.model == "tiny.en"
