"""Process-wide memory settings for a voice session (``wenda talk``, ``wenda bench voice``)."""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt parameter


def cap_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives every thread that allocates its own heap; with a dozen model and audio
    threads that cost about 100 MB of resident memory here. Two shared heaps are plenty.
    Call it at start-up, before the model threads exist."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):  # not glibc: nothing to do
        log.debug("malloc arenas left as they are")
