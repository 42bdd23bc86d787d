"""onnxruntime sessions for the speech models (Silero VAD, Piper, Kokoro), set up alike.

Worker threads do not spin while idle: in a voice assistant the voice synthesizes while
Whisper or the chat model also runs, and spinning threads then steal the cores those need.
Measured on two busy cores, Kokoro ran about 35% faster without spinning.

The voices (Piper, Kokoro) shrink onnxruntime's memory arena after every run
(:class:`ShrinkingSession`). A plain arena keeps the largest buffers it ever needed and grows
again for each longer sentence: after nine Chinese replies Kokoro held 864 MB (616 MB more
than loaded), Piper 100-170 MB more after a few long English ones. With no arena at all the
buffers (32-128 MB each for Kokoro) are mapped and page-faulted afresh for every tensor: 9
million page faults and 40% more time for the same nine replies. Shrinking after each run
keeps the arena's reuse inside a sentence and gives the memory back between sentences:
Kokoro 392 MB at the plain arena's speed (BENCHMARKS.md, "Desktop app"). Short sentences
gain nothing (their buffers are reused from the heap anyway) and Piper's first audio comes
about 15 ms later, but its peak is 60-70 MB lower, which the app's memory budget needs more.
The VAD keeps a plain arena: fixed 32 ms frames, 30 times a second, tiny buffers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from speech.cpu import cpu_count

log = logging.getLogger(__name__)


SHRINK_CPU_ARENA = ("memory.enable_memory_arena_shrinkage", "cpu:0")


class ShrinkingSession:
    """An InferenceSession whose memory arena gives its free chunks back after every run.

    For models whose input length varies widely (see above). Everything but ``run`` is the
    wrapped session's own, so libraries that take a session (Piper, kokoro-onnx) use it as is.
    """

    def __init__(self, session: Any) -> None:
        import onnxruntime as ort

        self.session = session
        self.run_options = ort.RunOptions()
        self.run_options.add_run_config_entry(*SHRINK_CPU_ARENA)

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        """``session.run``, shrinking the arena at the end unless the caller brings options."""
        return self.session.run(output_names, input_feed, run_options or self.run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def onnx_session(path: Path, threads: int = 0, shrink_arena: bool = False) -> Any:
    """A CPU InferenceSession for ``path``; ``threads`` 0 means every usable core.

    ``shrink_arena`` for models whose input length varies widely: a :class:`ShrinkingSession`.

    Raises whatever onnxruntime raises for a bad file; callers turn it into ModelLoadError.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_count()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return ShrinkingSession(session) if shrink_arena else session
