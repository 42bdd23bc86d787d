"""faster-whisper (CTranslate2) behind the Recognizer interface: int8 on CPU, float16 on CUDA.

int8 keeps Whisper base at a fraction of real time on two CPU cores with the same words as
float32; CUDA gets float16, its fast path.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from speech.audio import DTYPE, seconds
from speech.encoder_window import WindowedEncoder, window_frames
from speech.errors import ModelLoadError
from speech.expectation import Expectation
from speech.hallucination import ScoredText
from speech.recognition import (
    RecognizerConfig,
    build_transcript,
    pick_language,
    resolve_language,
)
from speech.transcript import Transcript

log = logging.getLogger(__name__)

TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # Whisper's fallback when a decode looks wrong


def find_model_dir(path: Path) -> Path:
    """The CTranslate2 folder: ``path`` itself, or its ``ctranslate2/`` (the store's layout)."""
    for candidate in (path, path / "ctranslate2"):
        if (candidate / "model.bin").is_file():
            return candidate
    raise ModelLoadError(
        f"no faster-whisper model in {path} (expected model.bin there or in ctranslate2/); "
        f"run `wenda models prepare asr` or point --model at a CTranslate2 Whisper folder"
    )


def _device(requested: str) -> str:
    if requested != "auto":
        return requested
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


class FasterWhisperRecognizer:
    """One loaded CTranslate2 Whisper; safe to call from one thread at a time."""

    def __init__(self, config: RecognizerConfig) -> None:
        from faster_whisper import WhisperModel

        self.config = config
        model_dir = find_model_dir(Path(config.model_path))
        device = _device(config.device)
        compute_type = "float16" if device == "cuda" else "int8"
        started = time.perf_counter()
        try:
            self.model = WhisperModel(
                str(model_dir),
                device=device,
                compute_type=compute_type,
                cpu_threads=config.cpu_threads(),
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelLoadError(
                f"cannot load the Whisper model in {model_dir} on {device}: {e}; "
                f"prepare it again (`wenda models prepare asr --force`) or choose --device cpu"
            ) from e
        self.multilingual = bool(self.model.model.is_multilingual)
        self._window = WindowedEncoder(self.model.encode)
        self.model.encode = self._window  # type: ignore[method-assign]
        log.info(
            "faster-whisper %s (%s, %s) loaded in %.2f s",
            model_dir,
            device,
            compute_type,
            time.perf_counter() - started,
        )

    def _run(
        self, audio: np.ndarray, language: str | None, hotwords: str | None = None
    ) -> tuple[list[Any], Any]:
        guard = self.config.guard
        segments, info = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.config.beam_size,
            temperature=list(TEMPERATURES),
            compression_ratio_threshold=guard.compression_ratio_threshold,
            log_prob_threshold=guard.logprob_threshold,
            no_speech_threshold=guard.no_speech_threshold,
            condition_on_previous_text=False,  # one invented line must not seed the next
            initial_prompt=self.config.prompt(language) if language else None,
            vad_filter=False,  # the gate in front of us has already run Silero
            hotwords=hotwords,
        )
        return segments, info

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: Expectation | None = None
    ) -> Transcript:
        audio = np.ascontiguousarray(audio, dtype=DTYPE)
        self._window.frames = window_frames(seconds(audio), self.config.window_s)
        wanted = resolve_language(language or self.config.language, self.multilingual)
        hotwords = expect.hint() if expect is not None else None
        segments, info = self._run(audio, wanted, hotwords)
        chosen, probability = info.language, float(info.language_probability)
        if wanted is None and self.config.languages and chosen not in self.config.languages:
            # Detection picked a language the app does not speak: decode again in the likeliest
            # allowed one (the segments are lazy, so nothing was decoded yet).
            chosen, probability = pick_language(
                dict(info.all_language_probs or []), self.config.languages
            )
            log.info("detected %s, not allowed; decoding as %s", info.language, chosen)
            segments, _ = self._run(audio, chosen, hotwords)
        elif wanted is None and self.config.prompt(chosen):
            segments, _ = self._run(audio, chosen, hotwords)  # with that language's prompt
        decoded = [
            (
                s.start,
                s.end,
                ScoredText(s.text, s.avg_logprob, s.no_speech_prob, s.compression_ratio),
            )
            for s in segments
        ]
        return build_transcript(decoded, chosen, probability, seconds(audio), self.config.guard)
