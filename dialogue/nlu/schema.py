"""The plain data the NLU works on: words with offsets, labelled examples, and its predictions.

Words keep character offsets into the original text so that a predicted slot can always be
given back as ``text[start:end]`` of what the user said, whatever the tokenizer did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OUT_OF_SCOPE = "oos"  # the intent label of an out-of-scope example, in data and predictions
# The model's choices, here (torch-free) so a training config can be read without torch.
POOLINGS = ("mean", "cls")
SLOT_DECODERS = ("softmax", "crf")


@dataclass(frozen=True)
class Word:
    """One word of an utterance: its text and ``[start, end)`` character offsets."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    """A labelled utterance: one BIO tag per word and one intent (``oos`` for out of scope)."""

    text: str
    words: tuple[Word, ...]
    tags: tuple[str, ...]
    intent: str
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class Slot:
    """A predicted slot: the label, the span of the original text, and its normalised value.

    ``value`` is a number, an ISO date/time string (``dialogue.nlu.values``), else None.
    ``confidence`` is the mean probability of the chosen tags over the span's words.
    """

    label: str
    text: str
    start: int
    end: int
    value: int | float | str | None
    confidence: float

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True)
class Understanding:
    """What the NLU made of one utterance.

    ``intent`` is the most likely known intent even when ``out_of_scope`` is set, so a caller can
    still show "did you mean ...?"; callers that act on the intent must check ``out_of_scope``.
    ``tags`` are the decoded word-level BIO tags (always valid BIO), kept for evaluation.
    """

    text: str
    intent: str
    confidence: float
    out_of_scope: bool
    slots: tuple[Slot, ...] = ()
    tags: tuple[str, ...] = field(default=(), repr=False)
    similarity: float = 1.0

    @property
    def decided_intent(self) -> str:
        """The intent to act on: ``oos`` when out of scope."""
        return OUT_OF_SCOPE if self.out_of_scope else self.intent

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "out_of_scope": self.out_of_scope,
            "slots": [s.to_json() for s in self.slots],
        }
