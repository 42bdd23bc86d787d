"""Process-wide memory settings for a process that runs the models (the desktop app's session
process, ``wenda talk``, ``wenda bench voice``): what keeps the app under its resident-memory
budget (BENCHMARKS.md, "Desktop app").
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt parameter


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


def cap_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives every thread that allocates its own heap; with a dozen model and audio
    threads that cost about 100 MB of resident memory here. Two shared heaps are plenty.
    Call it at start-up, before the model threads exist."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        log.debug("malloc arenas left as they are")
        return
    libc.mallopt(M_ARENA_MAX, arenas)


def skip_triton() -> None:
    """Keep Triton (a GPU kernel compiler) out of this process.

    torch imports it whenever torch._dynamo loads, which transformers does for every model,
    and that alone costs about 100 MB resident. Wenda never compiles models (eager inference
    on the CPU or a GPU), so nothing here uses it; it is installed only because
    openai-whisper depends on it. With ``None`` in ``sys.modules`` every ``import triton``
    fails as if it were absent, which torch and transformers handle. Call it before torch
    loads; after that it is too late and is left alone.
    """
    if "triton" in sys.modules or "torch._dynamo" in sys.modules:
        log.debug("triton is already imported (or checked for) in this process")
        return
    sys.modules["triton"] = None  # type: ignore[assignment]


def configure_model_process() -> None:
    """Both settings above; the first thing a process that will load the models does."""
    cap_malloc_arenas()
    skip_triton()


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc ``malloc_trim``).

    A turn allocates and frees hundreds of MB (audio, activations, tensors of the reply);
    glibc keeps freed pages resident for reuse, so without this the session's resident size
    only ever grows. Costs a few milliseconds; called when a turn is over.
    """
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
