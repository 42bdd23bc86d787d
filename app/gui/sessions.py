"""The session the window talks to: the voice session, or typed chat through the same session
when voice cannot load (no microphone, no speech models), so typed chat always works.

:class:`SessionHost` is what runs inside the session process (``app.gui.session_process``):
it loads the models (seconds, GIL-heavy imports: never in the window's process), reports
``Ready``, relays events, and if the voice session ends on an error (the microphone was
unplugged) it carries on with typed chat on the same, already loaded, dialogue. No Qt here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from app.config import Config
from app.voice import events as ev
from app.voice.engines import Conversation, Engines

log = logging.getLogger(__name__)

EventSink = Callable[[object], None]


class Session(Protocol):
    """A running conversation the window talks to with ``app.voice.events`` commands."""

    def start(self, on_event: EventSink) -> None:
        """Begin; events arrive on ``on_event`` from the session's threads."""
        ...

    def submit(self, command: object) -> None:
        """Queue a command (thread-safe, returns at once)."""
        ...

    def close(self) -> None:
        """Stop everything and join the session's threads (ordered shutdown)."""
        ...


class NoVoice:
    """Typed chat only: stands in for VAD, recogniser and synthesiser, which never get audio
    (the microphone is silent) and say nothing."""

    name = "no voice"

    def probability(self, frame: np.ndarray) -> float:
        return 0.0

    def reset(self) -> None:
        pass

    def transcribe(self, audio: np.ndarray, language: str | None = None, expect: Any = None) -> Any:
        raise RuntimeError("typed chat has no speech recognition")

    def synthesize(self, text: str) -> np.ndarray:
        return np.zeros(0, dtype=np.float32)


def typed_engines(conversation: Conversation) -> Engines:
    """Engines for a session that only takes typed turns and only shows its replies."""
    from speech.microphone import SilentMicrophone
    from speech.sentences import SentenceAggregator
    from speech.speaker import SilentSpeaker

    silent = NoVoice()
    return Engines(
        microphone=SilentMicrophone(),
        speaker=SilentSpeaker(),
        vad=silent,
        recognizer=silent,
        synthesizer=silent,
        conversation=conversation,
        sentences=SentenceAggregator,
    )


def build_voice(config: Config, on_event: EventSink) -> Any:
    """The voice session on the configured devices (blocking: devices open, models load),
    with what serves the language now (``app.serving``: the wizard's activated models too)."""
    from app.serving import resolve
    from app.store.languages import prepare_language
    from app.voice.build import load_engines
    from app.voice.session import VoiceSession
    from speech.microphone import MicrophoneConfig, make_microphone
    from speech.speaker import SpeakerConfig, make_speaker

    prepare_language(config, config.general.language)  # first use (the window showed a bar)
    serving = resolve(config, speech=True)
    microphone = make_microphone(MicrophoneConfig(device=serving.input_device))
    speaker = make_speaker(SpeakerConfig(device=serving.output_device))  # opened even if
    try:  # replies are not spoken: the "speak replies" switch turns them on at any time
        engines = load_engines(serving, microphone, speaker)
    except BaseException:
        speaker.close()
        raise
    session = VoiceSession(engines, serving.voice, on_event, input_level=True)
    session.close_devices = speaker.close  # type: ignore[attr-defined]
    return session


def build_conversation(config: Config) -> Conversation:
    """The dialogue alone (typed chat), with what serves the language now."""
    from app.conversation import build_dialogue
    from app.serving import resolve
    from app.store.languages import prepare_language
    from app.voice.adapters import DialogueConversation

    prepare_language(config, config.general.language)  # first use (the window showed a bar)
    return DialogueConversation(build_dialogue(resolve(config)))


