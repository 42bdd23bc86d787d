"""CPU threading for the models: how many cores, and OpenMP threads that yield when idle.

PyTorch (openai-whisper) and CTranslate2 (faster-whisper) run on OpenMP, whose worker
threads spin while waiting at each barrier. When the cores are shared (the voice, the chat
model, another program), a spinning thread burns the time slice the one it waits for needs:
measured here on two busy cores, openai-whisper base took 8-9 s for a 3 s clip with
spinning threads and 1.2-1.7 s with ``OMP_WAIT_POLICY=PASSIVE``, and faster-whisper was
unchanged. The variable is read once, when the OpenMP runtime starts (at the first import
of torch or ctranslate2), so entry points should call :func:`prefer_passive_openmp` early;
the recognizer factory calls it too, as a best effort.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def cpu_count() -> int:
    """Cores this process may run on (not the machine's total, under taskset or a quota)."""
    return len(os.sched_getaffinity(0))


def prefer_passive_openmp() -> None:
    """Ask OpenMP threads to sleep rather than spin when idle, unless the user chose."""
    if "OMP_WAIT_POLICY" in os.environ:
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    started = [name for name in ("torch", "ctranslate2") if name in sys.modules]
    if started:
        log.debug("OMP_WAIT_POLICY set after %s was imported; it may not take effect", started)
