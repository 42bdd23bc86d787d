"""The one way session events reach widgets: a QObject living on the GUI thread with a single
``Signal(object)``.

The session calls :meth:`SessionBridge.post` from its own threads (the session process's
reader thread); Qt sees the emitting thread differs from the bridge's and queues the signal,
so every slot runs on the GUI thread. No widget is ever touched from another thread, and
there is no global signal bus. The events are ``app.voice.events`` types, unchanged.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Carries session events to the GUI thread."""

    arrived = Signal(object)  # not "event": that would hide QObject.event, the dispatch hook

    def post(self, event: object) -> None:
        """Thread-safe: call from any thread."""
        self.arrived.emit(event)
