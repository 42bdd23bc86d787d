"""onnxruntime sessions for the speech models (Silero VAD, Piper, Kokoro), set up alike.

Worker threads do not spin while idle: in a voice assistant the voice synthesizes while
Whisper or the chat model also runs, and spinning threads then steal the cores those need.
Measured on two busy cores, Kokoro ran about 35% faster without spinning.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from speech.cpu import cpu_count

log = logging.getLogger(__name__)


def onnx_session(path: Path, threads: int = 0) -> Any:
    """A CPU InferenceSession for ``path``; ``threads`` 0 means every usable core.

    Raises whatever onnxruntime raises for a bad file; callers turn it into ModelLoadError.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_count()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
