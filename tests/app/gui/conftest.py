"""GUI tests run offscreen: no display needed. Set before any Qt import creates the app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"

INTENTS = {
    "check_order": [
        "where is my order {n}",
        "track order {n}",
        "status of order {n}",
        "has order {n} shipped",
        "when does order {n} arrive",
        "is order {n} on the way",
        "order {n} status please",
        "find my order {n}",
    ],
    "opening_hours": [
        "when are you open",
        "what are your opening hours",
        "are you open today",
        "what time do you close",
        "opening times please",
        "hours on sunday",
        "are you open on monday",
        "when do you open tomorrow",
    ],
    "greet": [
        "hello",
        "hi there",
        "good morning",
        "hey wenda",
        "hello there",
        "hi",
        "good evening",
        "hey",
    ],
}


def tiny_nlu_rows() -> list[dict]:
    """24 examples, 3 intents, one slot type: trains in seconds for one epoch."""
    rows = []
    for intent, templates in INTENTS.items():
        for i, template in enumerate(templates):
            number = str(10000 + 137 * i)
            text = template.format(n=number)
            entities = []
            if "{n}" in template:
                start = text.index(number)
                entities = [{"start": start, "end": start + len(number), "label": "order_id"}]
            rows.append({"text": text, "intent": intent, "entities": entities})
    return rows


@pytest.fixture
def tiny_nlu(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-nlu.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in tiny_nlu_rows()) + "\n", encoding="utf-8")
    return path
