"""Pure pieces of the voice loop: sentence aggregation, heard text, frame timing, latency."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.voice.latency import TurnTimes, percentiles, summarise
from app.voice.listen import FrameClock
from app.voice.sentences import lead_chunks
from app.voice.turns import heard_part
from speech.audio import FRAME_SAMPLES, SAMPLE_RATE


@pytest.mark.parametrize(
    "sentence, chunks",
    [
        ("Thanks.", ["Thanks."]),
        ("Your order left our warehouse yesterday, and it should arrive on Friday.",
         ["Your order left our warehouse yesterday,", "and it should arrive on Friday."]),
        ("Our team is open Monday to Friday from eight to eight and on Saturday mornings.",
         ["Our team is open Monday to Friday from eight to eight",
          "and on Saturday mornings."]),
        ("One two three four five six seven eight nine ten eleven twelve.",
         ["One two three four five six seven eight nine ten eleven twelve."]),
    ],
)  # fmt: skip
def test_lead_chunks(sentence: str, chunks: list[str]) -> None:
    assert lead_chunks(sentence) == chunks


@pytest.mark.parametrize(
    "text, fraction, heard",
    [
        ("one two three four", 1.0, "one two three four"),
        ("one two three four", 0.5, "one two"),
        ("one two three four", 0.74, "one two"),
        ("one two three four", 0.0, ""),
        ("您的订单已经发货了", 0.5, "您的订单"),
        ("word", 1.5, "word"),
    ],
)
def test_heard_part(text: str, fraction: float, heard: str) -> None:
    assert heard_part(text, fraction) == heard


def test_frame_clock_keeps_time_across_odd_blocks() -> None:
    clock = FrameClock()
    frames = list(clock.push(np.zeros(700, np.float32), 10.0))
    frames += list(clock.push(np.zeros(400, np.float32), 10.0 + 700 / SAMPLE_RATE))
    assert len(frames) == 2
    assert frames[0][1] == pytest.approx(10.0)
    assert frames[1][1] == pytest.approx(10.0 + FRAME_SAMPLES / SAMPLE_RATE)


def test_stage_times_and_percentiles() -> None:
    t = TurnTimes(speech_end_s=1.0, endpoint_s=1.5, transcript_s=1.8, first_sentence_s=1.85,
                  first_audio_s=2.1)  # fmt: skip
    ms = t.stage_ms()
    assert ms["endpointing_ms"] == 500.0 and ms["end_of_speech_to_first_audio_ms"] == 1100.0
    assert t.relative_ms()["first_audio_ms"] == 1100.0
    assert percentiles([1, 2, 3, None])["p50"] == 2.0
    summary = summarise([ms, TurnTimes().stage_ms()])
    assert summary["asr_ms"]["n"] == 1


def test_read_clock_takes_the_earliest_consistent_anchor_and_follows_lost_frames() -> None:
    from app.voice.devices import FRAME_S, ReadClock

    clock = ReadClock()
    # Frames captured at 0, 32, 64 ms... read 5-20 ms after they end, one read late.
    reads = [(n + 1) * FRAME_S + d for n, d in enumerate([0.02, 0.005, 0.06, 0.01])]
    starts = [clock.stamp(r) for r in reads]
    assert starts[-1] == pytest.approx(3 * FRAME_S + 0.005, abs=1e-9)  # anchored by the best read
    # Ten frames were dropped: the next read is far behind the clock, which jumps forward.
    later = clock.stamp((4 + 10 + 1) * FRAME_S + 0.01)
    assert later == pytest.approx(14 * FRAME_S + 0.01, abs=1e-9)


@pytest.mark.parametrize(
    "pieces, spoken",
    [
        (["Sure.", "Our team is open.", "Bye!"], "Sure. Our team is open. Bye!"),
        (["It costs 3.", "50 euros."], "It costs 3.50 euros."),
        (["Hel", "lo", " there.", " How", " are you?"], "Hello there. How are you?"),
    ],
)
def test_dialogue_pieces_become_spoken_text(pieces: list[str], spoken: str) -> None:
    from app.voice.adapters import DialogueConversation
    from app.voice.engines import ReplyInfo
    from dialogue.manager import ReplyChunk

    class Manager:
        language = "en"

        def stream(self, text, stop):
            yield from (ReplyChunk(p) for p in pieces)

    out = list(DialogueConversation(Manager()).respond("hi", threading.Event()))
    assert "".join(p for p in out if not isinstance(p, ReplyInfo)) == spoken


def test_heard_keeps_only_the_heard_part_in_the_history() -> None:
    from app.voice.adapters import DialogueConversation
    from dialogue.state import DialogueState

    class Manager:
        state = DialogueState()

    manager = Manager()
    manager.state.remember("user", "opening hours?")
    manager.state.remember("assistant", "We open at eight. We close at eight.")
    DialogueConversation(manager).heard("We open at eight.")
    assert [t.text for t in manager.state.history] == ["opening hours?", "We open at eight."]
