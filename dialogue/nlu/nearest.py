"""Understanding that needs no training: the intent of the nearest labelled examples under a
sentence encoder, and slots found by the domain's own values (patterns and lexicon).

It serves while the domain's tuned NLU model is still training (the first run, or after the
user edits the domain's examples), so Wenda answers from the moment its base encoder is
prepared. Weaker than the tuned model (BENCHMARKS.md, Dialogue: "before training ends"), and
it knows so: out-of-scope is decided by the examples labelled ``oos`` and by a similarity
floor calibrated on the examples themselves (leave-one-out).

Each intent scores the mean cosine of its ``k`` nearest examples; the confidence is a softmax
over those scores. Slots: only the types the chosen intent carries in the examples, and only
those a value can be found for without a model (``pattern`` and ``choice`` slot types);
free-text slots are left to the dialogue's "fill the slot just asked for" step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from dialogue.nlu.schema import OUT_OF_SCOPE, Example, Slot, Understanding
from dialogue.nlu.validate import intent_slot_types
from dialogue.nlu.values import normalize_value
from dialogue.nlu.words import split_words

log = logging.getLogger(__name__)

SlotFinder = Callable[[str, Sequence[str], dt.datetime], tuple[Slot, ...]]
"""(text, slot types the intent may carry, now) -> the slots found in the text."""


class TextEncoder(Protocol):
    name: str

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray: ...


def no_slots(text: str, types: Sequence[str], now: dt.datetime) -> tuple[Slot, ...]:
    return ()


class NearestExampleNlu:
    """The :class:`dialogue.nlu.Nlu` protocol over labelled examples and a base encoder."""

    def __init__(
        self,
        encoder: TextEncoder,
        examples: Sequence[Example],
        find_slots: SlotFinder = no_slots,
        k: int = 3,
        scale: float | None = None,
        floor_quantile: float = 0.02,
        cache_dir: Path | None = None,
    ) -> None:
        if not examples:
            raise ValueError("the nearest-example NLU needs labelled examples")
        self.encoder, self.find_slots, self.k = encoder, find_slots, k
        self.intents = tuple(sorted({e.intent for e in examples}))
        index = {name: i for i, name in enumerate(self.intents)}
        self.labels = np.array([index[e.intent] for e in examples])
        self.vectors = _embed_cached(encoder, [e.text for e in examples], cache_dir)
        self.intent_slots = intent_slot_types(examples)
        self.min_similarity = self._similarity_floor(floor_quantile)
        self.scale = scale if scale is not None else self._calibrated_scale()

    def _similarity_floor(self, quantile: float) -> float:
        """A low quantile of each in-scope example's similarity to its nearest other example:
        a request further from every example than nearly all examples are from each other
        is out of scope."""
        sims = self.vectors @ self.vectors.T
        np.fill_diagonal(sims, -np.inf)
        in_scope = (
            self.labels != self.intents.index(OUT_OF_SCOPE)
            if OUT_OF_SCOPE in self.intents
            else np.ones(len(self.labels), bool)
        )
        nearest = sims.max(axis=1)[in_scope]
        return float(np.quantile(nearest, quantile)) if len(nearest) else -1.0

    def _calibrated_scale(self, grid: Sequence[float] = (10, 20, 30, 50, 80, 120)) -> float:
        """The softmax scale under which each example, left out, gets its own intent with the
        likeliest probability (temperature scaling, on the examples themselves): so that a
        confidence of 0.5 means about an even chance, as the dialogue policy assumes."""
        sims = self.vectors @ self.vectors.T
        np.fill_diagonal(sims, -np.inf)
        scores = self.intent_scores(self.vectors, sims)
        scores = np.where(np.isfinite(scores), scores, -1.0)  # an intent of one example, left out
        rows = np.arange(len(self.labels))
        best, best_nll = float(grid[0]), np.inf
        for scale in grid:
            logits = scale * (scores - scores.max(axis=1, keepdims=True))
            log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            nll = float(-log_probs[rows, self.labels].mean())
            if nll < best_nll:
                best, best_nll = float(scale), nll
        return best

    def intent_scores(self, vectors: np.ndarray, sims: np.ndarray | None = None) -> np.ndarray:
        """(B, n_intents): mean cosine of each intent's ``k`` nearest examples."""
        sims = vectors @ self.vectors.T if sims is None else sims
        scores = np.full((len(vectors), len(self.intents)), -1.0, dtype=np.float32)
        for i in range(len(self.intents)):
            own = sims[:, self.labels == i]
            k = min(self.k, own.shape[1])
            scores[:, i] = np.sort(own, axis=1)[:, -k:].mean(axis=1)
        return scores

    def predict(self, texts: Sequence[str], now: dt.datetime | None = None) -> list[Understanding]:
        """One :class:`Understanding` per text (no side effects)."""
        now = now or dt.datetime.now()
        if not texts:
            return []
        vectors = self.encoder.embed(list(texts), "query")
        scores = self.intent_scores(vectors)
        nearest = (vectors @ self.vectors.T).max(axis=1)
        return [
            self._understand(text, row, float(similarity), now)
            for text, row, similarity in zip(texts, scores, nearest, strict=True)
        ]

    def _understand(
        self, text: str, scores: np.ndarray, similarity: float, now: dt.datetime
    ) -> Understanding:
        shifted = np.exp(self.scale * (scores - scores.max()))
        probs = shifted / shifted.sum()
        oos = self.intents.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.intents else None
        in_scope = probs.copy()
        if oos is not None:
            in_scope[oos] = -1.0
        best = int(in_scope.argmax())
        intent = self.intents[best]
        out_of_scope = int(probs.argmax()) == oos or similarity < self.min_similarity
        slots = () if out_of_scope else self.find_slots(text, self.intent_slots[intent], now)
        return Understanding(
            text=text,
            intent=intent,
            confidence=float(probs[best]),
            out_of_scope=out_of_scope,
            slots=slots,
            tags=word_tags(text, slots),
            similarity=similarity,
        )


