"""Fakes for the dialogue engines: a scripted NLU and a bag-of-words encoder.

The scripted NLU answers each known text with a fixed intent, confidence and slots (spans
found in the text), so tests of the logic around it do not depend on a trained model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

import numpy as np

from dialogue.nlu import Slot, Understanding

OOS = ("oos", 0.2, ())


class ScriptedNlu:
    """``script[text] = (intent, confidence, ((label, span_text), ...))``; unknown: oos."""

    def __init__(self, script: dict[str, tuple[str, float, tuple[tuple[str, str], ...]]]) -> None:
        self.script = script
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str], now: dt.datetime | None = None) -> list[Understanding]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> Understanding:
        self.seen.append(text)
        intent, confidence, spans = self.script.get(text, OOS)
        slots = []
        for label, span in spans:
            start = text.index(span)
            slots.append(Slot(label, span, start, start + len(span), None, 0.9))
        oos = intent == "oos" or confidence < 0.3
        best = intent if intent != "oos" else "check_order_status"
        return Understanding(text, best, confidence, oos, tuple(slots))


class BagOfWordsEncoder:
    """Hashed bag of words, L2-normalised: similar wording gives a high cosine."""

    name = "bag-of-words"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.calls = 0

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                index = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, index] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
