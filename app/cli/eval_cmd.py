"""``wenda eval nlu --model DIR --data PATH [--json]``: how good a trained model is on data it
did not learn from. Scoring lives in ``training/nlu/evaluate.py``; this prints it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.cli import eval_answers, eval_generator

HEADLINE = (
    "intent_accuracy",
    "slot_f1",
    "sentence_accuracy",
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
    "oos_rate",
    "closed_set_intent_accuracy",
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("eval", help="score a trained model on labelled data")
    actions = parser.add_subparsers(dest="eval_action", metavar="MODEL", required=True)
    nlu = actions.add_parser("nlu", help="intent accuracy, slot F1 and out-of-scope scores")
    nlu.add_argument("--model", type=Path, required=True, help="folder from wenda train nlu")
    nlu.add_argument(
        "--data",
        type=Path,
        required=True,
        help="JointBERT split folder (seq.in, seq.out, label) or JSONL file",
    )
    nlu.add_argument("--json", action="store_true", help="print one JSON document")
    eval_generator.add_parser(actions)  # `wenda eval generator` (its own module and run)
    eval_answers.add_parser(actions)  # `wenda eval answers`
    parser.set_defaults(run=run)


def print_report(result: dict[str, Any]) -> None:
    print(f"n = {result['n']}")
    for key in HEADLINE:
        if key in result:
            print(f"{key:18} {result[key]:.4f}")
    print(f"\n{'intent':28} {'n':>5} {'accuracy':>9} {'slot F1':>8}")
    for row in result["per_intent"]:
        print(
            f"{row['intent']:28} {row['n']:>5} {row['intent_accuracy']:>9.4f} "
            f"{row['slot_f1']:>8.4f}"
        )
    if result["confusions"]:
        print("\nmost frequent confusions (gold -> predicted):")
        for row in result["confusions"]:
            print(f"  {row['count']:>4}  {row['gold']} -> {row['predicted']}")


def run(args: argparse.Namespace) -> int:
    from app.cli.train_cmd import quiet_transformers
    from dialogue.nlu.dataset import load_examples
    from dialogue.nlu.predictor import NluPredictor
    from training.nlu.evaluate import evaluate_examples

    quiet_transformers()
    examples, _ = load_examples(args.data, for_training=False)
    result = evaluate_examples(NluPredictor.load(args.model), examples)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    return 0
