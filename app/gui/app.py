"""Start the desktop app: the Qt application, the session, the main window; then an ordered
shutdown (window, session thread, plots) so the process exits cleanly.

The session is the voice session when its engines load (microphone, speech models), else the
typed-chat session: typed chat always works. Sessions load their models on their own threads,
so the window appears at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from app.config import Config
from app.gui.session_api import Session
from app.gui.text_session import TextSession

log = logging.getLogger(__name__)


def _dialogue_builder(config: Config) -> Callable[[], object]:
    """Builds the dialogue manager (seconds: models load) with the user's active NLU model."""

    def build() -> object:
        from app.conversation import ChatOptions, build_dialogue
        from app.models_active import active_model, slot_name

        language = config.general.language
        active = active_model(slot_name("nlu", language))
        return build_dialogue(config, ChatOptions(nlu_model=str(active) if active else ""))

    return build


def forget_local_user() -> None:
    """Delete the local user's history and profile from the memory database."""
    from app.conversation import DEFAULT_USER, memory_file
    from dialogue.memory import Memory

    memory = Memory(memory_file())
    try:
        memory.forget(DEFAULT_USER)
    finally:
        memory.close()


def make_text_session(config: Config, reason: str = "") -> Session:
    return TextSession(_dialogue_builder(config), reason)


def build_voice_session(config: Config, on_event: Callable[[object], None]) -> Any:
    """The voice session on the configured devices, its microphone tapped for the level
    meter (blocking: devices open and models load; the adapter calls it on a thread)."""
    from app.gui.session_api import InputLevel
    from app.gui.voice_adapter import LevelTap
    from app.models_active import active_model, slot_name
    from app.voice.build import TalkOptions, load_engines, voice_settings
    from app.voice.devices import QueueSpeaker, TimedMicrophone
    from app.voice.session import VoiceSession

    language = config.general.language
    if active_model(slot_name("nlu", language)) is not None:
        log.info(
            "the voice session uses the domain's NLU model; the activated one needs "
            "app.voice.build to honour app.models_active"
        )
    microphone = LevelTap(
        TimedMicrophone(config.audio.input_device), lambda level: on_event(InputLevel(level))
    )
    speaker = QueueSpeaker(config.audio.output_device)
    try:
        engines = load_engines(config, TalkOptions(language=language), microphone, speaker)
    except BaseException:
        speaker.close()
        raise
    session = VoiceSession(engines, voice_settings(config, language), on_event)
    session.close_devices = speaker.close  # type: ignore[attr-defined]
    return session


def make_session(config: Config) -> Session:
    """The voice session behind the window's contract; typed chat when voice cannot load."""
    try:
        import app.voice.session  # noqa: F401
        from app.gui.voice_adapter import VoiceAdapter
    except ImportError as e:
        log.info("voice session not available (%s); typed chat only", e)
        return make_text_session(config, "the voice session is not installed")
    return VoiceAdapter(
        lambda on_event: build_voice_session(config, on_event),
        fallback=lambda: make_text_session(config, "the voice session stopped"),
        forget=forget_local_user,
    )


def run_app(config: Config, session: Session | None = None, argv: list[str] | None = None) -> int:
    """Show the window until it is closed; returns the exit code."""
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Wenda")
    session = session or make_session(config)
    window = MainWindow(session, config)
    try:
        session.start(window.bridge.post)
    except Exception as e:  # e.g. no audio device: typed chat still works
        log.warning("session failed to start: %s", e)
        session = make_text_session(config, str(e))
        window.session = session
        session.start(window.bridge.post)
    window.show()
    try:
        return int(app.exec())
    finally:
        window.close()
        window.session.close()  # joins the session thread before Qt objects go away
        app.processEvents()
