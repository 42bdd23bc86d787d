"""Start the desktop app: the Qt application, the session process, the main window; then an
ordered shutdown (window, session process, plots) so the process exits cleanly.

The window shows at once in a "loading models" state; the session (voice, or typed chat when
voice cannot load) loads its models in its own process (``app.gui.session_process``), so
nothing heavy is ever imported into the window's process.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

from app.config import Config
from app.gui.sessions import Session, SessionHost

log = logging.getLogger(__name__)


def make_session(config: Config) -> Session:
    """The voice session (typed chat if voice cannot load), in a process of its own."""
    from app.gui.session_process import SessionProcess

    return SessionProcess(functools.partial(SessionHost, config))


def qt_application(argv: list[str] | None = None) -> Any:
    """The process's Qt application, created on first use (one per process)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Wenda")
    return app


def run_app(config: Config, session: Session | None = None, argv: list[str] | None = None) -> int:
    """Show the window until it is closed; returns the exit code."""
    from app.gui.main_window import MainWindow

    app = qt_application(argv)
    session = session or make_session(config)
    window = MainWindow(session, config, make_session=make_session)
    window.show()
    session.start(window.bridge.post)
    try:
        return int(app.exec())
    finally:
        window.close()
        window.session.close()  # ends the session before Qt objects go away
        for closing in window.closing_sessions:  # sessions replaced by new settings
            closing.wait(30.0)
        app.processEvents()
