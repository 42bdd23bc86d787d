"""Splitting text into words with offsets: Latin on spaces and punctuation, CJK per character."""

from __future__ import annotations

import pytest

from dialogue.nlu.words import split_words, words_from_tokens


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("play jazz", ["play", "jazz"]),
        ("  play   jazz  ", ["play", "jazz"]),
        ("weather in Paris.", ["weather", "in", "Paris", "."]),
        ("set it for 5:30, please!", ["set", "it", "for", "5:30", ",", "please", "!"]),
        ("don't stop", ["don't", "stop"]),
        ("twenty-five u.s. dollars", ["twenty-five", "u.s", ".", "dollars"]),
        ("(rock)", ["(", "rock", ")"]),
        ("明天北京天气", ["明", "天", "北", "京", "天", "气"]),
        ("播放周杰伦的歌。", ["播", "放", "周", "杰", "伦", "的", "歌", "。"]),
        ("明天9点play jazz", ["明", "天", "9", "点", "play", "jazz"]),
        ("café naïve", ["café", "naïve"]),
        ("", []),
        ("zero\u200bwidth", ["zero", "width"]),
    ],
)
def test_split_words(text: str, words: list[str]) -> None:
    got = split_words(text)
    assert [w.text for w in got] == words
    for word in got:  # offsets always point back into the original text
        assert text[word.start : word.end] == word.text


@pytest.mark.parametrize(
    ("text", "boundaries", "words"),
    [
        ("at 5pm", [3, 4], ["at", "5", "pm"]),
        ("newyork", [3], ["new", "york"]),
        ("北京", [1], ["北", "京"]),
    ],
)
def test_split_words_at_entity_edges(text: str, boundaries: list[int], words: list[str]) -> None:
    assert [w.text for w in split_words(text, boundaries)] == words


def test_words_from_tokens_offsets() -> None:
    text, words = words_from_tokens(["play", "some", "jazz"])
    assert text == "play some jazz"
    assert [(w.start, w.end) for w in words] == [(0, 4), (5, 9), (10, 14)]
