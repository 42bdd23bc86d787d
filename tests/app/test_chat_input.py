"""``wenda chat`` with the real models fed what scripts and accidents feed it (issue 15):
bytes that are not UTF-8 under a strict and a lenient locale, blank lines, random bytes,
``/export`` to a folder, a damaged memory file, a disk that is full at start-up.

Before: under ``PYTHONIOENCODING=utf-8:strict`` a bad byte ended the chat with a
``UnicodeDecodeError`` traceback and the good lines before it got no reply; under a lenient
locale random bytes gave "that turn failed (TypeError)" and no JSON line; ``/export`` to a
folder was an ``IsADirectoryError`` traceback and the rest of the script went unanswered.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.app.chat_models import shop_nlu_model

pytestmark = pytest.mark.slow


def chat(env: dict[str, str], data: bytes, **kwargs: Any) -> subprocess.CompletedProcess:
    args = [*kwargs.pop("cmd"), "chat", "--json", "--no-generator", "--lang", "en",
            "--now", "2026-03-16T10:00", "--nlu-model", str(shop_nlu_model("en"))]  # fmt: skip
    return subprocess.run(args, input=data, env=env, capture_output=True, timeout=600, **kwargs)


@pytest.mark.parametrize("encoding", ["utf-8:strict", "utf-8:surrogateescape", "latin-1"])
def test_one_json_line_per_input_line_whatever_the_bytes(
    wenda_cmd, wenda_env, tmp_path: Path, encoding: str
) -> None:
    memory = Path(wenda_env["WENDA_DATA_DIR"]) / "memory.sqlite"
    memory.parent.mkdir(parents=True)
    memory.write_bytes(os.urandom(4096))  # and a damaged memory file
    noise = bytes(range(256)).replace(b"\n", b"")
    script = b"\n".join([
        b"hello", b"\xff\xfe where is order 10482", b"", noise, b"where is order 10482",
        f"/export {tmp_path}".encode(), b"how much does shipping to France cost?",
    ]) + b"\n"  # fmt: skip
    env = {**wenda_env, "PYTHONIOENCODING": encoding}
    result = chat(env, script, cmd=wenda_cmd)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0 and "Traceback" not in stderr, stderr
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3, 4, 5, 6, 7]
    hello, bad, blank, noisy, order, export, shipping = lines
    assert hello["intent"] == "greet" and order["slots"] == {"order_id": "10482"}
    assert "not UTF-8" in bad["error"] and blank["skipped"] == "blank"
    assert "reply" in noisy and ("error" in noisy or noisy["reply"])
    assert export["command"] == "export" and "is a folder" in export["error"]
    assert shipping["sources"]  # answered from the FAQ after the failed export
    assert "memory file was damaged" in stderr and list(memory.parent.glob("*.damaged-*"))


def test_a_full_disk_at_start_up_is_a_plain_message(wenda_cmd, wenda_env) -> None:
    def full_disk() -> None:  # nothing written may grow past 1 kB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    result = chat(wenda_env, b"hello\n", cmd=wenda_cmd, preexec_fn=full_disk)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "Traceback" not in stderr, stderr
    assert "disk is full" in stderr


def test_forget_me_removes_history_profile_and_exports_and_logs_hold_nothing_private(
    wenda_cmd, wenda_env, tmp_path: Path
) -> None:
    """``-v`` logs (progress) carry no order number, email, phone or words of the user's;
    ``/forget`` deletes the turns, the profile and the file ``/export`` wrote (issue 15)."""
    exported = tmp_path / "me.json"
    script = "\n".join([
        "hello, my name is Anna Smith", "my email is anna@example.com, call me on 555-123-4567",
        "where is order 10482", f"/export {exported}", "/forget",
    ]) + "\n"  # fmt: skip
    env = {**wenda_env}
    run = chat(env, script.encode(), cmd=[*wenda_cmd, "-v"])
    assert run.returncode == 0, run.stderr
    logged = run.stderr.decode()
    for private in ("Anna", "anna@example.com", "555-123-4567", "10482"):
        assert private not in logged.replace(str(tmp_path), ""), logged
    assert not exported.exists()  # written by Wenda, unchanged: deleted with the rest
    assert "forgot everything" in logged
    shown = subprocess.run([*wenda_cmd, "memory", "export"], env=env, capture_output=True)
    data = json.loads(shown.stdout or b"{}")
    assert data.get("history", []) == [] and not data.get("profile", {}).get("name")


def test_chat_killed_during_a_turn_keeps_every_answered_turn(wenda_cmd, wenda_env) -> None:
    """kill -9 while a turn is being answered: every turn whose line was printed is in the
    history, whole (tests/app/test_crash_safety.py kills at exact statements)."""
    args = [*wenda_cmd, "chat", "--json", "--no-generator", "--lang", "en",
            "--nlu-model", str(shop_nlu_model("en"))]  # fmt: skip
    lines = ["hello", "where is order 10482", "how much is shipping to France?"] * 4
    chat_process = subprocess.Popen(
        args, env=wenda_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert chat_process.stdin and chat_process.stdout
    chat_process.stdin.write(("\n".join(lines) + "\n").encode())
    chat_process.stdin.flush()
    answered = [json.loads(chat_process.stdout.readline()) for _ in range(2)]
    chat_process.kill()  # SIGKILL, the third turn under way
    chat_process.wait(timeout=30)
    assert [a["line"] for a in answered] == [1, 2]
    shown = subprocess.run([*wenda_cmd, "memory", "export"], env=wenda_env, capture_output=True)
    history = json.loads(shown.stdout)["history"]
    assert 2 <= len(history) < len(lines) and [t["turn"] for t in history][:2] == [1, 2]
    assert all(t["user_text"] and t["reply"] for t in history)
