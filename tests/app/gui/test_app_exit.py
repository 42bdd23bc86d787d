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
from app.gui.text_session import TextSession
from tests.app.gui.fakes import FakeDialogue

app = QApplication(sys.argv[:1])
session = TextSession(FakeDialogue)

def talk_then_quit():
    window = next(w for w in app.topLevelWidgets() if w.objectName() == "" and w.isVisible())
    window.input.setText("hello")
    window.send_typed()
    QTimer.singleShot(800, window.close)

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
