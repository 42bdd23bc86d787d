"""Run the session in its own process, so loading and running models never stalls the window.

Why a process and not a thread: importing torch and transformers and reading weights holds
the GIL for stretches of 100 ms to seconds; on a thread of the window's process that froze
the window for 0.8-3 s at every start (BENCHMARKS.md, "Desktop app"). In a process of its
own nothing the models do can hold the window's GIL.

The window's side, :class:`SessionProcess`, is a :class:`~app.gui.sessions.Session`: commands
(``app.voice.events``, pickled) go down a pipe, events come back up it and a reader thread
hands them to ``on_event`` (the Qt bridge, which queues them to the GUI thread). The child
(:func:`serve`) builds the session with a picklable factory, so tests can run their own.
No Qt here.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from app.voice import events as ev
from app.voice.memory import configure_model_process

log = logging.getLogger(__name__)

EventSink = Callable[[object], None]
CLOSE_WAIT_S = 20.0  # an ordered shutdown joins the session's threads; then it is ended


class SessionProcess:
    """``SessionProcess(make_session)``: ``make_session()`` runs in the child and returns a
    session (``start``/``submit``/``close``); it must be picklable (a module-level function
    or a ``functools.partial`` of one)."""

    def __init__(self, make_session: Callable[[], Any]) -> None:
        self._make_session = make_session
        self._conn: Connection | None = None
        self._process: Any = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._closing = False
        self._ready = threading.Event()  # the child said Ready: it reads its commands

    def start(self, on_event: EventSink) -> None:
        """Returns at once; the child loads the models and says ``Ready`` when it is done."""
        context = mp.get_context("spawn")  # never fork a process that runs Qt threads
        ours, theirs = context.Pipe()
        self._process = context.Process(
            target=serve, args=(self._make_session, theirs), name="wenda-session", daemon=True
        )
        self._process.start()
        theirs.close()
        self._conn = ours
        self._reader = threading.Thread(
            target=self._read, args=(ours, on_event), name="wenda-session-events", daemon=True
        )
        self._reader.start()

    def submit(self, command: object) -> None:
        """Commands sent while the models load wait in the pipe and run once they are up."""
        with self._send_lock:
            if self._conn is None or self._closing:
                return
            try:
                self._conn.send(command)
            except (OSError, ValueError) as e:  # the child is gone; its end was reported
                log.warning("the session process is not running: %s", e)

    def close(self) -> None:
        with self._send_lock:
            if self._closing or self._conn is None:
                return
            self._closing = True
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
        # While the models load the child reads no commands: closing then must not wait.
        self._process.join(CLOSE_WAIT_S if self._ready.is_set() else 0.5)
        if self._process.is_alive():
            log.info("the session process did not stop in time (loading?); ending it")
            self._process.terminate()
            self._process.join(5.0)
        if self._reader is not None:
            self._reader.join(5.0)
        self._conn.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _read(self, conn: Connection, on_event: EventSink) -> None:
        while True:
            try:
                event = conn.recv()
            except (EOFError, OSError):
                break
            except Exception as e:  # an event that cannot be unpickled: report, go on
                log.warning("unreadable event from the session process: %s", e)
                continue
            if isinstance(event, ev.Ready):
                self._ready.set()
            on_event(event)
        if not self._closing:
            on_event(ev.Error(0, "session", "The assistant's process ended unexpectedly."))
            on_event(ev.Stopped("the session process ended"))


def serve(make_session: Callable[[], Any], conn: Connection) -> None:
    """The child: build the session, relay its events, run commands until ``None``."""
    from app.logs import configure_logging

    # masked (app.log_privacy): no order numbers, emails or phone numbers in the log
    configure_logging(console_format="wenda-session: %(levelname)s %(message)s")
    configure_model_process()  # before the models and their threads: the memory budget
    lock = threading.Lock()

    def send(event: object) -> None:  # events come from several of the session's threads
        with lock:
            try:
                conn.send(event)
            except (OSError, ValueError):
                pass  # the window is gone; the session ends when its pipe closes

    session = make_session()
    session.start(send)
    try:
        while True:
            try:
                command = conn.recv()
            except (EOFError, OSError):
                break
            if command is None:
                break
            session.submit(command)
    finally:
        session.close()
        conn.close()
