"""``wenda predict nlu --model DIR TEXT...``: one JSON object per text (intent, confidence,
out_of_scope, slots with character offsets and normalised values). Texts come from standard
input, one per line, when none are given."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("predict", help="run a trained model on text")
    actions = parser.add_subparsers(dest="predict_action", metavar="MODEL", required=True)
    nlu = actions.add_parser("nlu", help="intent, out-of-scope flag and slots of each text")
    nlu.add_argument("--model", type=Path, required=True, help="folder from wenda train nlu")
    nlu.add_argument("texts", nargs="*", metavar="TEXT", help="default: lines of standard input")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from app.cli.train_cmd import quiet_transformers
    from dialogue.nlu.predictor import NluPredictor

    quiet_transformers()
    predictor = NluPredictor.load(args.model)
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for understanding in predictor.predict(texts):
        print(json.dumps(understanding.to_json(), ensure_ascii=False), flush=True)
    return 0
