"""The wizard's NLU evaluation, run as a subprocess: the new model and the current one scored
on the same held-out data, plus the examples the new model gets wrong.

``python -m app.finetune.eval_job --new DIR [--current DIR] --data PATH --out REPORT.json``
writes ``{"new": {...metrics, "wrong": [...]}, "current": {...} | null}``; metrics are those
of ``wenda eval nlu`` (fractions in [0, 1]). A subprocess keeps torch out of the GUI process.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from dialogue.atomic import write_text_atomic

log = logging.getLogger(__name__)

MAX_WRONG = 25
METRICS = (
    "intent_accuracy",
    "slot_f1",
    "sentence_accuracy",
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
)


def wrong_examples(
    examples: list[Any], predictions: list[Any], limit: int = MAX_WRONG
) -> list[dict[str, Any]]:
    """Examples whose intent or slots came out wrong, intent mistakes first."""
    rows = []
    for gold, pred in zip(examples, predictions, strict=True):
        intent_ok = pred.decided_intent == gold.intent
        if intent_ok and pred.tags == gold.tags:
            continue
        rows.append(
            {
                "text": gold.text,
                "gold_intent": gold.intent,
                "predicted_intent": pred.decided_intent,
                "confidence": round(float(pred.confidence), 3),
                "problem": "slots" if intent_ok else "intent",
            }
        )
    rows.sort(key=lambda r: r["problem"] != "intent")
    return rows[:limit]


def score_model(model: Path, examples: list[Any], with_wrong: bool) -> dict[str, Any]:
    from dialogue.nlu.predictor import NluPredictor
    from training.nlu.evaluate import score

    predictor = NluPredictor.load(model)
    predictions = predictor.predict_words([(e.text, e.words) for e in examples])
    result = score(examples, predictions)
    result["model"] = str(model)
    if with_wrong:
        result["wrong"] = wrong_examples(examples, predictions)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.finetune.eval_job")
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--current", type=Path, default=None)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from dialogue.nlu.dataset import load_examples

    examples, _ = load_examples(args.data, for_training=False)
    report: dict[str, Any] = {"data": str(args.data), "n": len(examples)}
    report["new"] = score_model(args.new, examples, with_wrong=True)
    report["current"] = None
    if args.current:
        try:
            report["current"] = score_model(args.current, examples, with_wrong=False)
        except Exception as e:  # an unusable current model must not hide the new one's report
            log.warning("could not score the current model %s: %s", args.current, e)
            report["current_error"] = str(e)
    write_text_atomic(args.out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
