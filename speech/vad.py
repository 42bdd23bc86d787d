"""Voice activity detection: Silero VAD's bundled ONNX model run directly with onnxruntime.

One call scores one 32 ms frame (512 samples at 16 kHz). The model is recurrent: its state
and the last 64 samples of the previous frame carry over between calls, so one detector
follows one stream, and :meth:`Vad.reset` starts a new one. A detector is not thread-safe;
give each stream (microphone, file gate) its own, they are cheap (2 MB).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, frames_of
from speech.errors import ModelLoadError
from speech.onnx_session import onnx_session

log = logging.getLogger(__name__)

CONTEXT_SAMPLES = 64  # the v5+ model expects the previous frame's tail prepended
STATE_SHAPE = (2, 1, 128)
MODEL_FILE = "silero_vad.onnx"


class Vad(Protocol):
    """Speech probability of consecutive frames of one stream."""

    def probability(self, frame: np.ndarray) -> float:
        """P(speech) in [0, 1] for one ``FRAME_SAMPLES`` float32 frame, the next in time."""
        ...

    def reset(self) -> None:
        """Forget the stream so far (call before an unrelated recording)."""
        ...


@dataclass(frozen=True)
class VadConfig:
    model_path: str  # silero_vad.onnx, or the folder holding it
    threads: int = 1  # one core is plenty (well under 1 ms a frame) and leaves the rest free


class SileroVad:
    """Silero VAD v5/v6 ONNX: inputs ``input`` [1, 64+512], ``state`` [2, 1, 128], ``sr``."""

    def __init__(self, config: VadConfig) -> None:
        path = Path(config.model_path)
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise ModelLoadError(f"VAD model {path} is missing; run `wenda models prepare vad`")
        try:
            self._session = onnx_session(path, config.threads)
        except Exception as e:  # onnxruntime raises its own untyped errors on bad files
            raise ModelLoadError(
                f"cannot load the VAD model {path}: {e}; run `wenda models prepare vad --force`"
            ) from e
        self._rate = np.array(SAMPLE_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros(STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros((1, CONTEXT_SAMPLES), dtype=np.float32)

    def probability(self, frame: np.ndarray) -> float:
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(f"VAD frames are {FRAME_SAMPLES} samples, got {frame.shape}")
        x = np.concatenate([self._context, frame.astype(np.float32)[None, :]], axis=1)
        out, self._state = self._session.run(
            None, {"input": x, "state": self._state, "sr": self._rate}
        )
        self._context = x[:, -CONTEXT_SAMPLES:]
        return float(out[0, 0])


def make_vad(config: VadConfig) -> Vad:
    """The Silero detector (onnxruntime is imported here, not when ``speech`` is)."""
    return SileroVad(config)


def frame_probabilities(audio: np.ndarray, vad: Vad) -> np.ndarray:
    """P(speech) of every 32 ms frame of a whole recording, from a fresh stream state."""
    vad.reset()
    probabilities = np.array([vad.probability(f) for f in frames_of(audio)], dtype=np.float32)
    vad.reset()
    return probabilities
