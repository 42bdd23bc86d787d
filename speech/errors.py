"""Errors the speech layer reports: each message says what failed and what the user can do.

They share one base class so an entry point can turn all of them into a plain message
without a traceback.
"""

from __future__ import annotations


class SpeechError(Exception):
    """Base of every error the speech layer raises on purpose."""


class AudioFileError(SpeechError):
    """An audio file is missing, empty, damaged, too long or in a format we cannot decode."""


class AudioDeviceError(SpeechError):
    """No usable microphone or speaker, or the audio device failed while running."""


class ModelLoadError(SpeechError):
    """A speech model (Whisper, VAD, voice) is missing, damaged or cannot run here."""


class SynthesisError(SpeechError):
    """A voice could not turn a piece of text into audio."""


class LanguageError(SpeechError):
    """A language was asked of a model that does not know it (e.g. zh from tiny.en)."""