def word_tags(text: str, slots: Sequence[Slot]) -> tuple[str, ...]:
    """BIO tags of ``text``'s words for character-span ``slots`` (as the tagger would give)."""
    tags: list[str] = []
    previous: Slot | None = None
    for word in split_words(text):
        inside = next((s for s in slots if s.start <= word.start and word.end <= s.end), None)
        if inside is None:
            tags.append("O")
        else:
            tags.append(("I-" if inside is previous else "B-") + inside.label)
        previous = inside
    return tuple(tags)


def _embed_cached(encoder: TextEncoder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """The examples' vectors, kept in ``cache_dir`` keyed by encoder and texts (seconds saved
    at every start: e5 embeds a thousand examples in about ten seconds on two cores)."""
    key = hashlib.sha256("\n".join([encoder.name, *texts]).encode("utf-8")).hexdigest()[:24]
    path = cache_dir / f"nearest-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached.astype(np.float32)
        except (OSError, ValueError) as e:
            log.info("embedding cache %s unreadable (%s): embedding again", path, e)
    vectors = encoder.embed(texts, "query").astype(np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp-{key}.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError as e:
            log.info("cannot keep the example vectors in %s: %s", path, e)
    return vectors


def value_slots(
    types: dict[str, Callable[[str, dt.date], tuple[object, int, int] | None]],
) -> SlotFinder:
    """A :data:`SlotFinder` from per-type finders ``(text, today) -> (value, start, end)``."""

    def find(text: str, wanted: Sequence[str], now: dt.datetime) -> tuple[Slot, ...]:
        slots = []
        for name in wanted:
            finder = types.get(name)
            found = finder(text, now.date()) if finder else None
            if found is None:
                continue
            _, start, end = found
            span = text[start:end]
            slots.append(Slot(name, span, start, end, normalize_value(span, now), 0.9))
        return tuple(sorted(slots, key=lambda s: s.start))

    return find
