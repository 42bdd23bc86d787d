"""The session in its own process: commands down a pipe, events back, in order; commands
sent while it loads are answered once it is ready; a dead process is reported, not hung on;
closing ends the process."""

from __future__ import annotations

import os
import threading
import time

import pytest

from app.gui.session_process import SessionProcess
from app.voice import events as ev
from tests.fakes.session import SHIPPED, CrashingSession, SlowLoadingSession, typed_host

pytestmark = pytest.mark.gui


class Events:
    def __init__(self) -> None:
        self.items: list[object] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._changed:
            self.items.append(event)
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def wait_for(self, kind: type, count: int = 1, timeout: float = 60.0) -> list:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.of(kind)) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind.__name__} in {self.items}"
                self._changed.wait(left)
        return self.of(kind)

    def of(self, kind: type) -> list:
        return [e for e in self.items if isinstance(e, kind)]


def test_typed_turns_through_the_session_process() -> None:
    events = Events()
    session = SessionProcess(typed_host)
    session.start(events)
    session.submit(ev.TypedText("where is my order 12345"))  # before the child is even up
    try:
        done = events.wait_for(ev.TurnDone)[0]
        assert session.pid != os.getpid()
        ready = events.of(ev.Ready)[0]
        assert not ready.voice and "no microphone in this test" in ready.reason
        assert events.items.index(ready) < events.items.index(done)
        assert (done.reply, done.intent, done.extra["confidence"]) == (
            SHIPPED,
            "check_order_status",
            0.97,
        )
        kinds = [type(e) for e in events.items]
        order = [kinds.index(k) for k in (ev.Transcript, ev.Thinking, ev.ReplyText, ev.TurnDone)]
        assert order == sorted(order)
        session.submit(ev.Mute(False))  # typed chat only: the microphone is refused
        assert "Cannot listen" in events.wait_for(ev.Error)[0].message
    finally:
        session.close()
    assert session._process.exitcode == 0
    assert events.threads == {"wenda-session-events"}  # one reader thread hands them on


def test_a_dead_session_process_is_reported() -> None:
    events = Events()
    session = SessionProcess(CrashingSession)
    session.start(events)
    stopped = events.wait_for(ev.Stopped)[0]
    assert "process ended" in stopped.reason
    assert "ended unexpectedly" in events.of(ev.Error)[0].message
    session.submit(ev.TypedText("anyone there?"))  # no exception: the pipe is closed
    session.close()
    assert session._process.exitcode == 3


def test_closing_while_the_models_load_does_not_wait_for_them() -> None:
    events = Events()
    session = SessionProcess(SlowLoadingSession)
    session.start(events)
    time.sleep(1.0)  # the child is up and "loading"
    started = time.monotonic()
    session.close()
    assert time.monotonic() - started < 5.0  # not the 60 s of loading, nor CLOSE_WAIT_S
    assert not session._process.is_alive()
