"""A typed-chat session: what the window runs when the voice session cannot start (no audio
device, no speech models), so typed chat always works.

Same shape as the voice session: one asyncio loop in one background thread, the dialogue's
blocking calls on its own single-worker executor, events out through one callback, commands
in through ``submit``. Interrupt takes a fast lane (a threading.Event the reply stream checks
at every piece) so it never waits behind the turn it is meant to stop. No Qt here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from app.gui.session_api import (
    ErrorEvent,
    EventSink,
    ForgetMe,
    Interrupt,
    Listening,
    ReplyText,
    SendText,
    StartListening,
    StopListening,
    Thinking,
    TurnDone,
    to_gui_event,
)
from dialogue.reply import join_pieces

log = logging.getLogger(__name__)


class Dialogue(Protocol):
    """What this session needs of ``dialogue.manager.DialogueManager``."""

    def stream(self, text: str, stop: threading.Event | None = None) -> Iterator[Any]:
        """Reply pieces (objects with ``text``), then the turn result (with ``reply``)."""
        ...


class TextSession:
    """Typed turns through a dialogue built lazily on the worker (loading takes seconds)."""

    def __init__(self, build_dialogue: Callable[[], Dialogue], voice_unavailable: str = "") -> None:
        self._build = build_dialogue
        self.voice_unavailable = voice_unavailable or "voice input is not available"
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="wenda-dialogue")
        self._stop_reply = threading.Event()
        self._ready = threading.Event()
        self._emit: EventSink = lambda event: None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[object] | None = None
        self._thread: threading.Thread | None = None
        self._dialogue: Dialogue | None = None
        self._build_error = ""
        self.loaded = threading.Event()  # set once the dialogue loaded (or failed to)

    def start(self, on_event: EventSink) -> None:
        self._emit = on_event
        self._thread = threading.Thread(target=self._main, name="wenda-session", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)

    def submit(self, command: object) -> None:
        if isinstance(command, Interrupt):
            self._stop_reply.set()  # fast lane: the running turn sees it at its next piece
            return
        if self._loop is None or self._queue is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._queue.put_nowait, command)

    def close(self) -> None:
        self._stop_reply.set()
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, None)  # type: ignore[union-attr]
            except RuntimeError:
                pass
        if self._thread is not None:
            self._thread.join(10.0)
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop, self._queue = loop, asyncio.Queue()
        self._ready.set()
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.run_in_executor(self._executor, self._load)  # queued before any turn
        assert self._queue is not None
        while (command := await self._queue.get()) is not None:
            try:
                await self._handle(command, loop)
            except Exception as e:  # one bad turn never ends the session
                log.exception("command %r failed", command)
                self._emit(ErrorEvent(f"Something went wrong: {e}"))

    def _load(self) -> None:
        try:
            self._dialogue = self._build()
        except Exception as e:
            log.warning("the dialogue could not be loaded: %s", e)
            self._build_error = str(e)
        finally:
            self.loaded.set()

    async def _handle(self, command: object, loop: asyncio.AbstractEventLoop) -> None:
        if isinstance(command, SendText):
            self._stop_reply.clear()
            await loop.run_in_executor(self._executor, self._turn, command.text)
        elif isinstance(command, StartListening):
            self._emit(ErrorEvent(f"Cannot listen: {self.voice_unavailable}. Type instead."))
            self._emit(Listening(False))
        elif isinstance(command, StopListening):
            self._emit(Listening(False))
        elif isinstance(command, ForgetMe):
            await loop.run_in_executor(self._executor, self._forget)
        else:
            log.debug("typed session ignores %r", command)

    def _turn(self, text: str) -> None:
        """One typed turn, on the dialogue's worker; events go out as pieces arrive."""
        if self._dialogue is None:
            self._emit(ErrorEvent(f"The assistant is not ready: {self._build_error or 'loading'}"))
            return
        self._emit(Thinking())
        pieces: list[str] = []
        reply = ""
        language = str(getattr(self._dialogue, "language", "en"))
        for item in self._dialogue.stream(text, self._stop_reply):
            if hasattr(item, "reply"):
                done = to_gui_event(_Result(item))
                if isinstance(done, TurnDone):
                    interrupted = self._stop_reply.is_set()
                    self._emit(ReplyText(done.reply or reply, final=True))
                    self._emit(done if not interrupted else _with_interrupted(done))
                return
            pieces.append(item.text)
            reply = join_pieces(pieces, language)
            self._emit(ReplyText(reply, final=False))

    def _forget(self) -> None:
        memory = getattr(self._dialogue, "memory", None)
        user = getattr(self._dialogue, "user", "local")
        if memory is not None:
            memory.forget(user)


class _Result:
    """Presents a dialogue turn result as a ``TurnDone`` event for :func:`to_gui_event`."""

    kind = "turn_done"

    def __init__(self, result: Any) -> None:
        self.result = result


def _with_interrupted(done: TurnDone) -> TurnDone:
    from dataclasses import replace

    return replace(done, interrupted=True)
