"""``wenda transcribe`` and ``wenda say`` as a user runs them: output, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from tests.speech.recordings import ALSA_SOUNDS, GOFORWARD_RAW, NOISE_WAV, POCKETSPHINX

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POCKETSPHINX.is_dir(), reason="needs pocketsphinx-testdata"),
]
EXIT_USER_ERROR = 2


def wenda(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=600)


def test_transcribe_json_one_line_per_file(wenda_cmd, wenda_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00not really an mp3\x00" * 50)
    files = [str(GOFORWARD_RAW), str(NOISE_WAV), str(broken), str(ALSA_SOUNDS / "Front_Left.wav")]
    result = wenda(wenda_cmd, wenda_env, "transcribe", "--json", *files)
    assert result.returncode == EXIT_USER_ERROR and "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == files  # as given, in order
    forward, noise, bad, left = lines
    keys = {"file", "text", "language", "language_probability", "audio_seconds", "seconds",
            "segments"}  # fmt: skip
    assert set(forward) == keys and set(bad) == {"file", "error"}
    assert "forward" in forward["text"].lower() and forward["language"] == "en"
    assert 0.5 < forward["language_probability"] <= 1 and forward["audio_seconds"] == 2.786
    assert forward["segments"][0]["start"] < forward["segments"][0]["end"] <= 2.786
    assert noise["text"] == "" and noise["segments"] == [] and noise["language"] is None
    assert "cannot decode" in bad["error"] and str(broken) in bad["error"]
    assert "left" in left["text"].lower()


def test_transcribe_plain_text_other_engine_and_model(wenda_cmd, wenda_env) -> None:  # type: ignore[no-untyped-def]
    args = ("--engine", "openai", "--model", "tiny.en", "--language", "en")
    result = wenda(wenda_cmd, wenda_env, "transcribe", *args, str(GOFORWARD_RAW))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().lower().rstrip(".") == "go forward 10 meters"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--model", "tiny.en", "--language", "zh"), "English only"),
        (("--model", "/no/such/model"), "no Whisper model"),
    ],
)
def test_transcribe_user_errors(wenda_cmd, wenda_env, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = wenda(wenda_cmd, wenda_env, "transcribe", *args, str(GOFORWARD_RAW))
    assert result.returncode == EXIT_USER_ERROR and "Traceback" not in result.stderr
    assert message in result.stderr


def test_transcribe_refuses_over_long_audio(wenda_cmd, wenda_env) -> None:  # type: ignore[no-untyped-def]
    config = Path(wenda_env["WENDA_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[asr]\nmax_audio_s = 2.0\n")
    result = wenda(wenda_cmd, wenda_env, "transcribe", str(GOFORWARD_RAW))
    assert result.returncode == EXIT_USER_ERROR and "over the 2 s limit" in result.stderr
    assert "asr.max_audio_s" in result.stderr


@pytest.mark.parametrize(
    ("lang", "text", "voice"),
    [("en", "Your order ships tomorrow. It costs $3.50.", "piper"),
     ("zh", "您的订单明天发货。", "kokoro")],
)  # fmt: skip
def test_say_writes_a_wav(wenda_cmd, wenda_env, tmp_path: Path, lang: str, text: str, voice: str):  # type: ignore[no-untyped-def]
    out = tmp_path / "reply.wav"
    result = wenda(wenda_cmd, wenda_env, "say", "--lang", lang, "--out", str(out), text)
    assert result.returncode == 0, result.stderr
    info = sf.info(out)
    assert (info.samplerate, info.channels) == (16_000, 1) and info.duration > 1.0
    assert voice in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("😀🎉",), "nothing to say"),
        (("   ",), "nothing to say"),
        (("--voice", "nobody", "hello"), "unknown voice 'nobody'"),
    ],
)
def test_say_user_errors(wenda_cmd, wenda_env, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = wenda(wenda_cmd, wenda_env, "say", *args)
    assert result.returncode == EXIT_USER_ERROR and "Traceback" not in result.stderr
    assert message in result.stderr


def test_say_without_a_speaker_suggests_a_file(wenda_cmd, wenda_env) -> None:  # type: ignore[no-untyped-def]
    env = {
        **wenda_env,
        "PULSE_SERVER": "unix:/nonexistent/native",
        "XDG_RUNTIME_DIR": "/nonexistent",
    }
    result = wenda(wenda_cmd, env, "say", "hello")
    assert result.returncode == EXIT_USER_ERROR and "Traceback" not in result.stderr
    assert "speaker" in result.stderr and "--out FILE.wav" in result.stderr
