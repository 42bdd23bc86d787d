"""What can go wrong while generating a reply, as exceptions the dialogue manager can catch.

Every generator raises only these (causes chained), so the manager handles one family at its
boundary and the CLI turns them into one plain message.
"""

from __future__ import annotations


class GeneratorError(Exception):
    """A reply could not be generated; the message says what failed and what the user can do."""


class ModelLoadError(GeneratorError):
    """The chat model or its LoRA adapter could not be loaded from disk."""


class GenerationTimeout(GeneratorError):
    """Generation ran past ``timeout_s``; the pieces before it were already yielded.

    ``partial`` holds that text so a caller that collected nothing can still use it.
    """

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial


class ServerError(GeneratorError):
    """The OpenAI-compatible server refused the request, failed, or could not be reached."""
