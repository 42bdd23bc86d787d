"""What the window shows under a reply on demand: intent, confidence, sources, latency.

Pure: made from the voice session's ``TurnDone`` (``app.voice.events``), no Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.voice.events import TurnDone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnDetails:
    """One finished turn as the chat shows it; ``latency_ms`` runs from the end of the user's
    speech (or the typed text's arrival) to the first audio (or the first sentence shown)."""

    user_text: str
    reply: str
    intent: str = ""
    confidence: float | None = None
    sources: tuple[str, ...] = ()
    latency_ms: float | None = None
    interrupted: bool = False


def details_of(event: TurnDone) -> TurnDetails:
    """The details of a finished turn; ``extra`` is the dialogue's turn result as JSON."""
    extra = dict(event.extra or {})
    times = event.times
    latency = None
    start = times.speech_end_s if times.speech_end_s is not None else times.transcript_s
    first = times.first_audio_s or times.first_sentence_s
    if start is not None and first is not None:
        latency = max(0.0, (first - start) * 1000.0)
    confidence = extra.get("confidence")
    sources = extra.get("sources") or ([event.source] if event.source else [])
    return TurnDetails(
        user_text=event.transcript,
        reply=event.reply,
        intent=event.intent,
        confidence=float(confidence) if confidence is not None else None,
        sources=tuple(str(s) for s in sources),
        latency_ms=latency,
        interrupted=event.interrupted,
    )


def describe(turn: TurnDetails) -> str:
    """The details line under a reply: what the assistant understood and how fast."""
    parts = []
    if turn.intent:
        conf = f" ({turn.confidence:.0%})" if turn.confidence is not None else ""
        parts.append(f"intent: {turn.intent}{conf}")
    if turn.latency_ms is not None:
        parts.append(f"latency: {turn.latency_ms:.0f} ms")
    if turn.interrupted:
        parts.append("interrupted")
    text = " · ".join(parts) or "no details"
    if turn.sources:
        text += "\nsources: " + ", ".join(turn.sources)
    return text
