"""Sentence splitting for streaming TTS (pure): numbers, abbreviations, Chinese, streaming."""

from __future__ import annotations

import pytest

from speech.sentences import (
    SentenceAggregator,
    heard_part,
    lead_chunks,
    speakable,
    split_sentences,
    spoken_clock_times,
)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("That costs $3.50. Shipping is free over 1,000 dollars! Want it?",
         ["That costs $3.50.", "Shipping is free over 1,000 dollars!", "Want it?"]),
        ("Dr. Smith lives in the U.S. and works at Acme Inc. in Boston. He is nice.",
         ["Dr. Smith lives in the U.S. and works at Acme Inc. in Boston.", "He is nice."]),
        ("Ask Mr. Li, e.g. about returns. I can help.",
         ["Ask Mr. Li, e.g. about returns.", "I can help."]),
        ("John F. Kennedy was born in 1917. He was president.",
         ["John F. Kennedy was born in 1917.", "He was president."]),
        ("It is 5 p.m. now. See you at 6 a.m. tomorrow.",
         ["It is 5 p.m. now.", "See you at 6 a.m. tomorrow."]),
        ("The total is 1,234.56 yuan. Version 2.0 is out.",
         ["The total is 1,234.56 yuan.", "Version 2.0 is out."]),
        ("你好。我们今天有三件商品打折！要看看吗？好的；谢谢",
         ["你好。", "我们今天有三件商品打折！", "要看看吗？", "好的；", "谢谢"]),
        ("他说：“走吧。”然后走了。", ["他说：“走吧。”", "然后走了。"]),
        ("Mixed 中文。And English.", ["Mixed 中文。", "And English."]),
        ("He said \"Stop.\" Then he left.", ['He said "Stop."', "Then he left."]),
        ("Wait... what? No way!", ["Wait... what?", "No way!"]),
        ("1. Open the box.\n2. Take it out.", ["1. Open the box.", "2. Take it out."]),
        ("No full stop at the end", ["No full stop at the end"]),
        ("", []),
        ("... !!! ???", []),
    ],
)  # fmt: skip
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_long_sentences_are_cut_at_commas_then_spaces() -> None:
    text = "one two three, four five six seven eight nine ten eleven twelve"
    assert split_sentences(text, max_chars=30) == [
        "one two three,",
        "four five six seven eight",
        "nine ten eleven twelve",
    ]
    chinese = "没有标点的长句子" * 10
    pieces = split_sentences(chinese, max_chars=25)
    assert "".join(pieces) == chinese and max(map(len, pieces)) <= 25


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("😀😀", ""),
        ("👍🏽 Great!", "Great!"),
        ("**Bold** and `code` #tag", "Bold and code tag"),
        ("家庭 👨‍👩‍👧 ok", "家庭 ok"),
        ("line one\n\n  line two", "line one\n\nline two"),
    ],
)
def test_speakable(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize("piece_size", [1, 3, 7, 1000])
def test_aggregator_matches_whole_text(piece_size: int) -> None:
    text = "That costs $3.50. Dr. Li says hi! 你好。我们走吧，and e.g. this. The end"
    aggregator, released = SentenceAggregator(), []
    for start in range(0, len(text), piece_size):
        released += aggregator.push(text[start : start + piece_size])
    assert released + aggregator.flush() == split_sentences(text)


def test_aggregator_waits_for_the_next_word() -> None:
    aggregator = SentenceAggregator()
    assert aggregator.push("It costs 3.") == []  # "3." could be "3.50"
    assert aggregator.push("50 dollars. ") == []  # not certain before the next word
    assert aggregator.push("Ok") == ["It costs 3.50 dollars."]
    assert aggregator.push("。") == ["Ok。"]  # Chinese ends are certain at once


def test_aggregator_releases_an_endless_sentence() -> None:
    aggregator, released = SentenceAggregator(max_chars=40), []
    for _ in range(30):
        released += aggregator.push("word ")
    assert released and all(len(s) <= 40 for s in released)
    assert " ".join(released + aggregator.flush()).split() == ["word"] * 30


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Monday to Friday from 8:00 to 20:00 (CET), Saturday 9:00 to 14:00.",
         "Monday to Friday from 8 a.m. to 8 p.m. (CET), Saturday 9 a.m. to 2 p.m."),
        ("We open at 8:00.", "We open at 8 o'clock."),  # no sign of a 24-hour clock
        ("Call at 9:30 or 9:05", "Call at 9 30 or 9 oh 5"),
        ("From 08:15 on", "From 8 15 a.m. on"),  # a leading zero: 24-hour
        ("From 9:00 am to 5:30 p.m.", "From 9 am to 5 30 p.m."),  # already says which half
        ("At 0:00, 12:00, 12:30 and 24:00", "At midnight, noon, 12 30 p.m. and midnight"),
        ("Ratio 3:2, 10:30:15, v1.10:30, 25:00", "Ratio 3:2, 10:30:15, v1.10:30, 25:00"),
        ("No times here.", "No times here."),
    ],
)  # fmt: skip
def test_clock_times_are_said_as_people_say_them(text: str, spoken: str) -> None:
    assert spoken_clock_times(text) == spoken


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
        # Chinese: no spaces; cut at the first clause mark once the piece is long enough.
        ("谢谢。", ["谢谢。"]),
        ("我们的客服时间是周一至周五八点到二十点，周六九点到十四点。",
         ["我们的客服时间是周一至周五八点到二十点，", "周六九点到十四点。"]),
        ("退货、换货和退款都可以在网站上申请，一般三天内处理完毕。",
         ["退货、换货和退款都可以在网站上申请，", "一般三天内处理完毕。"]),
        ("好的，我们可以在发货前修改您的收货地址，请告诉我新的地址。",
         ["好的，我们可以在发货前修改您的收货地址，", "请告诉我新的地址。"]),
        ("您的订单已经在昨天从我们的仓库发出了预计周五到达。",
         ["您的订单已经在昨天从我们的仓库发出了预计周五到达。"]),
    ],
)  # fmt: skip
def test_lead_chunks(sentence: str, chunks: list[str]) -> None:
    assert lead_chunks(sentence) == chunks
    assert all(chunk in sentence for chunk in chunks)  # slices: the reply's text holds them


@pytest.mark.parametrize(
    "text, fraction, heard",
    [
        ("one two three four", 1.0, "one two three four"),
        ("one two three four", 0.5, "one two"),
        ("one two three four", 0.74, "one two"),
        ("one  two,\nthree", 0.7, "one  two,"),
        ("one two three four", 0.0, ""),
        ("您的订单已经发货了", 0.5, "您的订单"),
        ("word", 1.5, "word"),
    ],
)
def test_heard_part(text: str, fraction: float, heard: str) -> None:
    assert heard_part(text, fraction) == heard
    assert text.startswith(heard)  # a prefix: what was heard of a reply is a prefix of it
