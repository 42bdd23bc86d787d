"""Pure pieces of the voice loop: latency figures, and the dialogue as a Conversation."""

from __future__ import annotations

import threading

import pytest

from app.voice.latency import TurnTimes, percentiles, summarise


def test_stage_times_and_percentiles() -> None:
    t = TurnTimes(speech_end_s=1.0, endpoint_s=1.5, transcript_s=1.8, first_sentence_s=1.85,
                  first_audio_s=2.1)  # fmt: skip
    ms = t.stage_ms()
    assert ms["endpointing_ms"] == 500.0 and ms["end_of_speech_to_first_audio_ms"] == 1100.0
    assert t.relative_ms()["first_audio_ms"] == 1100.0
    assert percentiles([1, 2, 3, None])["p50"] == 2.0
    summary = summarise([ms, TurnTimes().stage_ms()])
    assert summary["asr_ms"]["n"] == 1


@pytest.mark.parametrize(
    "pieces",
    [
        ["Sure.", " Our team is open.", " Bye!"],
        ["It costs 3.", "50 euros."],
        ["Hel", "lo", " there.", " How", " are you?"],
        ["您好。", "我们九点开门。"],
    ],
)
def test_dialogue_pieces_pass_through_as_spaced(pieces: list[str]) -> None:
    """The dialogue spaces its pieces (``dialogue.reply`` joins them, once): the voice
    takes them as they are, and the reply is their concatenation."""
    from app.voice.adapters import DialogueConversation
    from app.voice.engines import ReplyInfo
    from dialogue.manager import ReplyChunk

    class Manager:
        language = "en"

        def stream(self, text, stop):
            yield from (ReplyChunk(p) for p in pieces)

    out = list(DialogueConversation(Manager()).respond("hi", threading.Event()))
    assert [p for p in out if not isinstance(p, ReplyInfo)] == pieces


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
