"""The endpointer's timing rules, on scripted probabilities (one per 32 ms frame)."""

from __future__ import annotations

import pytest

from speech.endpoint import (
    FRAME_S,
    EndpointConfig,
    Endpointer,
    SpeechEnded,
    SpeechStarted,
    speech_spans,
)

# start after 2 frames, end after 3 silent frames, 2 frames of pre-roll, at most 10 frames.
CFG = EndpointConfig(start_ms=64, end_silence_ms=96, pre_roll_ms=64, max_utterance_s=0.32)
S, Q, N = 0.9, 0.4, 0.1  # speech, a quiet tail (between the thresholds), silence


def started(frame: int, detected: int) -> tuple[str, int, int]:
    """Speech began with frame ``frame`` and was certain at the end of frame ``detected``."""
    return ("started", frame, detected + 1)


def in_frames(event: object) -> object:
    """A SpeechStarted's times as frame indices (frame ``i`` begins at ``i * 32 ms``)."""
    if isinstance(event, SpeechStarted):
        return ("started", round(event.at_s / FRAME_S), round(event.noticed_s / FRAME_S))
    return event


def run(probabilities: list[float], config: EndpointConfig = CFG) -> list[object]:
    endpointer = Endpointer(config)
    events = [endpointer.push(p) for p in probabilities]
    return [in_frames(e) for e in [*events, endpointer.flush()] if e is not None]


@pytest.mark.parametrize(
    ("probabilities", "expected"),
    [
        pytest.param([N] * 10, [], id="silence"),
        pytest.param([N, S, N, S, N, N], [], id="single-frame clicks never start a turn"),
        pytest.param(
            [N, N, N, S, S, S, N, N, N, N],
            [started(3, 4), SpeechEnded(1, 3, 6, 9, "silence")],
            id="turn with pre-roll, ends after 3 silent frames",
        ),
        pytest.param(
            [S, S, S, Q, Q, S, N, N, N],
            [started(0, 1), SpeechEnded(0, 0, 6, 9, "silence")],
            id="quiet tail above release threshold keeps the turn open",
        ),
        pytest.param(
            [S, S, N, N, S, S, N, N, N],
            [started(0, 1), SpeechEnded(0, 0, 6, 9, "silence")],
            id="a pause shorter than end_silence stays in the turn",
        ),
        pytest.param(
            [N, S, S, S],
            [started(1, 2), SpeechEnded(0, 1, 4, 4, "end_of_stream")],
            id="stream ends mid-turn",
        ),
        pytest.param(
            [S] * 12,
            [
                started(0, 1),
                SpeechEnded(0, 0, 10, 10, "max_length"),
                started(10, 11),
                SpeechEnded(8, 10, 12, 12, "end_of_stream"),
            ],
            id="cut at max length, then a new turn",
        ),  # fmt: skip
    ],
)
def test_endpointer(probabilities: list[float], expected: list[object]) -> None:
    assert run(probabilities) == expected


def test_speech_start_carries_the_callers_times() -> None:
    endpointer = Endpointer(CFG)
    times = [10.0 + 0.032 * i for i in range(4)]
    events = [endpointer.push(p, t) for p, t in zip([N, S, S, S], times, strict=True)]
    assert events[:2] == [None, None]
    assert events[2] == SpeechStarted(at_s=times[1], noticed_s=times[2] + FRAME_S)
    assert endpointer.speech_start == 1


def test_defaults_are_low_latency() -> None:
    config = EndpointConfig()
    assert 500 <= config.end_frames * 32 <= 600  # the turn ends ~0.55 s after speech stops
    assert config.pre_roll_frames * 32 >= 300  # keeps the first syllable
    assert config.start_frames == 2


def test_speech_spans() -> None:
    probabilities = [N, S, S, S, N, N, N, N, S, S, N]
    assert speech_spans(probabilities, CFG) == [(1, 4), (8, 10)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0.3, "release_threshold": 0.5},
        {"start_ms": 0},
        {"end_silence_ms": -1},
        {"max_utterance_s": 0.05},
    ],
)
def test_bad_config_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EndpointConfig(**kwargs)  # type: ignore[arg-type]
