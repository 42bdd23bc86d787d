"""Errors the model store reports to users: what is wrong and the command that fixes it."""

from __future__ import annotations


class ModelStoreError(Exception):
    """A model cannot be prepared or used. ``str()`` is the whole user-facing message."""

    def __init__(self, message: str, fix: str = "") -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\n  fix: {fix}" if fix else message)


class SourceMissingError(ModelStoreError):
    """A weight package (or one file in it) is not installed."""


class SourceCorruptError(ModelStoreError):
    """A weight file is installed but its bytes are wrong (truncated, damaged, other version)."""


class ConversionError(ModelStoreError):
    """A weight file could not be converted (truncated, corrupt, or a layout we do not know)."""
