"""``wenda domain check [DIR]`` and ``wenda domain train [DIR]``: validate a domain folder
(every problem with file, line and field) and train its models: the NLU model and the
retrieval encoder tuned on the FAQ, per language.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from app.cli.arg_types import count


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("domain", help="check a domain folder or train its NLU")
    actions = parser.add_subparsers(dest="domain_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a domain folder and summarise it")
    check.add_argument("dir", nargs="?", default="", help="domain folder (default: configured)")
    check.add_argument("--json", action="store_true", help="print one JSON document")
    train = actions.add_parser(
        "train", help="train the domain's NLU model and tune its retrieval encoder per language"
    )
    train.add_argument("dir", nargs="?", default="", help="domain folder (default: configured)")
    train.add_argument("--lang", choices=("en", "zh"), action="append", help="only this language")
    train.add_argument("--out", metavar="DIR", default="", help="model folder (one language)")
    train.add_argument(
        "--epochs", type=count(0, 1000), default=0, help="NLU training epochs (0: the default, 6)"
    )
    train.add_argument(
        "--only", choices=("nlu", "kb"), default="", help="train only the NLU or only retrieval"
    )
    parser.set_defaults(run=run)


def _summary(domain: Any) -> dict[str, Any]:
    packs = {}
    for language, pack in domain.packs.items():
        examples = sum(1 for line in pack.nlu_file.read_text("utf-8").splitlines() if line.strip())
        packs[language] = {
            "intents": len(pack.intents),
            "nlu_examples": examples,
            "faq_entries": len(pack.faq),
            "documents": len(pack.documents),
            "response_keys": sum(len(t) for t in pack.responses.values()),
        }
    return {
        "domain": domain.name,
        "folder": str(domain.root),
        "slots": len(domain.slots),
        "forms": len(domain.forms),
        "orders_sql": bool(domain.orders_sql),
        "languages": packs,
    }


def _problems_json(error: Any) -> dict[str, Any]:
    """``domain check --json`` of a folder with problems: the problems as data (stdout is
    never empty, so a script can read why)."""
    return {
        "folder": error.root,
        "valid": False,
        "problems": [
            {"file": i.source, "line": i.line, "field": i.field, "message": i.message}
            for i in error.issues
        ],
        "skipped_checks": bool(error.skipped),
    }


def _check(args: argparse.Namespace) -> int:
    from app.domains import configured_domain
    from dialogue.domain import DomainError

    try:
        domain = configured_domain(args.config, args.dir)
    except DomainError as e:
        if not args.json:
            raise
        print(json.dumps(_problems_json(e), indent=2, ensure_ascii=False))
        return 2
    summary = _summary(domain)
    if args.json:
        print(json.dumps({**summary, "valid": True, "problems": []}, indent=2, ensure_ascii=False))
        return 0
    print(f"{summary['folder']}: domain {domain.name} is valid")
    print(f"  {summary['slots']} slot types, {summary['forms']} forms")
    for language, counts in summary["languages"].items():
        parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        print(f"  {language}: {parts}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from app.domains import configured_domain, nlu_model_dir
    from app.store.roles import ENCODER_ROLES
    from app.store.store import ModelStore
    from training.domain_nlu import DOMAIN_EPOCHS, train_domain_nlu

    domain = configured_domain(args.config, args.dir)
    folder = domain.root
    languages = args.lang or list(domain.languages)
    if args.out and (len(languages) != 1 or args.only == "kb"):
        print("wenda: --out needs exactly one --lang (and is the NLU's folder)", file=sys.stderr)
        return 2
    store = ModelStore(config=args.config)

    def progress(record: dict[str, Any]) -> None:
        shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}
        print(f"  {shown}", file=sys.stderr)

    for language in languages:
        encoder = Path(store.path(ENCODER_ROLES[language]))
        if args.only != "kb":
            out = Path(args.out) if args.out else nlu_model_dir(domain.name, language)
            print(f"training {domain.name} NLU ({language}) on {encoder.name} -> {out}",
                  file=sys.stderr)  # fmt: skip
            started = time.perf_counter()
            train_domain_nlu(folder, language, encoder, out, progress, args.epochs or DOMAIN_EPOCHS)
            print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            print(out)
        if args.only != "nlu" and not args.out:
            print(_tune_kb(domain, language, encoder, progress))
    return 0


def _tune_kb(domain: Any, language: str, encoder: Path, progress: Any) -> Path:
    from app.store.domain_models import DomainModel
    from app.store.domain_trainers import retrieval_encoder_config
    from training.kb_encoder import domain_kb_config, train_kb_encoder

    out = DomainModel(domain.name, language, domain.root, "kb").folder()
    print(f"tuning {domain.name} retrieval ({language}) on {encoder.name} -> {out}",
          file=sys.stderr)  # fmt: skip
    started = time.perf_counter()
    config = retrieval_encoder_config(language, encoder)
    train_kb_encoder(domain.root, language, config, out, domain_kb_config(language), progress)
    print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


def run(args: argparse.Namespace) -> int:
    return _check(args) if args.domain_action == "check" else _train(args)
