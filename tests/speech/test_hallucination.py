"""The rules that drop text Whisper invents on silence and noise (pure)."""

from __future__ import annotations

import pytest

from speech.hallucination import HallucinationGuard, ScoredText, hallucination_reason

GUARD = HallucinationGuard()


@pytest.mark.parametrize(
    ("text", "logprob", "no_speech", "ratio", "dropped"),
    [
        (" Front, left.", -0.6, 0.12, 1.0, False),
        (" Thank you.", -0.3, 0.05, 1.0, False),  # said clearly: kept
        (" Thank you.", -0.7, 0.45, 1.0, True),  # Whisper unsure there was speech
        (" You", -0.98, 0.95, 1.0, True),  # tiny.en on digital silence
        (" . . . .", -0.79, 0.81, 1.0, True),  # base on Noise.wav
        (" Hello there", -1.2, 0.7, 1.0, True),  # Whisper's own no-speech rule
        (" Hello there", -1.2, 0.3, 1.0, False),  # unsure words, but speech
        (" the the the the the the", -0.2, 0.1, 3.1, True),  # repetition loop
        ("字幕由Amara.org社区提供", -0.4, 0.2, 1.0, True),
        (" Thanks for watching!", -0.4, 0.2, 1.0, True),
        ("谢谢", -0.5, 0.5, 1.0, True),
        ("谢谢您的帮助", -0.5, 0.1, 1.0, False),
    ],
)
def test_hallucination_reason(
    text: str, logprob: float, no_speech: float, ratio: float, dropped: bool
) -> None:
    reason = hallucination_reason(ScoredText(text, logprob, no_speech, ratio), GUARD)
    assert (reason is not None) == dropped, reason
