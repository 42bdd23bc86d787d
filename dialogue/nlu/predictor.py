"""Prediction: text in, :class:`Understanding` out (intent, out-of-scope flag, slots).

``predict`` has no side effects and runs the model under ``inference_mode``. Slot tags come from
constrained Viterbi (``bio.viterbi``), so every tag sequence is valid BIO; spans map back to
character offsets of the original text through the words' offsets. Once the intent is chosen,
only the slot types that intent carried in training are decoded (``ModelMeta.intent_slots``):
a slot of another intent's inventory can only be a mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from dialogue.nlu.bio import allowed_tags, spans_from_tags, transition_mask, viterbi
from dialogue.nlu.checkpoint import LoadedModel, load_model
from dialogue.nlu.encoding import Encoded, collate, encode_words
from dialogue.nlu.outofscope import is_out_of_scope, nearest_similarity
from dialogue.nlu.schema import OUT_OF_SCOPE, Slot, Understanding, Word
from dialogue.nlu.values import normalize_value
from dialogue.nlu.words import split_words

log = logging.getLogger(__name__)

_EXCLUDED = np.float32(-1e9)  # the emission score of a tag the chosen intent never carries


class NluPredictor:
    """A loaded NLU model; build with :meth:`load` (a model folder) or from a LoadedModel."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.model = loaded.model.eval()
        self.tokenizer = loaded.tokenizer
        self.meta = loaded.meta
        self.references = loaded.references
        self._start, self._pairs = transition_mask(self.meta.tags)
        self._oos_index = (
            self.meta.intents.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.meta.intents else None
        )
        self._pad_id = int(self.tokenizer.pad_token_id or 0)
        crf = getattr(self.model, "crf", None)
        self._crf_scores = crf.numpy_scores() if crf is not None else None
        self._intent_tags = {
            i: allowed_tags(self.meta.tags, self.meta.intent_slots.get(intent, ()))
            for i, intent in enumerate(self.meta.intents)
            if self.meta.intent_slots is not None and intent != OUT_OF_SCOPE
        }

    @classmethod
    def load(cls, folder: Path) -> NluPredictor:
        return cls(load_model(folder))

    def predict(self, texts: Sequence[str], now: datetime | None = None) -> list[Understanding]:
        """Understand raw texts (split into words here). ``now`` anchors relative dates."""
        return self.predict_words([(t, split_words(t)) for t in texts], now=now)

    def predict_words(
        self,
        items: Sequence[tuple[str, Sequence[Word]]],
        now: datetime | None = None,
        batch_size: int = 64,
    ) -> list[Understanding]:
        """Understand already split utterances ``(text, words)``; batches by length for speed."""
        now = now or datetime.now()
        encoded = [
            encode_words(self.tokenizer, [w.text for w in ws], self.meta.max_tokens)
            for _, ws in items
        ]
        order = sorted(range(len(items)), key=lambda i: len(encoded[i].input_ids))
        results: list[Understanding | None] = [None] * len(items)
        for first in range(0, len(order), batch_size):
            rows = order[first : first + batch_size]
            batch = self._run([encoded[i] for i in rows])
            for row, (intent_probs, tag_scores, similarity) in zip(rows, batch, strict=True):
                text, words = items[row]
                results[row] = self._understand(
                    text, words, intent_probs, tag_scores, similarity, now
                )
        return [r for r in results if r is not None]

    @torch.inference_mode()
    def _run(self, batch: list[Encoded]) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Per utterance: intent probabilities, per-word tag scores (log-probabilities, or CRF
        emissions), similarity to the nearest training vector."""
        device = next(self.model.parameters()).device  # CUDA while training there
        inputs = {k: v.to(device) for k, v in collate(batch, self._pad_id).items()}
        output = self.model(
            inputs["input_ids"],
            inputs["attention_mask"],
            inputs["word_index"],
            inputs["word_mask"],
        )
        intent_probs = output.intent_logits.float().softmax(-1).cpu().numpy()
        if self._crf_scores is None:
            tag_scores = output.slot_logits.float().log_softmax(-1).cpu().numpy()
        else:
            tag_scores = output.slot_logits.float().cpu().numpy()
        similarity = nearest_similarity(output.pooled.cpu(), self.references).numpy()
        return [
            (intent_probs[i], tag_scores[i, : len(e.word_index)], float(similarity[i]))
            for i, e in enumerate(batch)
        ]

    def _understand(
        self,
        text: str,
        words: Sequence[Word],
        intent_probs: np.ndarray,
        tag_scores: np.ndarray,
        similarity: float,
        now: datetime,
    ) -> Understanding:
        in_scope = intent_probs.copy()
        oos_wins = False
        if self._oos_index is not None:
            oos_wins = int(intent_probs.argmax()) == self._oos_index
            in_scope[self._oos_index] = -1.0
        best = int(in_scope.argmax())
        confidence = float(intent_probs[best])
        if best in self._intent_tags:
            tag_scores = np.where(self._intent_tags[best], tag_scores, _EXCLUDED)
        path = viterbi(tag_scores, self._start, self._pairs, self._crf_scores)
        shifted = np.exp(tag_scores - tag_scores.max(axis=-1, keepdims=True))
        tag_probs = shifted / shifted.sum(axis=-1, keepdims=True)  # per word, for confidence
        tags = tuple(self.meta.tags[i] for i in path)
        slots = []
        for label, first, end in spans_from_tags(tags):
            start, stop = words[first].start, words[end - 1].end
            span_text = text[start:stop]
            slot_confidence = float(np.mean([tag_probs[i, path[i]] for i in range(first, end)]))
            value = normalize_value(span_text, now)
            slots.append(Slot(label, span_text, start, stop, value, slot_confidence))
        return Understanding(
            text=text,
            intent=self.meta.intents[best],
            confidence=confidence,
            out_of_scope=is_out_of_scope(confidence, similarity, self.meta.thresholds, oos_wins),
            slots=tuple(slots),
            tags=tags,
            similarity=similarity,
        )
