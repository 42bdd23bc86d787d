"""Scores of predictions against gold examples: the numbers ``wenda eval nlu`` reports.

- ``intent_accuracy``: the decided intent (``oos`` when flagged out of scope) equals gold;
  intents the model never saw can only be wrong.
- ``slot_f1``: seqeval entity-level F1 over word BIO tags (a slot counts when label, start and
  end all match).
- ``sentence_accuracy``: intent right and every tag right.
- With ``oos`` gold examples: ``in_scope_accuracy`` (in-scope examples with the right intent),
  ``oos_recall`` and ``oos_precision`` of the out-of-scope decision.
All values are fractions in [0, 1]; ``oos_rate`` is the fraction flagged out of scope, and
``closed_set_intent_accuracy`` ignores that flag (the best known intent against gold): the
number comparable with published closed-set results such as JointBERT's on SNIPS.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from seqeval.metrics import f1_score

from dialogue.nlu.schema import OUT_OF_SCOPE, Example, Understanding


def _fraction(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def slot_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """seqeval entity-level F1; 1.0 when neither side has any entity."""
    if not any(t != "O" for tags in [*gold, *predicted] for t in tags):
        return 1.0
    return float(f1_score([list(t) for t in gold], [list(t) for t in predicted]))


def score(gold: Sequence[Example], predicted: Sequence[Understanding]) -> dict[str, Any]:
    """The headline metrics (see the module docstring)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold examples but {len(predicted)} predictions")
    decided = [p.decided_intent for p in predicted]
    intent_ok = [d == g.intent for d, g in zip(decided, gold, strict=True)]
    tags_ok = [p.tags == g.tags for p, g in zip(predicted, gold, strict=True)]
    both_ok = [i and t for i, t in zip(intent_ok, tags_ok, strict=True)]
    result: dict[str, Any] = {
        "n": len(gold),
        "intent_accuracy": _fraction(sum(intent_ok), len(gold)),
        "slot_f1": slot_f1([g.tags for g in gold], [p.tags for p in predicted]),
        "sentence_accuracy": _fraction(sum(both_ok), len(gold)),
        "oos_rate": _fraction(sum(p.out_of_scope for p in predicted), len(gold)),
        "closed_set_intent_accuracy": _fraction(
            sum(p.intent == g.intent for p, g in zip(predicted, gold, strict=True)), len(gold)
        ),
    }
    gold_oos = [g.intent == OUT_OF_SCOPE for g in gold]
    if any(gold_oos):
        flagged = [d == OUT_OF_SCOPE for d in decided]
        in_scope_ok = sum(ok for ok, oos in zip(intent_ok, gold_oos, strict=True) if not oos)
        both = sum(f and o for f, o in zip(flagged, gold_oos, strict=True))
        result["in_scope_accuracy"] = _fraction(in_scope_ok, len(gold) - sum(gold_oos))
        result["oos_recall"] = _fraction(both, sum(gold_oos))
        result["oos_precision"] = _fraction(both, sum(flagged))
    return result


def per_intent(gold: Sequence[Example], predicted: Sequence[Understanding]) -> list[dict[str, Any]]:
    """One row per gold intent: n, intent accuracy and slot F1 on its examples."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(gold):
        groups[example.intent].append(i)
    rows = []
    for intent in sorted(groups):
        members = groups[intent]
        right = sum(predicted[i].decided_intent == intent for i in members)
        f1 = slot_f1([gold[i].tags for i in members], [predicted[i].tags for i in members])
        rows.append(
            {
                "intent": intent,
                "n": len(members),
                "intent_accuracy": _fraction(right, len(members)),
                "slot_f1": f1,
            }
        )
    return rows


def confusions(
    gold: Sequence[Example], predicted: Sequence[Understanding], top: int = 10
) -> list[dict[str, Any]]:
    """The most frequent (gold, predicted) intent mistakes."""
    counts = Counter(
        (g.intent, p.decided_intent)
        for g, p in zip(gold, predicted, strict=True)
        if g.intent != p.decided_intent
    )
    return [{"gold": g, "predicted": p, "count": c} for (g, p), c in counts.most_common(top)]


def evaluate_examples(predictor: Any, examples: Sequence[Example]) -> dict[str, Any]:
    """Predict ``examples`` with ``predictor`` (an NluPredictor) and score them: the metrics,
    the per-intent table and the most frequent confusions, as one JSON-ready dict."""
    predictions = predictor.predict_words([(e.text, e.words) for e in examples])
    return {
        **score(examples, predictions),
        "per_intent": per_intent(examples, predictions),
        "confusions": confusions(examples, predictions),
    }
