"""Puts the voice session (``app.voice``) behind the window's :class:`Session` contract.

The window speaks in its own commands and events (``session_api``); this adapter translates
both ways: push-to-talk and hands-free become microphone mute/unmute (the pipeline keeps
running so typed turns always work), reply sentences are accumulated into the reply so far,
turn results become ``TurnDone`` with latency, and a tap on the microphone feeds the level
meter. If the voice session ends on an error (no microphone), typed chat goes on through the
fallback session. No Qt here: it runs on the session's thread and the caller's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from app.gui import session_api as gui

log = logging.getLogger(__name__)

LEVEL_EVERY_S = 0.05  # 20 meter updates per second are plenty for the eye
PTT_GRACE_S = 4.0  # after push-to-talk is released, wait this long for the utterance to end


def level_of(samples: np.ndarray) -> float:
    """Meter level in [0, 1] from float32 samples: RMS in dBFS mapped from -60..0 dB."""
    if samples.size == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    db = 20.0 * np.log10(max(rms, 1e-6))
    return float(min(1.0, max(0.0, (db + 60.0) / 60.0)))


class LevelTap:
    """Wraps a microphone: passes every block on unchanged and reports its level, throttled.
    Runs wherever the session reads the microphone; the callback only hands a float on."""

    def __init__(self, microphone: Any, on_level: Callable[[float], None]) -> None:
        self.microphone = microphone
        self.on_level = on_level
        self._last = 0.0

    def start(self) -> None:
        self.microphone.start()

    def close(self) -> None:
        self.microphone.close()

    def read(self) -> Any:
        block = self.microphone.read()
        now = time.monotonic()
        if block is not None and now - self._last >= LEVEL_EVERY_S:
            self._last = now
            self.on_level(level_of(np.asarray(block.samples)))
        return block

    def __getattr__(self, name: str) -> Any:
        return getattr(self.microphone, name)


class VoiceAdapter:
    """``make_voice(on_event)`` builds the voice session (not started); ``fallback()`` builds
    the typed-chat session used if the voice session ends on an error."""

    def __init__(
        self,
        make_voice: Callable[[Callable[[Any], None]], Any],
        fallback: Callable[[], gui.Session] | None = None,
        forget: Callable[[], None] | None = None,
    ) -> None:
        from app.voice import events as ev

        self.ev = ev
        self._make_voice = make_voice
        self._make_fallback = fallback
        self._forget = forget
        self._emit: gui.EventSink = lambda e: None
        self.voice: Any = None
        self.fallback: gui.Session | None = None
        self.listening = False
        self.hands_free = False
        self._ptt_released = False
        self._sentences: dict[int, list[str]] = {}
        self._closing = False
        self._pending: list[object] = []
        self._lock = threading.Lock()

    # ---- window -> session ----

    def start(self, on_event: gui.EventSink) -> None:
        """Returns at once: the engines load on a thread (seconds), commands wait for them."""
        self._emit = on_event
        threading.Thread(target=self._load, name="wenda-voice-load", daemon=True).start()

    def _load(self) -> None:
        try:
            voice = self._make_voice(self._on_voice_event)
            voice.start(listen=False)
            voice.submit(self.ev.Mute(True))  # the microphone stays closed until asked
            voice.submit(self.ev.Start())
        except Exception as e:
            log.warning("the voice session could not start: %s", e)
            self._use_fallback(f"voice is not available: {e}")
            return
        with self._lock:
            self.voice, pending, self._pending = voice, self._pending, []
        for command in pending:
            self.submit(command)

    def submit(self, command: object) -> None:
        with self._lock:
            if self.voice is None and self.fallback is None:
                self._pending.append(command)
                return
        if self.fallback is not None:
            self.fallback.submit(command)
            return
        try:
            self._submit(command)
        except Exception as e:  # the session ended: say so instead of raising in the GUI
            log.warning("voice command %r failed: %s", command, e)
            self._emit(gui.ErrorEvent(f"The voice session is not running: {e}"))

    def _use_fallback(self, reason: str) -> None:
        self.listening = False
        self._emit(gui.Listening(False))
        if self._make_fallback is None:
            self._emit(gui.ErrorEvent(reason))
            return
        fallback = self._make_fallback()
        fallback.start(self._emit)
        with self._lock:
            self.fallback, pending, self._pending = fallback, self._pending, []
        self._emit(gui.ErrorEvent(f"{reason[:1].upper()}{reason[1:]}. Typed chat still works."))
        for command in pending:
            fallback.submit(command)

    def _submit(self, command: object) -> None:
        ev = self.ev
        if isinstance(command, gui.SendText):
            self.voice.submit(ev.TypedText(command.text))
        elif isinstance(command, gui.StartListening):
            self.listening, self.hands_free, self._ptt_released = True, command.hands_free, False
            self.voice.submit(ev.Mute(False))
            self._emit(gui.Listening(True))
        elif isinstance(command, gui.StopListening):
            self._stop_listening(wait_for_utterance=not self.hands_free)
        elif isinstance(command, gui.Interrupt):
            self.voice.submit(ev.Interrupt())
        elif isinstance(command, gui.ForgetMe) and self._forget is not None:
            threading.Thread(target=self._forget, name="wenda-forget", daemon=True).start()
        else:
            log.info("the voice session does not support %r", command)

    def _stop_listening(self, wait_for_utterance: bool) -> None:
        """Close the microphone; in push-to-talk an utterance under way is let finish."""
        if wait_for_utterance and self.listening:
            self._ptt_released = True
            timer = threading.Timer(PTT_GRACE_S, self._close_microphone)
            timer.daemon = True
            timer.start()
            return
        self._close_microphone()

    def _close_microphone(self) -> None:
        with self._lock:
            if not self.listening or self._closing:
                return
            self.listening = False
        try:
            self.voice.submit(self.ev.Mute(True))
        except Exception as e:
            log.debug("mute after stop failed: %s", e)
        self._emit(gui.Listening(False))

    def close(self) -> None:
        self._closing = True
        if self.voice is not None:
            try:
                self.voice.submit(self.ev.Stop())
            except Exception as e:
                log.debug("stop: %s", e)
            self.voice.wait(15.0)
            close_devices = getattr(self.voice, "close_devices", None)
            if close_devices is not None:
                close_devices()
        if self.fallback is not None:
            self.fallback.close()

    # ---- session -> window (session thread) ----

    def _on_voice_event(self, event: Any) -> None:
        name = type(event).__name__
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(event)
            return
        mapped = gui.to_gui_event(event)
        if mapped is not None:
            self._emit(mapped)

    def _on_Listening(self, event: Any) -> None:  # noqa: N802 (event type names)
        self._emit(gui.Listening(self.listening))

    def _on_Transcript(self, event: Any) -> None:  # noqa: N802
        if event.typed:
            return  # the window already shows what was typed
        self._emit(gui.Transcript(event.text, final=True))
        if self.listening and not self.hands_free:
            self._close_microphone()  # push-to-talk takes one utterance

    def _on_ReplyText(self, event: Any) -> None:  # noqa: N802
        from dialogue.reply import join_pieces

        sentences = self._sentences.setdefault(event.turn_id, [])
        sentences.append(event.text)
        language = getattr(getattr(self.voice, "settings", None), "language", "en")
        self._emit(gui.ReplyText(join_pieces(sentences, language)))

    def _on_TurnDone(self, event: Any) -> None:  # noqa: N802
        self._sentences.pop(event.turn_id, None)
        extra = dict(event.extra or {})
        times = event.times
        latency = None
        if times.done_s is not None and times.transcript_s is not None:
            first = times.first_audio_s or times.first_sentence_s or times.done_s
            start = times.speech_end_s or times.transcript_s
            latency = (first - start) * 1000.0
        sources = extra.get("sources") or ([event.source] if event.source else [])
        self._emit(gui.TurnDone(
            user_text=event.transcript, reply=event.reply, intent=event.intent,
            confidence=extra.get("confidence"), sources=tuple(map(str, sources)),
            latency_ms=latency, interrupted=event.interrupted,
        ))  # fmt: skip

    def _on_Error(self, event: Any) -> None:  # noqa: N802
        self._emit(gui.ErrorEvent(f"{event.stage}: {event.message}"))

    def _on_Stopped(self, event: Any) -> None:  # noqa: N802
        if self._closing:
            return
        reason = str(getattr(event, "reason", "stopped"))
        log.warning("the voice session ended (%s); typed chat goes on", reason)
        close_devices = getattr(self.voice, "close_devices", None)
        if close_devices is not None:
            close_devices()
        self.voice = None
        self._use_fallback(f"voice stopped ({reason})")
