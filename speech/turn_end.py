"""Is the user done? Smart Turn v3.2 judges the audio of a pause: complete or not yet.

Silence alone cannot tell "my order number is one two three ..." (a breath, more to come)
from "yes" (done): a fixed silence either cuts the first short or makes the second wait.
Smart Turn v3.2 (pipecat, BSD-2) is a Whisper-encoder classifier over the last 8 s of the
utterance that hears intonation and grammar; the listen stage asks it after a short silence
(``TurnRule.quick_ms``) and ends the turn at once when it says complete, and waits up to
``TurnRule.max_ms`` of silence otherwise.

Its input is Whisper's log-mel features of exactly 8 s of 16 kHz audio, the utterance at the
end and zeros in front, the waveform normalised to zero mean and unit variance first (the
``transformers`` feature extractor with ``do_normalize``). faster-whisper's feature extractor
computes the same spectrogram, so no third copy of that code is kept here.

The model file comes from the ``pipecat-ai`` wheel (installed ``--no-deps``; only the file is
used), copied and hash-checked by the model store like every other weight.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE, frames_of
from speech.endpoint import EndpointConfig
from speech.errors import ModelLoadError
from speech.listen import HeardPause, Listener, Utterance

log = logging.getLogger(__name__)

WINDOW_S = 8  # the model hears the last 8 s of the utterance
WINDOW_SAMPLES = WINDOW_S * SAMPLE_RATE
NORMALISE_EPS = 1e-7  # transformers' variance floor for do_normalize


@dataclass(frozen=True)
class TurnRule:
    """When a pause ends the turn.

    After ``quick_ms`` of silence the turn model is asked; "complete" (probability at or above
    ``threshold``) ends the turn there. Otherwise the turn ends after ``max_ms`` of silence,
    whatever the model said. Without a model the turn ends after ``max_ms``.
    """

    quick_ms: int = 200
    max_ms: int = 1600
    threshold: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.quick_ms < self.max_ms:
            raise ValueError(f"need 0 < quick_ms < max_ms, got {self.quick_ms}, {self.max_ms}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {self.threshold}")

    def complete(self, probability: float) -> bool:
        return probability >= self.threshold


class TurnModel(Protocol):
    """How likely an utterance (mono float32, 16 kHz, speech then the pause) is finished."""

    def completion(self, audio: np.ndarray) -> float:
        """P(the speaker is done) in [0, 1]."""
        ...


def window(audio: np.ndarray) -> np.ndarray:
    """The last ``WINDOW_S`` seconds, zeros in front when shorter, normalised as the model
    was trained: zero mean, unit variance over the whole window (padding included)."""
    audio = np.asarray(audio, dtype=np.float32)[-WINDOW_SAMPLES:]
    padded = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
    padded[WINDOW_SAMPLES - len(audio) :] = audio
    return (padded - padded.mean()) / np.sqrt(padded.var() + NORMALISE_EPS)


class SmartTurn:
    """Smart Turn v3.2 on onnxruntime; one call at a time (the caller's worker thread)."""

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        from speech.onnx_session import onnx_session

        started = time.perf_counter()
        try:
            self.session = onnx_session(model_path, threads)
        except Exception as e:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise ModelLoadError(
                f"cannot load the turn model {model_path}: {e}; "
                f"prepare it again (`wenda models prepare turn --force`)"
            ) from e
        self.features = FeatureExtractor(chunk_length=WINDOW_S)
        log.info("Smart Turn %s loaded in %.2f s", model_path, time.perf_counter() - started)

    def log_mel(self, audio: np.ndarray) -> np.ndarray:
        """(80, 800) float32 log-mel features of the model's 8 s window."""
        mel: Any = self.features(window(audio), padding=0)
        return np.asarray(mel[:, : WINDOW_SAMPLES // self.features.hop_length], dtype=np.float32)

    def completion(self, audio: np.ndarray) -> float:
        features = self.log_mel(audio)[np.newaxis]
        (probability,) = self.session.run(None, {"input_features": features})
        return float(np.asarray(probability).reshape(-1)[0])


def make_turn_model(model_path: str, threads: int = 1) -> TurnModel:
    """Load Smart Turn from ``model_path`` (the ONNX file or the folder holding it)."""
    path = Path(model_path)
    if path.is_dir():
        found = sorted(path.glob("*.onnx"))
        if not found:
            raise ModelLoadError(f"no .onnx turn model in {path}: wenda models prepare turn")
        path = found[0]
    if not path.is_file():
        raise ModelLoadError(f"no turn model at {path}: wenda models prepare turn")
    return SmartTurn(path, threads)


def endpoints(
    audio: np.ndarray,
    probabilities: np.ndarray,
    endpoint: EndpointConfig,
    rule: TurnRule | None = None,
    model: TurnModel | None = None,
) -> list[Utterance]:
    """The utterances a live session would cut from a recording, offline: the frames and
    their VAD probabilities through a :class:`~speech.listen.Listener`, the turn model asked
    at every ``rule.quick_ms`` pause (its verdict taken at once: no model latency). Without
    a model or rule, the plain silence rule of ``endpoint``. Times are seconds from the start.
    """
    if model is not None and rule is not None:
        endpoint = replace(endpoint, end_silence_ms=rule.max_ms)
    early_ms = rule.quick_ms if model is not None and rule is not None else 0
    listener = Listener(endpoint, early_ms=early_ms)
    cut: list[Utterance] = []
    for index, frame in enumerate(frames_of(audio)):
        start_s = index * FRAME_SAMPLES / SAMPLE_RATE
        heard = listener.push(frame, start_s, float(probabilities[index]))
        if isinstance(heard, HeardPause) and model is not None and rule is not None:
            if rule.complete(model.completion(heard.audio)):
                heard = listener.end(start_s + FRAME_SAMPLES / SAMPLE_RATE)
        if isinstance(heard, Utterance):
            cut.append(heard)
    last = listener.end(len(audio) / SAMPLE_RATE)
    return cut + ([last] if last is not None else [])
