"""``wenda chat`` on a terminal, as a user types it: a pseudo-terminal, the prompt, and a
reply streamed piece by piece from the real chat model (SmolLM2-135M), which must read as
the same text as the finished turn. It used to add a space after every piece, so sub-words
came out split ("ship ping").

It also serves the NLU model the fine-tuning window activated, like the voice loop and the
window do (it used to load the domain's own model).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import models_active
from tests.app.chat_models import shop_nlu_model

pytestmark = pytest.mark.slow
WENDA = [sys.executable, "-m", "app"]
NOW = "2026-03-16T10:00"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
QUESTION = "What is the meaning of life?"  # out of scope, no template or FAQ fits: generated


def _read_until(fd: int, marker: str, timeout_s: float) -> str:
    """Everything the terminal shows until ``marker`` (ANSI colours and \\r removed)."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while marker not in ANSI.sub("", seen.decode("utf-8", "replace")):
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} on the terminal; it shows: {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            seen += os.read(fd, 4096)
    return ANSI.sub("", seen.decode("utf-8")).replace("\r", "")


def _terminal_reply(env: dict[str, str], text: str) -> str:
    """The reply line ``wenda chat`` prints on a terminal for ``text``."""
    main, secondary = pty.openpty()
    chat = subprocess.Popen([*WENDA, "chat", "--now", NOW], stdin=secondary, stdout=secondary,
                            stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    os.close(secondary)
    try:
        _read_until(main, "you> ", 600)  # the models load first
        os.write(main, (text + "\n").encode())
        shown = _read_until(main, "\nyou> ", 300)
    finally:
        chat.terminate()
        chat.wait(30)
        os.close(main)
    return shown.split("wenda> ", 1)[1].split("\nyou> ", 1)[0]


def _json_turn(env: dict[str, str], text: str, *options: str) -> dict:
    done = subprocess.run([*WENDA, "chat", "--json", "--now", NOW, *options], input=text + "\n",
                          env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _env(tmp_path: Path, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "WENDA_DATA_DIR": str(tmp_path / name / "data"),
        "WENDA_CONFIG_DIR": str(tmp_path / name / "config"),
        "PYTHONUNBUFFERED": "1",
        "TERM": "xterm",
    }


def _activate_shop_model(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], greet_as: str = "greet"
) -> None:
    """The shop's trained NLU model, activated in ``env``'s data folder as the wizard does
    (its ``greet`` intent renamed to ``greet_as``, to tell it from the domain's own)."""
    with monkeypatch.context() as patched:
        patched.setenv("WENDA_DATA_DIR", env["WENDA_DATA_DIR"])
        folder = models_active.new_version_dir("nlu-en")
        shutil.copytree(shop_nlu_model("en"), folder)
        meta = folder / "nlu.json"
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["intents"] = [greet_as if i == "greet" else i for i in data["intents"]]
        meta.write_text(json.dumps(data), encoding="utf-8")
        models_active.activate("nlu-en", folder)


def test_chat_serves_the_activated_nlu_model(monkeypatch, tmp_path: Path) -> None:
    env = _env(tmp_path, "user")
    assert _json_turn(env, "Hello there!", "--no-generator")["intent"] == "greet"
    _activate_shop_model(monkeypatch, env, greet_as="greet_activated")
    assert _json_turn(env, "Hello there!", "--no-generator")["intent"] == "greet_activated"


def test_streamed_reply_reads_as_the_finished_turn(monkeypatch, tmp_path: Path) -> None:
    """Two fresh users ask the same question (greedy decoding: the same reply): the one on
    a terminal sees, piece by piece, exactly what the scripted one gets in its JSON line."""
    typed, scripted = _env(tmp_path, "typed"), _env(tmp_path, "scripted")
    for env in (typed, scripted):
        _activate_shop_model(monkeypatch, env)
    turn = _json_turn(scripted, QUESTION)
    assert turn["decision"] == "generate" and len(turn["reply"].split()) >= 4, turn
    assert _terminal_reply(typed, QUESTION).strip() == turn["reply"]
