"""Errors of the voice session that a user can fix; kept import-free so the CLI can name
them without loading the pipeline."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class VoiceSetupError(Exception):
    """A voice session cannot be set up as configured; the message says how to fix it."""


class SessionError(Exception):
    """The voice session could not start or was used after it ended."""
