"""The one way session events reach widgets: a QObject living on the GUI thread with a single
``Signal(object)``.

The session calls :meth:`SessionBridge.post` from its own thread; Qt sees the emitting thread
differs from the bridge's and queues the signal, so every slot runs on the GUI thread. No
widget is ever touched from another thread, and there is no global signal bus.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.gui.session_api import to_gui_event

log = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Carries session events to the GUI thread, already mapped to the window's event types."""

    event = Signal(object)

    def post(self, event: object) -> None:
        """Thread-safe: call from any thread; events the window does not use are dropped."""
        mapped = to_gui_event(event)
        if mapped is not None:
            self.event.emit(mapped)
