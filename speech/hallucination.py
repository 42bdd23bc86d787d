"""Rules that drop text Whisper invents when there is no speech (pure functions).

Whisper was trained on subtitles, so on silence, noise or music it tends to "hear" credits
and pleasantries ("Thank you.", "Subscribe", "字幕由Amara.org社区提供"). The first guard is
VAD gating (no speech frames: Whisper is never called); these rules are the second, on each
decoded segment, using the scores Whisper gives it:

- ``no_speech_prob``: Whisper's own belief that the window holds no speech;
- ``avg_logprob``: mean token log-probability, low when the model is guessing;
- ``compression_ratio``: gzip ratio of the text, high when it loops ("the the the ...").
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Subtitle credits nobody says to an assistant: dropped whatever the scores.
CREDITS = (
    "amara.org",
    "字幕",
    "明镜",
    "點點栏目",
    "点点栏目",
    "请不吝点赞",
    "訂閱",
    "订阅",
    "like and subscribe",
    "thanks for watching",
    "thank you for watching",
    "please subscribe",
)
# Short phrases that are real speech now and then: dropped only when Whisper itself
# suspects there was no speech (no_speech_prob above ``suspect_no_speech``).
SUSPECTS = ("you", "thank you", "thanks", "bye", "okay", "so", "谢谢", "謝謝", "嗯", "好")


@dataclass(frozen=True)
class HallucinationGuard:
    """Thresholds; the first three are also handed to Whisper's own decoding fallback."""

    no_speech_threshold: float = 0.6  # with low logprob: no speech (Whisper's own rule)
    logprob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4  # above: a repetition loop
    confident_no_speech: float = 0.9  # above: no speech, whatever the logprob
    suspect_no_speech: float = 0.3  # a SUSPECTS phrase above this is dropped


@dataclass(frozen=True)
class ScoredText:
    """One decoded segment with Whisper's scores."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


def normalize(text: str) -> str:
    """Lowercase, punctuation removed, spaces collapsed: for matching phrases."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def has_words(text: str) -> bool:
    """True if ``text`` has any letter or digit (Whisper emits bare "..." on noise)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def hallucination_reason(segment: ScoredText, guard: HallucinationGuard) -> str | None:
    """Why ``segment`` should be dropped, or None to keep it."""
    plain = normalize(segment.text)
    if not has_words(segment.text):
        return "no words"
    if segment.no_speech_prob > guard.confident_no_speech:
        return f"no_speech_prob {segment.no_speech_prob:.2f}"
    if (
        segment.no_speech_prob > guard.no_speech_threshold
        and segment.avg_logprob < guard.logprob_threshold
    ):
        return f"no speech ({segment.no_speech_prob:.2f}) and unsure ({segment.avg_logprob:.2f})"
    if segment.compression_ratio > guard.compression_ratio_threshold:
        return f"repetition (compression ratio {segment.compression_ratio:.1f})"
    squeezed = plain.replace(" ", "")
    if any(normalize(credit).replace(" ", "") in squeezed for credit in CREDITS):
        return "subtitle credit"
    if plain in SUSPECTS and segment.no_speech_prob > guard.suspect_no_speech:
        return f"stock phrase with no_speech_prob {segment.no_speech_prob:.2f}"
    return None


def keep_segments(segments: list[ScoredText], guard: HallucinationGuard) -> list[bool]:
    """One keep/drop decision per segment; drops are logged with their reason."""
    keep = []
    for segment in segments:
        reason = hallucination_reason(segment, guard)
        if reason:
            log.info("dropped a segment: %s", reason)  # what was said: DEBUG only
            log.debug("dropped %r", segment.text.strip())
        keep.append(reason is None)
    return keep
