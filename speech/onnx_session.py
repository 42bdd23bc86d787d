"""onnxruntime sessions for the speech models (Silero VAD, Piper, Kokoro), set up alike.

Worker threads do not spin while idle: in a voice assistant the voice synthesizes while
Whisper or the chat model also runs, and spinning threads then steal the cores those need.
Measured on two busy cores, Kokoro ran about 35% faster without spinning.

The voices (Piper, Kokoro) run without onnxruntime's memory arena: the arena keeps the
largest buffers it ever needed and grows again for each longer sentence, so a session that
had spoken a few long replies held 180-230 MB more than one that had not (measured with
Piper; BENCHMARKS.md, "Desktop app"). Without it their buffers go back to malloc after each
sentence, at about a tenth more synthesis time (Piper's real-time factor 0.060 -> 0.065-0.070
on an idle machine: the buffers are page-faulted in afresh each time).
The VAD keeps its arena: fixed 32 ms frames, 30 times a second, tiny buffers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from speech.cpu import cpu_count

log = logging.getLogger(__name__)


def onnx_session(path: Path, threads: int = 0, memory_arena: bool = True) -> Any:
    """A CPU InferenceSession for ``path``; ``threads`` 0 means every usable core.

    ``memory_arena`` False for models whose input length varies widely (see above).

    Raises whatever onnxruntime raises for a bad file; callers turn it into ModelLoadError.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_count()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_cpu_mem_arena = memory_arena
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
