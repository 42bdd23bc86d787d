"""``wenda eval generator``: the adapter against its base model, on loss and on grounding.

Prints held-out loss and perplexity of both (the adapter's own held-out split unless
``--data`` names a chat JSONL file or a domain) and the grounding shares from the domain's
``eval/grounding.jsonl``; ``--json`` prints one document (the fine-tuning window reads it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(actions: Any) -> None:
    """Add the ``generator`` action to ``wenda eval``'s sub-parsers."""
    parser = actions.add_parser(
        "generator", help="held-out perplexity and grounding: base model vs LoRA adapter"
    )
    parser.add_argument("--adapter", type=Path, required=True, help="folder from train generator")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="chat JSONL file or domain folder (default: the adapter's held-out split)",
    )
    parser.add_argument("--base", default="", help="base model folder (default: as trained)")
    grounding = parser.add_mutually_exclusive_group()
    grounding.add_argument(
        "--grounding",
        type=Path,
        default=None,
        help="grounding eval file (default: the training domain's LANG/eval/grounding.jsonl)",
    )
    grounding.add_argument(
        "--dev",
        action="store_true",
        help="grounding on a dev set made from the domain's unused FAQ paraphrases (tune "
        "training on this, never on the eval file)",
    )
    grounding.add_argument(
        "--no-grounding", action="store_true", help="skip the grounding test (it generates)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(run=run)


def _base_model(args: argparse.Namespace, info: dict[str, Any]) -> str:
    """--base, else the model the adapter was trained on, else the bundled one for its language."""
    if args.base:
        return str(args.base)
    if Path(info["base_model"]).is_dir():
        return str(info["base_model"])
    from app.store.roles import generator_role
    from app.store.store import ModelStore

    return ModelStore(config=args.config).path(generator_role(info["language"]))


def print_report(result: dict[str, Any]) -> None:
    print(f"{result['language']} adapter {result['adapter']}")
    print(f"data: {result['data']} ({result['n']} examples, {result['tokens']} reply tokens)")
    print(f"{'':22}{'base':>10}{'adapter':>10}")
    for name in ("loss", "perplexity"):
        print(f"{name:22}{result[f'base_{name}']:>10.3f}{result[f'adapter_{name}']:>10.3f}")
    grounding = result.get("grounding")
    if grounding:
        print(f"grounding ({grounding['base']['n']} questions): {grounding['file']}")
        for key in (
            "grounded_answer_share",
            "counterfactual_grounded_share",
            "correct_decline_share",
            "unsupported_fact_share",
            "false_decline_share",
        ):
            base, adapter = grounding["base"][key], grounding["adapter"][key]
            if base is not None and adapter is not None:
                print(f"{key:22}{base:>10.3f}{adapter:>10.3f}")


def run(args: argparse.Namespace) -> int:
    from training.generator.checkpoint import read_info
    from training.generator.evaluate import default_grounding_file, evaluate_adapter

    info = read_info(args.adapter)
    grounding = None
    if not (args.no_grounding or args.dev):
        grounding = args.grounding or default_grounding_file(info)
    result = evaluate_adapter(
        args.adapter,
        base=_base_model(args, info),
        data=args.data,
        grounding=grounding,
        dev=args.dev,
    )
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    return 0
