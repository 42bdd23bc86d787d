"""Natural-language understanding: intent, out-of-scope flag and slots of one utterance.

``import dialogue.nlu`` stays cheap (no torch): the engine is built by :func:`make_nlu`, which
imports the model code inside its body. Modules: ``words`` (text -> words with offsets),
``readers``/``validate``/``dataset`` (data formats and checks), ``bio`` (tags, constrained
decoding), ``model``/``encoding``/``checkpoint`` (the network and its folder), ``predictor``,
``outofscope`` and ``values`` (normalised slot values).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from dialogue.nlu.errors import Issue, NluDataError, NluError, NluModelError
from dialogue.nlu.schema import OUT_OF_SCOPE, Example, Slot, Understanding, Word

__all__ = [
    "OUT_OF_SCOPE",
    "Example",
    "Issue",
    "Nlu",
    "NluDataError",
    "NluError",
    "NluModelError",
    "Slot",
    "Understanding",
    "Word",
    "make_nlu",
]


class Nlu(Protocol):
    """The understanding engine as the rest of the app sees it."""

    def predict(self, texts: Sequence[str], now: datetime | None = None) -> list[Understanding]:
        """One :class:`Understanding` per text; ``now`` anchors relative dates (default: now)."""
        ...


def make_nlu(model_dir: Path) -> Nlu:
    """Load a trained model folder (``wenda train nlu --out DIR``); raises NluModelError."""
    from dialogue.nlu.predictor import NluPredictor

    return NluPredictor.load(model_dir)
