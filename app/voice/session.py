"""A voice session: the pipeline's asyncio loop in one background thread, commands in, events out.

Front ends never touch the loop: they call :meth:`VoiceSession.submit` from any thread and
receive every event through the ``on_event`` callback, which runs on the session's thread
(a Qt front end re-emits it through its bridge signal; a CLI prints). Shutdown is ordered:
microphone first, then playback and generation (their stop event), then the stages, then
each model's executor.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.errors import SessionError
from app.voice.pipeline import VoicePipeline, VoiceSettings

log = logging.getLogger(__name__)


class VoiceSession:
    """Owns the loop thread. ``start()``, then ``submit(Start())`` (or ``start(listen=True)``)."""

    def __init__(
        self,
        engines: Engines,
        settings: VoiceSettings,
        on_event: Callable[[Any], None],
    ) -> None:
        self.engines, self.settings, self._on_event = engines, settings, on_event
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._run_task: asyncio.Task | None = None
        self.pipeline: VoicePipeline | None = None
        self.stop_reason = ""

    # --- any thread ----------------------------------------------------------------------

    def start(self, listen: bool = False) -> None:
        """Start the session thread (and the microphone when ``listen``)."""
        if self._thread is not None:
            raise SessionError("this voice session was already started")
        self._thread = threading.Thread(target=self._main, name="voice-session", daemon=True)
        self._thread.start()
        self._ready.wait()
        if listen:
            self.submit(ev.Start())

    def submit(self, command: Any) -> None:
        """Hand a command (``app.voice.events.Start``, ``Stop``, ...) to the session."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise SessionError("the voice session is not running")
        try:
            loop.call_soon_threadsafe(self._handle, command)
        except RuntimeError as e:  # the loop closed between the check and the call
            raise SessionError("the voice session is not running") from e

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the session to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- the session thread --------------------------------------------------------------

    def _emit(self, event: Any) -> None:
        try:
            self._on_event(event)
        except Exception:  # a front end's bug must not take the voice loop down
            log.exception("event handler failed on %r", event)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.pipeline = VoicePipeline(self.engines, self.settings, self._emit)
        self._ready.set()
        stop_wait = asyncio.create_task(self._stop.wait())
        finished_wait = asyncio.create_task(self.pipeline.finished.wait())
        await asyncio.wait({stop_wait, finished_wait}, return_when=asyncio.FIRST_COMPLETED)
        if not self.stop_reason:
            self.stop_reason = "stop command" if self._stop.is_set() else "end of input"
        await self._shutdown()
        for task in (stop_wait, finished_wait):
            task.cancel()
        self._emit(ev.Stopped(self.stop_reason))

    async def _shutdown(self) -> None:
        assert self.pipeline is not None
        self.pipeline.close()
        if self._run_task is not None:
            self._run_task.cancel()
            await asyncio.gather(self._run_task, return_exceptions=True)
        await asyncio.to_thread(self.pipeline.shutdown_executors)

    def _handle(self, command: Any) -> None:
        pipeline = self.pipeline
        assert pipeline is not None and self._stop is not None
        if isinstance(command, ev.Start):
            if self._run_task is None:
                self._run_task = asyncio.get_running_loop().create_task(self._run())
        elif isinstance(command, ev.Stop):
            self._stop.set()
        elif isinstance(command, ev.Mute):
            pipeline.mute(command.muted)
        elif isinstance(command, ev.Interrupt):
            pipeline.interrupt()
        elif isinstance(command, ev.TypedText):
            pipeline.typed(command.text)
        else:
            log.warning("unknown voice command %r", command)

    async def _run(self) -> None:
        assert self.pipeline is not None and self._stop is not None
        try:
            await self.pipeline.run()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a device failed (no microphone, ...): end the session
            log.exception("the voice pipeline stopped")
            self._emit(ev.Error(self.pipeline.turn.turn_id, "session", str(e)))
            self.stop_reason = f"error: {e}"
            self._stop.set()
