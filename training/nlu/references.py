"""A trained NLU model made ready for use: its out-of-scope reference vectors (pooled
training examples), thresholds calibrated on dev, and its final dev scores with them.

With the bottom frozen, the vectors and dev passes come from the run's cache of the frozen
bottom's features (the same numbers, a fraction of the time).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import torch

from dialogue.nlu.checkpoint import LoadedModel, ModelMeta
from dialogue.nlu.encoding import Encoded, collate, encode_words
from dialogue.nlu.model import JointModel
from dialogue.nlu.outofscope import OosThresholds
from dialogue.nlu.predictor import NluPredictor
from dialogue.nlu.schema import OUT_OF_SCOPE, Example
from training.nlu.cached import BatchLoss, CachedRunner
from training.nlu.calibrate import thresholds_for_recall, thresholds_with_oos
from training.nlu.config import TrainConfig
from training.nlu.data import Splits
from training.nlu.evaluate import score


def encode_examples(tokenizer: Any, examples: Sequence[Example], meta: ModelMeta) -> list[Encoded]:
    intent_index = {name: i for i, name in enumerate(meta.intents)}
    tag_index = {name: i for i, name in enumerate(meta.tags)}
    encoded = []
    for example in examples:
        plain = encode_words(tokenizer, [w.text for w in example.words], meta.max_tokens)
        tags = tuple(tag_index[t] for t in example.tags)
        encoded.append(
            Encoded(
                plain.input_ids, plain.word_index, plain.dropped, intent_index[example.intent], tags
            )
        )
    return encoded


@torch.inference_mode()
def reference_vectors(
    model: JointModel,
    tokenizer: Any,
    examples: Sequence[Example],
    meta: ModelMeta,
    per_intent: int,
    seed: int,
    pooled: Callable[[list[int]], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Pooled vectors of up to ``per_intent`` in-scope training examples per intent (N, H);
    ``pooled(indices)`` gives them from a cache instead of running the model."""
    rng = random.Random(seed)
    picked: list[int] = []
    for intent in meta.intents:
        group = [i for i, e in enumerate(examples) if e.intent == intent != OUT_OF_SCOPE]
        picked += rng.sample(group, min(per_intent, len(group)))
    if not picked:
        return torch.zeros((0, int(model.encoder_config.hidden_size)))
    if pooled is not None:
        return pooled(picked)
    chosen = [examples[i] for i in picked]
    encoded = encode_examples(tokenizer, chosen, meta)
    pad_id = int(tokenizer.pad_token_id or 0)
    vectors = []
    device = next(model.parameters()).device
    for first in range(0, len(encoded), 64):
        inputs = collate(encoded[first : first + 64], pad_id)
        inputs = {k: v.to(device) for k, v in inputs.items() if not k.endswith("labels")}
        vectors.append(model(**inputs).pooled.float().cpu())
    return torch.cat(vectors)


def calibrated(
    joint: JointModel,
    tokenizer: Any,
    meta: ModelMeta,
    splits: Splits,
    config: TrainConfig,
    cache: tuple[BatchLoss, CachedRunner | None],
) -> tuple[NluPredictor, OosThresholds, dict[str, Any]]:
    """The trained model with its out-of-scope references and thresholds, and its dev scores
    with them; on the cache of the frozen bottom when there is one (the same numbers)."""
    batch_loss, runner = cache
    pooled = batch_loss.pooled if runner is not None else None
    references = reference_vectors(
        joint, tokenizer, splits.train, meta, config.references_per_intent, config.seed, pooled
    )
    references = references.half().float()  # as saved: the model in memory is the one on disk
    runs: Any = runner or joint
    predictor = NluPredictor(LoadedModel(runs, tokenizer, meta, references))
    thresholds = calibrate(predictor, splits.dev, config)
    predictor.meta = ModelMeta(**{**meta.__dict__, "thresholds": thresholds})
    dev_final = score(splits.dev, predictor.predict_words([(e.text, e.words) for e in splits.dev]))
    final = NluPredictor(LoadedModel(joint, tokenizer, predictor.meta, references))
    return final, thresholds, dev_final


def calibrate(
    predictor: NluPredictor, dev: Sequence[Example], config: TrainConfig
) -> OosThresholds:
    """Out-of-scope thresholds from the model's dev predictions (see ``calibrate.py``)."""
    predictions = predictor.predict_words([(e.text, e.words) for e in dev])
    confidences = [p.confidence for p in predictions]
    similarities = [p.similarity for p in predictions]
    is_oos = [e.intent == OUT_OF_SCOPE for e in dev]
    if any(is_oos) and not all(is_oos):
        oos_wins = [p.out_of_scope for p in predictions]  # thresholds are off: only the class
        return thresholds_with_oos(confidences, similarities, is_oos, oos_wins)
    in_scope = [i for i, oos in enumerate(is_oos) if not oos]
    return thresholds_for_recall(
        [confidences[i] for i in in_scope],
        [similarities[i] for i in in_scope],
        config.oos_in_scope_recall,
    )
