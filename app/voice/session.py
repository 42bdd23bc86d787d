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
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.errors import SessionError
from app.voice.memory import release_free_memory
from app.voice.pipeline import VoicePipeline
from app.voice.settings import VoiceSettings
from speech.microphone import MicBlock, Microphone
from speech.synthesis import Synthesizer

log = logging.getLogger(__name__)

LEVEL_EVERY_S = 0.05  # 20 meter updates a second are plenty for the eye
FINISH_TAIL_S = 0.25  # push-to-talk release: the last syllable is still in the device buffer


def level_of(samples: np.ndarray) -> float:
    """Meter level in [0, 1] from float32 samples: RMS in dBFS mapped from -60..0 dB."""
    if samples.size == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    db = 20.0 * np.log10(max(rms, 1e-6))
    return float(min(1.0, max(0.0, (db + 60.0) / 60.0)))


class LevelTap:
    """Wraps the microphone: passes every block on and reports its level, throttled, while
    ``active()``. Runs on the microphone's executor; ``on_level`` only hands a float on."""

    def __init__(
        self,
        microphone: Microphone,
        on_level: Callable[[float], object],
        active: Callable[[], bool],
    ) -> None:
        self.microphone, self.on_level, self.active = microphone, on_level, active
        self._last = 0.0

    def start(self) -> None:
        self.microphone.start()

    def close(self) -> None:
        self.microphone.close()

    def read(self) -> MicBlock | None:
        block = self.microphone.read()
        now = time.monotonic()
        if block is not None and self.active() and now - self._last >= LEVEL_EVERY_S:
            self._last = now
            self.on_level(level_of(np.asarray(block.samples)))
        return block


class SwitchableVoice:
    """Wraps the synthesizer: speaks while ``on``, else returns no audio, so replies are only
    shown (the pipeline skips empty audio and still ends the turn)."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer
        self.name = synthesizer.name
        self.on = True

    def synthesize(self, text: str) -> np.ndarray:
        if not self.on:
            return np.zeros(0, dtype=np.float32)
        return self.synthesizer.synthesize(text)


class VoiceSession:
    """Owns the loop thread. ``start()``, then ``submit(Start())`` (or ``start(listen=True)``)."""

    def __init__(
        self,
        engines: Engines,
        settings: VoiceSettings,
        on_event: Callable[[Any], None],
        input_level: bool = False,
    ) -> None:
        """``input_level``: also send ``InputLevel`` events (a front end's level meter)."""
        self.engines, self.settings, self._on_event = engines, settings, on_event
        self.input_level = input_level
        self.voice = SwitchableVoice(engines.synthesizer)
        engines.synthesizer = self.voice
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._run_task: asyncio.Task | None = None
        self.pipeline: VoicePipeline | None = None
        self.stop_reason = ""
        self._finishing: asyncio.TimerHandle | None = None  # a push-to-talk release pending

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
            log.exception("event handler failed on %s", type(event).__name__)  # no words
        if isinstance(event, ev.TurnDone):
            release_free_memory()  # what the turn allocated goes back to the system

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        loop = self._loop
        if self.input_level:
            self.engines.microphone = LevelTap(
                self.engines.microphone,
                lambda level: loop.call_soon_threadsafe(self._emit, ev.InputLevel(level)),
                lambda: self.pipeline is not None and not self.pipeline.muted,
            )
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
            if self._finishing is not None:  # pressed again before the last release ended
                self._finishing.cancel()
                self._finishing = None
            self._mute(command.muted)
        elif isinstance(command, ev.FinishUtterance):
            loop = asyncio.get_running_loop()
            self._finishing = loop.call_later(FINISH_TAIL_S, self._finish_utterance)
        elif isinstance(command, ev.Interrupt):
            pipeline.interrupt()
        elif isinstance(command, ev.TypedText):
            pipeline.typed(command.text)
        elif isinstance(command, ev.SpeakReplies):
            self.voice.on = command.on  # from the next sentence on; the text goes on
        elif isinstance(command, ev.ForgetMe):
            pipeline.workers.submit("dialogue", self._forget)
        else:
            log.warning("unknown voice command %r", command)

    def _mute(self, muted: bool) -> None:
        assert self.pipeline is not None
        self.pipeline.mute(muted)
        self._emit(ev.MicrophoneChanged(not muted))

    def _finish_utterance(self) -> None:
        """End what is being heard now (as the end of the input would), then close the mic."""
        self._finishing = None
        pipeline = self.pipeline
        if pipeline is None or pipeline.muted:
            return
        pipeline.finish_utterance()
        self._mute(True)

    def _forget(self) -> None:
        """On the dialogue's executor, so it never runs in the middle of a turn."""
        forget = getattr(self.engines.conversation, "forget", None)
        try:
            if forget is None:
                raise SessionError("this conversation keeps no memory to forget")
            forget()
        except Exception as e:  # reported, never raised into the loop
            log.exception("forget me failed")
            turn_id = self.pipeline.turn.turn_id if self.pipeline else 0
            self._loop.call_soon_threadsafe(  # type: ignore[union-attr]
                self._emit, ev.Error(turn_id, "memory", f"Could not forget: {e}")
            )

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
