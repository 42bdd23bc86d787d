"""Both data readers on edge cases: what they read, and what they refuse, with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogue.nlu.dataset import load_examples
from dialogue.nlu.errors import NluDataError


def _jointbert(folder: Path, seq_in: str, seq_out: str, label: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("seq.in", seq_in), ("seq.out", seq_out), ("label", label)):
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


@pytest.mark.parametrize(
    ("seq_in", "seq_out", "label", "expected"),
    [
        # trailing spaces (as in SNIPS), no final newline, CRLF line ends
        ("play jazz \nweather in paris \n", "O B-genre \nO O B-city \n", "Play\nWeather\n",
         [("play jazz", ("O", "B-genre"), "Play"),
          ("weather in paris", ("O", "O", "B-city"), "Weather")]),
        ("play jazz", "O B-genre", "Play", [("play jazz", ("O", "B-genre"), "Play")]),
        ("play jazz\r\nstop\r\n", "O B-genre\r\nO\r\n", "Play\r\nStop\r\n",
         [("play jazz", ("O", "B-genre"), "Play"), ("stop", ("O",), "Stop")]),
        # multi-intent labels are kept whole; several spaces between words are one separator
        ("play  jazz\n", "O  B-genre\n", "Play#Volume\n",
         [("play jazz", ("O", "B-genre"), "Play#Volume")]),
    ],
)  # fmt: skip
def test_jointbert_reads(tmp_path: Path, seq_in, seq_out, label, expected) -> None:
    examples, _ = load_examples(_jointbert(tmp_path / "train", seq_in, seq_out, label), False)
    assert [(e.text, e.tags, e.intent) for e in examples] == expected
    for example in examples:
        assert [example.text[w.start : w.end] for w in example.words] == example.text.split()


@pytest.mark.parametrize(
    ("seq_in", "seq_out", "label", "message"),
    [
        ("a b\nc\n", "O O\n", "X\nY\n", "different line counts (seq.in 2, seq.out 1, label 2)"),
        ("a b\nc d\n", "O O\nO\n", "X\nX\n", "seq.in:2: error: 1 tags for 2 words"),
        ("a b\n", "O I-city\n", "X\n", "seq.in:1: error: tag 2 'I-city' follows O (I- without B-)"),
        ("a b\n", "B-date I-city\n", "X\n", "seq.in:1: error: tag 2 'I-city' follows B-date"),
        ("a\n", "city\n", "X\n", "seq.in:1: error: tag 1 'city' is not O, B-label or I-label"),
        ("a\n\nb\n", "O\n\nO\n", "X\nX\nX\n", "seq.in:2: error: empty utterance"),
        ("", "", "", "error: no examples (the file is empty)"),
    ],
)
def test_jointbert_errors(tmp_path: Path, seq_in, seq_out, label, message) -> None:
    with pytest.raises(NluDataError) as caught:
        load_examples(_jointbert(tmp_path / "dev", seq_in, seq_out, label), for_training=False)
    assert message in str(caught.value)


def test_jointbert_missing_file(tmp_path: Path) -> None:
    folder = _jointbert(tmp_path / "dev", "a\n", "O\n", "X\n")
    (folder / "label").unlink()
    with pytest.raises(NluDataError, match=r"label: error: file not found"):
        load_examples(folder)


def test_jointbert_label_lists_warn(tmp_path: Path) -> None:
    folder = _jointbert(tmp_path / "train", "a\nb\n", "B-x\nO\n", "X\nX\n")
    (tmp_path / "intent_label.txt").write_text("UNK\nY\n")
    (tmp_path / "slot_label.txt").write_text("O\nB-x\n")
    _, warnings = load_examples(folder, for_training=False)
    assert [w.message for w in warnings] == ["intents not in intent_label.txt: X"]


def row(text: str, intent: str, *entities: tuple[int, int, str]) -> str:
    """One JSONL line; entities as (start, end, label)."""
    spans = [{"start": s, "end": e, "label": label} for s, e, label in entities]
    return json.dumps({"text": text, "intent": intent, "entities": spans}, ensure_ascii=False)


def _jsonl(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (row("play jazz", "Play", (5, 9, "genre")) + "\n",
         [("play jazz", ("play", "jazz"), ("O", "B-genre"), "Play")]),
        # entities optional, blank lines skipped, line numbers kept
        ('\n{"text": "hi", "intent": "greet"}\n\n',
         [("hi", ("hi",), ("O",), "greet")]),
        # an entity inside a run of letters splits the word there
        (row("at 5pm", "t", (3, 4, "hour")),
         [("at 5pm", ("at", "5", "pm"), ("O", "B-hour", "O"), "t")]),
        # Chinese: every character is a word, a slot is a run of characters
        (row("明天北京天气", "weather", (0, 2, "date"), (2, 4, "city")),
         [("明天北京天气", tuple("明天北京天气"),
           ("B-date", "I-date", "B-city", "I-city", "O", "O"), "weather")]),
        (row("what is love", "oos"),
         [("what is love", ("what", "is", "love"), ("O", "O", "O"), "oos")]),
    ],
)  # fmt: skip
def test_jsonl_reads(tmp_path: Path, content: str, expected) -> None:
    examples, _ = load_examples(_jsonl(tmp_path / "data.jsonl", content), for_training=False)
    assert [
        (e.text, tuple(w.text for w in e.words), e.tags, e.intent) for e in examples
    ] == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "a", "intent": "x"}\n{"text": "b"\n', ":2: error: not valid JSON"),
        ('{"text": "unfinished\n',
         ":1: error: not valid JSON: Unterminated string starting, column 10"),
        ('["a", "x"]\n', ":1: error: each line must be a JSON object"),
        ('{"intent": "x"}\n', ':1: error: missing "text"'),
        ('{"text": "a", "intent": ""}\n', ':1: error: missing "intent"'),
        ('{"text": "a", "intent": "x", "entities": {}}\n', ':1: error: "entities" must be a list'),
        ('{"text": "abc", "intent": "x", "entities": [{"start": "0", "end": 1, "label": "l"}]}',
         ":1: error: entity start and end must be integers"),
        ('{"text": "abc", "intent": "x", "entities": [{"start": true, "end": 1, "label": "l"}]}',
         ":1: error: entity start and end must be integers"),
        ('{"text": "abc", "intent": "x", "entities": [{"start": 0, "end": 1}]}',
         ":1: error: entity label must be a non-empty string"),
        ('{"text": "abc", "intent": "x", "entities": [{"start": 1, "end": 9, "label": "l"}]}',
         ":1: error: entity 'l' [1, 9) is outside the text (length 3)"),
        ('{"text": "abc", "intent": "x", "entities": [{"start": 2, "end": 2, "label": "l"}]}',
         ":1: error: entity 'l' [2, 2) is outside the text (length 3) or empty"),
        (row("cafe\u0301 noir", "x", (0, 4, "l")),
         ":1: error: entity 'l' [0, 4) does not fall on a character boundary"),
        ('{"text": "a  b", "intent": "x", "entities": [{"start": 1, "end": 3, "label": "l"}]}',
         ":1: error: entity 'l' [1, 3) covers only whitespace"),
        (row("new york city", "x", (0, 8, "a"), (4, 13, "b")),
         ":1: error: entities 'a' [0, 8) and 'b' [4, 13) overlap"),
        ('{"text": "  ", "intent": "x"}', ":1: error: empty text"),
        ("\n\n", "error: no examples (the file is empty)"),
    ],
)  # fmt: skip
def test_jsonl_errors(tmp_path: Path, content: str, message: str) -> None:
    path = _jsonl(tmp_path / "data.jsonl", content)
    with pytest.raises(NluDataError) as caught:
        load_examples(path, for_training=False)
    assert f"{path}{message}" in str(caught.value) or message in str(caught.value)
    assert str(path) in str(caught.value)


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    lines = [
        '{"text": "a b", "intent": "x"}',
        "not json",
        '{"text": "abc", "intent": "x", "entities": [{"start": 0, "end": 99, "label": "l"}]}',
        '{"text": "a b", "intent": "y"}',
    ]
    path = _jsonl(tmp_path / "train.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(NluDataError) as caught:
        load_examples(path, for_training=True)
    lines_reported = sorted(i.line for i in caught.value.issues)
    assert lines_reported == [2, 3, 4]  # an intent with one example is only a warning
    assert f"{path}:4: error: same text as line 1 but intent 'y' vs 'x'" in str(caught.value)
