"""espeak-ng, the fallback voice: a system program with no weights that is always there.

Robotic but intelligible in English (its Mandarin is not; it is only the last resort there).
Text goes in on stdin, never on the command line, so no text can look like an option.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

import numpy as np

from speech.audio import DTYPE, to_mono
from speech.errors import ModelLoadError, SynthesisError
from speech.sentences import spoken_clock_times
from speech.synthesis import VoiceConfig, to_app_audio

log = logging.getLogger(__name__)

DEFAULT_VOICES = {"en": "en-us", "zh": "cmn"}
WORDS_PER_MINUTE = 175  # espeak-ng's own default pace
TIMEOUT_S = 60


class EspeakSynthesizer:
    def __init__(self, config: VoiceConfig) -> None:
        self._program = shutil.which("espeak-ng")
        if self._program is None:
            raise ModelLoadError(
                "espeak-ng is not installed; install it (Debian/Ubuntu: "
                "`sudo apt-get install espeak-ng`)"
            )
        self._voice = config.voice or DEFAULT_VOICES.get(config.language, config.language)
        self._wpm = round(WORDS_PER_MINUTE * config.speed)
        self.name = f"espeak-ng:{self._voice}"
        self._english = config.language == "en"

    def synthesize(self, text: str) -> np.ndarray:
        import soundfile as sf

        if not text.strip():
            return np.zeros(0, dtype=DTYPE)
        if self._english:
            text = spoken_clock_times(text)
        command = [self._program or "espeak-ng", "--stdin", "--stdout"]
        command += ["-v", self._voice, "-s", str(self._wpm)]
        try:
            done = subprocess.run(
                command, input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SynthesisError(f"espeak-ng failed on {text[:60]!r}: {e}") from e
        if done.returncode != 0 or not done.stdout:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            raise SynthesisError(f"espeak-ng ({self._voice}) failed: {message}")
        try:
            audio, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
        except (sf.LibsndfileError, RuntimeError) as e:
            raise SynthesisError(f"espeak-ng gave unreadable audio: {e}") from e
        return to_app_audio(to_mono(audio), rate)
