"""Per-turn latency: the moments a turn passes each stage, and their percentiles over turns.

A turn is timed at end of speech (the user stopped talking), endpoint (the silence rule
fired), transcript ready, first reply sentence ready and first audio out (the first sample
of the reply reached the output device). All times are ``time.monotonic()`` seconds, so
stage durations are plain differences; a stage a turn never reached stays None.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

log = logging.getLogger(__name__)

# (name, from, to): the durations reported per turn and summarised by the benchmark.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("endpointing_ms", "speech_end_s", "endpoint_s"),
    ("asr_ms", "endpoint_s", "transcript_s"),
    ("dialogue_first_sentence_ms", "transcript_s", "first_sentence_s"),
    ("tts_first_audio_ms", "first_sentence_s", "first_audio_s"),
    ("end_of_speech_to_transcript_ms", "speech_end_s", "transcript_s"),
    ("end_of_speech_to_first_audio_ms", "speech_end_s", "first_audio_s"),
)


@dataclass(frozen=True)
class TurnTimes:
    """When one turn reached each stage (monotonic seconds; None: not reached)."""

    speech_start_s: float | None = None
    speech_end_s: float | None = None
    endpoint_s: float | None = None
    transcript_s: float | None = None
    first_sentence_s: float | None = None
    first_audio_s: float | None = None
    done_s: float | None = None

    def stage_ms(self) -> dict[str, float | None]:
        """Each duration in ``STAGES`` in milliseconds (None where an end is missing)."""
        values = asdict(self)
        out: dict[str, float | None] = {}
        for name, start, end in STAGES:
            a, b = values[start], values[end]
            out[name] = None if a is None or b is None else round((b - a) * 1000.0, 1)
        return out

    def relative_ms(self) -> dict[str, float | None]:
        """Every timestamp as milliseconds after the end of speech (for JSON output)."""
        origin = self.speech_end_s
        values = asdict(self)
        if origin is None:
            origin = self.transcript_s  # typed turns: time runs from the text's arrival
        return {
            name.removesuffix("_s") + "_ms": (
                None if v is None or origin is None else round((v - origin) * 1000.0, 1)
            )
            for name, v in values.items()
        }


def percentiles(values: Iterable[float | None]) -> dict[str, float | None]:
    """p50, p95, mean and count of the values that are present (None are skipped)."""
    present = np.array([v for v in values if v is not None], dtype=np.float64)
    if len(present) == 0:
        return {"p50": None, "p95": None, "mean": None, "n": 0}
    return {
        "p50": round(float(np.percentile(present, 50)), 1),
        "p95": round(float(np.percentile(present, 95)), 1),
        "mean": round(float(present.mean()), 1),
        "n": int(len(present)),
    }


def summarise(stage_rows: Iterable[Mapping[str, float | None]]) -> dict[str, dict]:
    """Percentiles of every stage over many turns' ``stage_ms()`` rows."""
    rows = list(stage_rows)
    return {name: percentiles(row.get(name) for row in rows) for name, _, _ in STAGES}
