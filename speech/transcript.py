"""What was said: the one type a transcript has from Whisper to the window.

A :class:`Transcript` is born in the recognizer, travels the voice pipeline as a frame (the
pipeline sets ``turn_id``; a typed turn is a transcript with ``typed``) and reaches the GUI
as the same object, pickled across the process pipe. So this module imports nothing: the
window's process must never load a model library to read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A stretch of recognized speech; times in seconds from the start of the audio."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said. ``language`` is None when there was no speech to identify.

    ``turn_id`` names the voice turn it belongs to (0 outside a conversation) and ``typed``
    marks text the user typed instead of saying; empty text means nothing usable was heard.
    ``partial`` marks what was heard so far while the user is still speaking: shown, then
    replaced by the turn's final transcript, and never answered.
    """

    text: str
    language: str | None = None
    language_probability: float = 0.0
    segments: tuple[Segment, ...] = ()
    audio_seconds: float = 0.0
    turn_id: int = 0
    typed: bool = False
    partial: bool = False

    @property
    def empty(self) -> bool:
        return not self.text

    @classmethod
    def silent(cls, audio_seconds: float) -> Transcript:
        return cls("", None, 0.0, (), audio_seconds)
