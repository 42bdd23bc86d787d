"""Validation beyond single lines: duplicates, conflicts, intent counts, and the summary."""

from __future__ import annotations

from dialogue.nlu.readers import Record
from dialogue.nlu.validate import summarize, tag_inventory, validate_records


def _record(line: int, words: str, tags: str, intent: str) -> Record:
    return Record(
        "train/seq.in", line, intent, tokens=tuple(words.split()), tags=tuple(tags.split())
    )


def test_duplicates_warn_and_conflicts_fail() -> None:
    records = [
        _record(1, "play some dance music", "O O B-playlist O", "Play"),
        _record(2, "play some dance music", "O O B-playlist O", "Play"),
        _record(3, "play some dance music", "O O B-genre O", "Play"),
        _record(4, "play some dance music", "O O O O", "Stop"),
        *[_record(5 + i, f"stop {i}", "O O", "Stop") for i in range(12)],
        *[_record(20 + i, f"play {i}", "O O", "Play") for i in range(12)],
    ]
    _, issues = validate_records(records, "train")
    found = [(i.line, i.severity, i.message) for i in issues]
    assert (2, "warning", "duplicate of line 1") in found
    assert (3, "warning", "same text as line 1 with different slot tags") in found
    assert (4, "error", "same text as line 1 but intent 'Stop' vs 'Play'") in found
    assert len(found) == 3


def test_intent_counts_only_for_training() -> None:
    """A rare intent (ATIS as published has some with one example) is a warning, not an
    error: only a single intent, with nothing to tell it from, stops training."""
    records = [_record(1, "a", "O", "Rare")] + [
        _record(2 + i, f"b {i}", "O O", "Few") for i in range(3)
    ]
    _, issues = validate_records(records, "train", for_training=True)
    assert [(i.severity, i.message) for i in issues] == [
        ("warning", "intent 'Few' has only 3 examples; it will be learnt poorly"),
        (
            "warning",
            "intent 'Rare' has only 1 example; it is learnt from it but never checked on dev "
            "(it stays in train)",
        ),
    ]
    assert validate_records(records, "test", for_training=False)[1] == []
    _, issues = validate_records(records[1:], "train", for_training=True)
    assert ("error", "only one intent ('Few'); at least 2 are needed") in [
        (i.severity, i.message) for i in issues
    ]


def test_summary_and_tag_inventory() -> None:
    records = [
        _record(1, "play jazz in paris", "O B-genre O B-city", "Play"),
        _record(2, "weather in new york", "O O B-city I-city", "Weather"),
        _record(3, "weather today", "O B-date", "Weather"),
    ]
    examples, _ = validate_records(records, "train", for_training=False)
    summary = summarize(examples)
    assert summary.n_examples == 3
    assert summary.intents == {"Play": 1, "Weather": 2}
    assert summary.slots == {"city": 2, "date": 1, "genre": 1}
    assert summary.lines()[0] == "3 examples, 2 intents, 3 slots"
    assert tag_inventory(examples) == [
        "O",
        "B-city",
        "I-city",
        "B-date",
        "I-date",
        "B-genre",
        "I-genre",
    ]
