"""`wenda` opens the window and the process exits cleanly (an abort at exit fails CI), and
without a display it offers the terminal chat instead."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.config import Config
from app.gui.app import run_app
from app.gui.session_process import SessionProcess
from tests.fakes.session import typed_host

app = QApplication(sys.argv[:1])
session = SessionProcess(typed_host)

def talk_then_quit():
    window = next(w for w in app.topLevelWidgets() if w.objectName() == "" and w.isVisible())
    window.input.setText("hello")
    window.send_typed()
    def close_when_answered():
        if window.chat.bubbles and window.chat.bubbles[-1].turn is not None:
            print("answered:", window.chat.bubbles[-1].text())
            heavy = ("torch", "transformers", "onnxruntime", "ctranslate2", "sounddevice")
            print("heavy in the window's process:", [m for m in heavy if m in sys.modules])
            window.close()
        else:
            QTimer.singleShot(100, close_when_answered)

    close_when_answered()

QTimer.singleShot(300, talk_then_quit)
sys.exit(run_app(Config(), session=session))
"""


def test_window_opens_and_exits_cleanly(wenda_env: dict[str, str]) -> None:
    env = {**wenda_env, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.getcwd(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "answered: Your order 12345 has shipped." in result.stdout
    assert "heavy in the window's process: []" in result.stdout  # models live in the session's


def test_no_display_offers_chat(wenda_cmd: list[str], wenda_env: dict[str, str]) -> None:
    env = {
        k: v
        for k, v in wenda_env.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        wenda_cmd, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0
    assert "no display" in result.stdout and "wenda chat" in result.stdout
