"""What the window needs from a voice session: the events it shows and the commands it sends.

The session (``app/voice``) runs its own asyncio loop in a background thread and reports
through one callback; the window sends it commands with ``submit``. This module is the
window's side of that contract, with no Qt: frozen event and command types, a ``Session``
protocol, and :func:`to_gui_event`, which maps another module's event objects onto these by
name and fields, so the window keeps working while the session's own types evolve.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

# ---- events (session -> window) ----


@dataclass(frozen=True)
class Listening:
    """The microphone is open (``active``) or closed."""

    active: bool = True


@dataclass(frozen=True)
class SpeechStarted:
    """The user started speaking (also the moment a barge-in happens)."""


@dataclass(frozen=True)
class InputLevel:
    """Microphone loudness for the meter, 0 (silence) to 1 (full scale), about 20 per second."""

    level: float


@dataclass(frozen=True)
class Transcript:
    """What the user said so far (``final`` once the utterance ended)."""

    text: str
    final: bool = True


@dataclass(frozen=True)
class Thinking:
    """The reply is being worked out."""


@dataclass(frozen=True)
class ReplyText:
    """The reply so far (the whole text, not a delta); ``final`` when complete."""

    text: str
    final: bool = False


@dataclass(frozen=True)
class Speaking:
    """Playback of the reply started."""


@dataclass(frozen=True)
class SentencePlayed:
    """One sentence of the reply was played to the end."""

    text: str = ""


@dataclass(frozen=True)
class TurnDone:
    """One turn finished; the details are shown on demand under Wenda's bubble."""

    user_text: str = ""
    reply: str = ""
    intent: str = ""
    confidence: float | None = None
    sources: tuple[str, ...] = ()
    latency_ms: float | None = None
    interrupted: bool = False


@dataclass(frozen=True)
class ErrorEvent:
    """Something failed; shown as a message in the conversation, the session goes on."""

    message: str


GuiEvent = (
    Listening
    | SpeechStarted
    | InputLevel
    | Transcript
    | Thinking
    | ReplyText
    | Speaking
    | SentencePlayed
    | TurnDone
    | ErrorEvent
)

# ---- commands (window -> session) ----


@dataclass(frozen=True)
class SendText:
    """A typed message: handled like a spoken one, minus recognition."""

    text: str


@dataclass(frozen=True)
class StartListening:
    """Open the microphone. ``hands_free``: keep listening turn after turn; otherwise take
    one utterance (push-to-talk) until :class:`StopListening`."""

    hands_free: bool = False


@dataclass(frozen=True)
class StopListening:
    """Close the microphone; an utterance in progress is still recognised."""


@dataclass(frozen=True)
class Interrupt:
    """Barge-in by click: stop speaking and generating now."""


@dataclass(frozen=True)
class Mute:
    """Speak replies aloud or not."""

    muted: bool


@dataclass(frozen=True)
class ForgetMe:
    """Delete this user's history and profile."""


EventSink = Callable[[object], None]


class Session(Protocol):
    """A running conversation the window talks to; every method returns at once."""

    def start(self, on_event: EventSink) -> None:
        """Begin; events arrive on ``on_event`` from the session's thread."""
        ...

    def submit(self, command: object) -> None:
        """Queue a command (thread-safe)."""
        ...

    def close(self) -> None:
        """Stop everything and join the session's thread (ordered shutdown)."""
        ...


# ---- adapting foreign events ----

_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "listening": lambda e: Listening(bool(getattr(e, "active", True))),
    "speechstarted": lambda e: SpeechStarted(),
    "inputlevel": lambda e: InputLevel(float(getattr(e, "level", 0.0))),
    "transcript": lambda e: Transcript(
        str(getattr(e, "text", "")), bool(getattr(e, "final", True))
    ),
    "thinking": lambda e: Thinking(),
    "replytext": lambda e: ReplyText(str(getattr(e, "text", "")), bool(getattr(e, "final", False))),
    "speaking": lambda e: Speaking(),
    "sentenceplayed": lambda e: SentencePlayed(str(getattr(e, "text", ""))),
    "error": lambda e: ErrorEvent(str(getattr(e, "message", e))),
}


def _turn_done(event: Any) -> TurnDone:
    """TurnDone from any object with some of the fields (a dialogue turn result included)."""
    result = getattr(event, "result", None) or event
    get = lambda name, default=None: getattr(event, name, getattr(result, name, default))  # noqa: E731
    sources = get("sources", ()) or ()
    confidence, latency = get("confidence"), get("latency_ms")
    return TurnDone(
        user_text=str(get("user_text", "") or get("transcript", "") or ""),
        reply=str(get("reply", "") or get("text", "") or ""),
        intent=str(get("intent", "") or ""),
        confidence=float(confidence) if confidence is not None else None,
        sources=tuple(str(getattr(s, "source", s)) for s in sources),
        latency_ms=float(latency) if latency is not None else None,
        interrupted=bool(get("interrupted", False)),
    )


def to_gui_event(event: object) -> object | None:
    """The window's event for ``event`` (ours pass through), or None for one it ignores."""
    if isinstance(event, GuiEvent):
        return event
    name = str(getattr(event, "kind", "") or type(event).__name__).lower()
    name = name.replace("_", "").removesuffix("event").removesuffix("frame")
    if name in ("turndone", "turnended", "turn"):
        return _turn_done(event)
    if name in ("error", "errorevent") or isinstance(event, Exception):
        return ErrorEvent(str(getattr(event, "message", event)))
    convert = _SIMPLE.get(name)
    if convert is None:
        log.debug("ignoring session event %r", event)
        return None
    return convert(event)