class SessionHost:
    """Voice if it loads, else typed chat; :meth:`start` blocks while models load."""

    def __init__(
        self,
        config: Config,
        make_voice: Callable[[Config, EventSink], Any] = build_voice,
        make_conversation: Callable[[Config], Conversation] = build_conversation,
    ) -> None:
        self.config = config
        self._make_voice, self._make_conversation = make_voice, make_conversation
        self._emit: EventSink = lambda event: None
        self.session: Any = None
        self.voice = False
        self.reason = ""
        self._closing = False
        self._lock = threading.Lock()
        self._pending: list[object] | None = []  # commands sent before the models loaded
        self._mic_closed = threading.Event()

    def start(self, on_event: EventSink) -> None:
        self._emit = on_event
        try:
            self.session, self.voice = self._make_voice(self.config, self._relay), True
        except Exception as e:  # no microphone, no speech models: typed chat still works
            log.warning("voice is not available: %s", e)
            self.reason = f"voice is not available: {e}"
            try:
                conversation = self._make_conversation(self.config)
            except Exception as e2:
                self._pending = None
                self._emit(ev.Error(0, "dialogue", f"The assistant could not load: {e2}"))
                self._emit(ev.Stopped(f"error: {e2}"))
                return
            self.session = self._typed_session(conversation)
        self.session.start(listen=False)
        if self.voice:
            self.session.submit(ev.Mute(True))  # the microphone stays closed until asked
            self.session.submit(ev.SpeakReplies(self.config.tts.enabled))
            # Ready must not overtake the "microphone closed" event, or a button pressed
            # right after Ready would be released by it.
            self._mic_closed.wait(5.0)
        self.session.submit(ev.Start())
        self._emit(ev.Ready(self.voice, self.reason))
        with self._lock:
            pending, self._pending = self._pending or [], None
        for command in pending:
            self.submit(command)

    def _typed_session(self, conversation: Conversation) -> Any:
        from app.voice.session import VoiceSession

        settings = _typed_settings(self.config.general.language)
        return VoiceSession(typed_engines(conversation), settings, self._relay)

    def submit(self, command: object) -> None:
        with self._lock:
            if self._pending is not None:  # still loading: run it once the models are up
                self._pending.append(command)
                return
        session = self.session
        if session is None:
            self._emit(ev.Error(0, "session", "The assistant is not running."))
            return
        if not self.voice and isinstance(command, ev.Mute | ev.FinishUtterance):
            if isinstance(command, ev.Mute) and not command.muted:
                message = f"Cannot listen: {self.reason}. Type instead."
                self._emit(ev.Error(0, "microphone", message))
            self._emit(ev.MicrophoneChanged(False))
            return
        try:
            session.submit(command)
        except Exception as e:  # the session ended: say so, never raise into the caller
            self._emit(ev.Error(0, "session", f"The assistant is not running: {e}"))

    def close(self) -> None:
        self._closing = True
        session = self.session
        if session is None:
            return
        try:
            session.submit(ev.Stop())
        except Exception as e:
            log.debug("stop: %s", e)
        session.wait(15.0)
        _close_devices(session)

    def _relay(self, event: object) -> None:
        """Every session event goes out; a voice session that dies hands over to typed chat."""
        if isinstance(event, ev.MicrophoneChanged) and not event.open:
            self._mic_closed.set()
        if isinstance(event, ev.Stopped) and self.voice and not self._closing:
            self._fall_back(event.reason)
            return
        self._emit(event)

    def _fall_back(self, reason: str) -> None:
        old = self.session
        log.warning("the voice session ended (%s); typed chat goes on", reason)
        _close_devices(old)
        self.voice, self.reason = False, f"voice stopped ({reason})"
        self.session = self._typed_session(old.engines.conversation)
        self.session.start(listen=True)
        self._emit(ev.MicrophoneChanged(False))
        self._emit(ev.Error(0, "session", f"Voice stopped ({reason}). Typed chat still works."))
        self._emit(ev.Ready(False, self.reason))


def _typed_settings(language: str) -> Any:
    from app.voice.settings import VoiceSettings

    return VoiceSettings(echo=None, lead_chunk_words=0, early_asr_ms=0, language=language)


def _close_devices(session: Any) -> None:
    close = getattr(session, "close_devices", None)
    if close is not None:
        try:
            close()
        except Exception as e:
            log.debug("closing devices: %s", e)
