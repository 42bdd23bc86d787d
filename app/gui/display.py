"""Whether a window can be shown here; no Qt import, so ``wenda`` can ask cheaply."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def has_display() -> bool:
    """True on Windows and macOS, with an X11 or Wayland display, or when a Qt platform was
    chosen explicitly (``QT_QPA_PLATFORM=offscreen`` for tests and screenshots)."""
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
