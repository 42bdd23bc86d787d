"""The ``wenda`` command: subcommands, exit codes, and one clear message (no traceback) for
user mistakes. Runs the real CLI in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.store.manifest import load_manifest
from tests.app.store.fake_dist import make_dist

EXIT_USER_ERROR = 2


def run(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=120)


def assert_clean_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == EXIT_USER_ERROR, result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_subcommands(wenda_cmd, wenda_env) -> None:
    result = run(wenda_cmd, wenda_env, "--help")
    assert result.returncode == 0
    for command in ("models", "doctor", "config"):
        assert command in result.stdout


def test_unknown_role_is_a_user_error(wenda_cmd, wenda_env) -> None:
    result = run(wenda_cmd, wenda_env, "models", "prepare", "translator")
    assert_clean_error(result)
    assert "unknown model role translator" in result.stderr and "asr-fast" in result.stderr


def test_bad_config_names_file_and_key(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "config.toml").write_text('[asr]\nengine = "vosk"\n')
    env = {**wenda_env, "WENDA_CONFIG_DIR": str(config_dir)}
    result = run(wenda_cmd, env, "models", "list")
    assert_clean_error(result)
    assert str(config_dir / "config.toml") in result.stderr and "asr.engine" in result.stderr
    # config path and doctor still work with a broken file, and say what is wrong
    assert run(wenda_cmd, env, "config", "path").stdout.strip() == str(config_dir / "config.toml")
    doctor = run(wenda_cmd, env, "doctor", "--json")
    config_check = next(c for c in json.loads(doctor.stdout) if c["name"] == "config")
    assert config_check["level"] == "fail" and "asr.engine" in config_check["detail"]


def test_config_set_and_show(wenda_cmd, wenda_env) -> None:
    assert run(wenda_cmd, wenda_env, "config", "set", "asr.engine", "openai").returncode == 0
    shown = json.loads(run(wenda_cmd, wenda_env, "config", "show", "--json").stdout)
    assert shown["asr"]["engine"] == "openai"
    assert_clean_error(run(wenda_cmd, wenda_env, "config", "set", "asr.engin", "openai"))


def test_list_and_verify_json_on_empty_cache(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    env = {**wenda_env, "WENDA_CACHE_DIR": str(tmp_path / "cache")}
    listed = run(wenda_cmd, env, "models", "list", "--json")
    assert listed.returncode == 0
    rows = json.loads(listed.stdout)
    roles = {r["role"] for r in rows}
    domain_roles = {f"{kind}-domain-{lang}" for kind in ("nlu", "kb") for lang in ("en", "zh")}
    assert roles == {*load_manifest().roles, *domain_roles}
    for row in rows:
        assert {"role", "name", "state", "path", "size_bytes", "license"} <= row.keys()
        assert row["state"] == "missing"
    verified = run(wenda_cmd, env, "models", "verify", "--json")
    assert verified.returncode == EXIT_USER_ERROR
    assert all(r["state"] == "missing" for r in json.loads(verified.stdout))


def _shadow_package(site: Path, package: str, rel_path: str, data: bytes | None) -> None:
    """Install a look-alike of a real weight package first on the path, with bad content."""
    entry = next(f for m in load_manifest().models for f in m.files if f.package == package)
    make_dist(site, package, entry.version, {} if data is None else {rel_path: data})


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("corrupt", "is corrupt: expected sha256 1a153a22"),
        ("truncated", "is corrupt, 1000 of 2327524 bytes"),
        ("missing-file", "is missing from package silero-vad==6.2.3"),
    ],
)
def test_prepare_bad_source_exits_2_with_fix(
    wenda_cmd, wenda_env, tmp_path: Path, case: str, expect: str
) -> None:
    source = Path(
        __import__("importlib.metadata")
        .metadata.distribution("silero-vad")
        .locate_file("silero_vad/data/silero_vad.onnx")
    )
    data = {
        "corrupt": b"x" * source.stat().st_size,
        "truncated": source.read_bytes()[:1000],
        "missing-file": None,
    }[case]
    site = tmp_path / "site"
    _shadow_package(site, "silero-vad", "silero_vad/data/silero_vad.onnx", data)
    cache = tmp_path / "cache"
    env = {**wenda_env, "WENDA_CACHE_DIR": str(cache), "PYTHONPATH": str(site)}
    result = run(wenda_cmd, env, "models", "prepare", "vad")
    assert_clean_error(result)
    assert expect in result.stderr
    assert "pip install --no-deps --force-reinstall silero-vad==6.2.3" in result.stderr
    if case != "missing-file":
        assert "got " in result.stderr  # the actual hash is named too
    assert not (cache / "models" / "silero-vad").exists()
    assert not list((cache / "models").glob(".tmp-*"))


def test_prepare_then_verify_detects_damage(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    env = {**wenda_env, "WENDA_CACHE_DIR": str(tmp_path / "cache")}
    prepared = run(wenda_cmd, env, "models", "prepare", "vad", "--json")
    assert prepared.returncode == 0, prepared.stderr
    assert json.loads(prepared.stdout)[0]["state"] == "ready"
    onnx = tmp_path / "cache" / "models" / "silero-vad" / "silero_vad.onnx"
    data = bytearray(onnx.read_bytes())
    data[1000] ^= 0xFF
    onnx.write_bytes(bytes(data))
    verified = run(wenda_cmd, env, "models", "verify", "vad", "--json")
    assert verified.returncode == EXIT_USER_ERROR
    (row,) = json.loads(verified.stdout)
    assert row["state"] == "corrupt" and "expected sha256" in row["detail"]
    assert "wenda models prepare --force vad" in row["detail"]
    repaired = run(wenda_cmd, env, "models", "prepare", "--force", "vad")
    assert repaired.returncode == 0
    assert run(wenda_cmd, env, "models", "verify", "vad").returncode == 0


def test_override_role_with_local_folder(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    folder = tmp_path / "my-encoder"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert (
        run(
            wenda_cmd, wenda_env, "config", "set", "models.paths.nlu-encoder", str(folder)
        ).returncode
        == 0
    )
    rows = json.loads(run(wenda_cmd, wenda_env, "models", "list", "nlu-encoder", "--json").stdout)
    assert rows[0]["state"] == "ready" and rows[0]["path"] == str(folder)
    assert run(wenda_cmd, wenda_env, "models", "path", "nlu-encoder").stdout.strip() == str(folder)
    # a hub id needs the user's opt-in
    run(wenda_cmd, wenda_env, "config", "set", "models.paths.nlu-encoder", "org/some-encoder")
    rows = json.loads(run(wenda_cmd, wenda_env, "models", "list", "nlu-encoder", "--json").stdout)
    assert rows[0]["state"] == "missing" and "allow_online" in rows[0]["detail"]
    assert_clean_error(run(wenda_cmd, wenda_env, "models", "path", "nlu-encoder"))


def test_doctor_runs_headless_and_names_missing(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    env = {**wenda_env, "WENDA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)
    result = run(wenda_cmd, env, "doctor")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "FAIL  model asr" in result.stdout and "wenda models prepare asr" in result.stdout
    checks = {c["name"]: c for c in json.loads(run(wenda_cmd, env, "doctor", "--json").stdout)}
    assert checks["python"]["level"] == "ok" and checks["torch"]["level"] == "ok"
    assert checks["display"]["level"] == "warn" and "wenda chat" in checks["display"]["detail"]
    # no tuned models yet: models that need no training answer meanwhile (a warning)
    assert checks["domain models en"]["level"] == "warn"
    assert "not trained yet" in checks["domain models en"]["detail"]
    # the other language is prepared when it is first chosen: nothing to fix
    assert (
        checks["model tts-zh"]["level"] == "ok"
        and "first chosen" in checks["model tts-zh"]["detail"]
    )
    assert checks["domain models zh"]["level"] == "ok"
    for name in ("audio-input", "audio-output", "portaudio", "espeak-ng", "disk"):
        assert name in checks
