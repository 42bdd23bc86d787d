"""Output filters: stop sequences cut the reply, the system prompt's rules never get out."""

from __future__ import annotations

import pytest

from dialogue.generator.filters import LeakGuard, ReplyFilter, StopMatcher
from dialogue.generator.prompt import DECLINE, RULES, secret_segments


def run_pieces(filt: ReplyFilter | StopMatcher | LeakGuard, pieces: list[str]) -> list[str]:
    out = [filt.push(p) for p in pieces]
    return [*out, filt.flush()]


@pytest.mark.parametrize(
    ("pieces", "expected", "stopped"),
    [
        (["Hello", " there"], "Hello there", False),
        (["Hello\nUs", "er: hi"], "Hello", True),  # stop split over two pieces
        (["Hello", "\nUser:", " more"], "Hello", True),
        (["Price\n", "s are low"], "Price\ns are low", False),  # a partial stop is released
        (["ends with \nUs"], "ends with \nUs", False),  # released at the end of the stream
    ],
)
def test_stop_matcher(pieces: list[str], expected: str, stopped: bool) -> None:
    matcher = StopMatcher(["\nUser:", "<|im_end|>"])
    assert "".join(run_pieces(matcher, pieces)) == expected
    assert matcher.stopped is stopped


def test_stop_matcher_releases_text_as_soon_as_it_is_safe() -> None:
    matcher = StopMatcher(["\nUser:"])
    assert matcher.push("Hello") == "Hello"
    assert matcher.push(" world\nU") == " world"
    assert matcher.push("nder") == "\nUnder"


def words(text: str) -> list[str]:
    return [w + " " for w in text.split()]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_leak_guard_blocks_the_rules_however_they_are_spaced(language: str) -> None:
    rules = RULES[language]
    variants = [rules, rules.upper(), rules.replace(" ", "  ").replace(",", "")]
    for text in variants:
        guard = LeakGuard(secret_segments(language), min_chars=32 if language == "en" else 14)
        pieces = words(text) if language == "en" else list(text)
        emitted = "".join(run_pieces(guard, pieces))
        assert guard.leaked
        assert len(emitted) < 40, emitted  # at most a few words got out before the match


def test_leak_guard_lets_ordinary_replies_through_unchanged_and_promptly() -> None:
    guard = LeakGuard(secret_segments("en"), min_chars=32)
    reply = f"Standard shipping costs 4.90 euros. {DECLINE['en']} Anything else?"
    out = [guard.push(p) for p in words(reply)]
    assert "".join(out) + guard.flush() == " ".join(reply.split()) + " "
    assert not guard.leaked
    assert sum(1 for o in out if o) >= len(out) - 3  # held back only briefly


def test_reply_filter_replaces_a_leak_with_a_refusal_and_trims_leading_blanks() -> None:
    filt = ReplyFilter(["\nUser:"], LeakGuard(secret_segments("en"), 32), "I can't share that.")
    emitted = "".join(run_pieces(filt, ["  Sure! ", *words(RULES["en"])]))
    assert emitted.startswith("Sure!") and emitted.endswith("I can't share that.")
    assert filt.done
    filt = ReplyFilter(["\nUser:"], LeakGuard(secret_segments("en"), 32), "no")
    assert "".join(run_pieces(filt, ["\n Hi", " there\nUser: x"])) == "Hi there"
