"""openai-whisper (PyTorch) behind the Recognizer interface, on the converted checkpoint.

The bundled weights ship in CTranslate2 form; the app's model store converts them once into
openai-whisper's ``{"dims", "model_state_dict"}`` checkpoint, which ``whisper.load_model``
reads weights-only (no pickled code). Language detection is run here, not inside
``whisper.transcribe``, because that function neither reports the probability nor lets the
choice be limited to the app's languages.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from speech.audio import DTYPE, seconds
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

CHECKPOINT = "model.pt"
ALIGNMENT_HEADS = "alignment_heads.json"
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def find_checkpoint(path: Path) -> Path:
    """``path`` itself if a file, else ``model.pt`` in it or in its ``openai-whisper/``."""
    if path.is_file():
        return path
    for candidate in (path / CHECKPOINT, path / "openai-whisper" / CHECKPOINT):
        if candidate.is_file():
            return candidate
    raise ModelLoadError(
        f"no openai-whisper checkpoint in {path} (expected model.pt there or in "
        f"openai-whisper/); run `wenda models prepare asr` to convert the bundled model"
    )


def _set_alignment_heads(model: Any, heads_path: Path) -> None:
    """Word timestamps need the cross-attention heads that follow the words; whisper only
    knows them for OpenAI's own files, so the store writes them next to the checkpoint."""
    import torch

    try:
        pairs = json.loads(heads_path.read_text(encoding="utf-8"))["alignment_heads"]
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in pairs:
            mask[layer, head] = True
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        log.warning("ignoring %s (%s); word timestamps use the default heads", heads_path, e)
        return
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)


def _prompt(language_prompt: str | None, expect: Expectation | None) -> str | None:
    """openai-whisper has no hotwords: the expected words go first in the initial prompt,
    which is what faster-whisper's hotwords become too."""
    hint = expect.hint() if expect is not None else None
    return " ".join(p for p in (hint, language_prompt) if p) or None


class OpenAIWhisperRecognizer:
    """One loaded PyTorch Whisper; safe to call from one thread at a time."""

    def __init__(self, config: RecognizerConfig) -> None:
        import torch
        import whisper

        self.config = config
        checkpoint = find_checkpoint(Path(config.model_path))
        cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
        self.device = "cuda" if cuda else "cpu"
        started = time.perf_counter()
        try:
            self.model = whisper.load_model(str(checkpoint), device=self.device)
        except (RuntimeError, ValueError, OSError, KeyError, EOFError) as e:
            raise ModelLoadError(
                f"cannot load the openai-whisper checkpoint {checkpoint} on {self.device}: {e}; "
                f"convert it again (`wenda models prepare asr --force`)"
            ) from e
        heads = checkpoint.parent / ALIGNMENT_HEADS
        if heads.is_file():
            _set_alignment_heads(self.model, heads)
        self.multilingual = bool(self.model.is_multilingual)
        log.info(
            "openai-whisper %s (%s) loaded in %.2f s",
            checkpoint,
            self.device,
            time.perf_counter() - started,
        )

    def _detect(self, audio: np.ndarray) -> tuple[str, float]:
        """Language from the first 30 s, among the allowed ones."""
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), self.model.dims.n_mels)
        _, probabilities = self.model.detect_language(mel.to(self.model.device))
        return pick_language(dict(probabilities), self.config.languages)

    def transcribe(
        self, audio: np.ndarray, language: str | None = None, expect: Expectation | None = None
    ) -> Transcript:
        import whisper

        audio = np.ascontiguousarray(audio, dtype=DTYPE)
        chosen = resolve_language(language or self.config.language, self.multilingual)
        probability = 1.0
        if chosen is None:
            chosen, probability = self._detect(audio)
        guard = self.config.guard
        result = whisper.transcribe(
            self.model,
            audio,
            language=chosen,
            temperature=TEMPERATURES,
            compression_ratio_threshold=guard.compression_ratio_threshold,
            logprob_threshold=guard.logprob_threshold,
            no_speech_threshold=guard.no_speech_threshold,
            condition_on_previous_text=False,  # one invented line must not seed the next
            initial_prompt=_prompt(self.config.prompt(chosen), expect),
            fp16=self.device == "cuda",
            verbose=None,  # no printing, no progress bar
            # beam_size 1 through whisper's beam search is slower than its greedy decoder
            beam_size=beam if (beam := self.config.beam_size) > 1 else None,
            best_of=beam if beam > 1 else None,
        )
        decoded = [
            (
                s["start"],
                s["end"],
                ScoredText(
                    s["text"], s["avg_logprob"], s["no_speech_prob"], s["compression_ratio"]
                ),
            )
            for s in result["segments"]
        ]
        return build_transcript(decoded, chosen, probability, seconds(audio), guard)
