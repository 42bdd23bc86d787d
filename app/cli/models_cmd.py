"""``wenda models list | prepare | verify | path``: the offline model store from the terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.cli.progress import model_bar, training_bar
from app.store.domain_models import domain_model_status
from app.store.errors import ModelStoreError
from app.store.status import ModelStatus
from app.store.store import ModelStore

EXIT_PROBLEM = 2


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("models", help="list, prepare and verify the bundled models")
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    for name, help_text in (
        ("list", "show every model, its state, size and license (fast: checks sizes)"),
        ("verify", "re-hash every prepared file and report what is missing or corrupt"),
        ("prepare", "check, join and convert the weights into the cache (idempotent)"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument(
            "roles", nargs="*", metavar="ROLE", help="only these roles (default: all)"
        )
        action.add_argument("--json", action="store_true", help="print one JSON document")
        if name == "prepare":
            action.add_argument("--force", action="store_true", help="rebuild even if ready")
            action.add_argument(
                "--lang",
                action="append",
                choices=("en", "zh"),
                help="only what conversations in this language need (default: every language)",
            )
            action.add_argument(
                "--background",
                action="store_true",
                help="train the domain models in a background process (Wenda answers meanwhile)",
            )
    path = actions.add_parser("path", help="print the folder the model for ROLE loads from")
    path.add_argument("role", metavar="ROLE")
    parser.set_defaults(run=run)


def _format_size(size_bytes: int) -> str:
    return f"{size_bytes / 1e6:,.0f} MB" if size_bytes else "-"


def print_table(rows: list[ModelStatus]) -> None:
    widths = (15, 28, 8, 9)
    for row in rows:
        cells = (row.role, row.name, row.state, _format_size(row.size_bytes))
        line = "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
        print(f"{line}  {row.license}")
        print(f"{'':15}  {row.detail or row.path}")


def _report(rows: list[ModelStatus], as_json: bool) -> int:
    if as_json:
        print(json.dumps([r.to_json() for r in rows], indent=2))
    else:
        print_table(rows)
    return 0 if all(r.state == "ready" for r in rows) else EXIT_PROBLEM


def _prepare(store: ModelStore, args: argparse.Namespace) -> int:
    failures = 0
    results: list[dict[str, Any]] = []
    roles = args.roles
    if args.lang and not roles:
        roles = [r for lang in args.lang for r in store.manifest.roles_for(lang)]
    for entry in store.entries(roles):
        started = time.perf_counter()
        try:
            with model_bar(entry.name) as step:
                store.prepare([entry.role], step=step, force=args.force)
        except ModelStoreError as e:
            failures += 1
            print(f"wenda: {entry.role} ({entry.name}): {e}", file=sys.stderr)
            results.append({"role": entry.role, "name": entry.name, "error": str(e)})
            continue
        status = store.status(entry)
        seconds = time.perf_counter() - started
        results.append({**status.to_json(), "seconds": round(seconds, 2)})
        if not args.json:
            print(
                f"{status.state:8} {entry.role:15} {entry.name:28} {seconds:6.1f} s  {status.path}"
            )
    domain = [
        m for m in store.domain_models(args.roles) if not args.lang or m.language in args.lang
    ]
    if args.background and not args.force:
        return _train_in_background(domain, results, args.json, failures)
    for model in domain:
        started = time.perf_counter()
        try:
            with training_bar(model.name) as on_update:
                store.prepare_domain(model, force=args.force, on_update=on_update)
        except ModelStoreError as e:
            failures += 1
            print(f"wenda: {model.role} ({model.name}): {e}", file=sys.stderr)
            results.append({"role": model.role, "name": model.name, "error": str(e)})
            continue
        status = domain_model_status(model)
        seconds = time.perf_counter() - started
        results.append({**status.to_json(), "seconds": round(seconds, 2)})
        if not args.json:
            print(
                f"{status.state:8} {model.role:15} {model.name:28} {seconds:6.1f} s  {status.path}"
            )
    if args.json:
        print(json.dumps(results, indent=2))
    return EXIT_PROBLEM if failures else 0


def _train_in_background(
    models: list[Any], results: list[dict[str, Any]], as_json: bool, failures: int
) -> int:
    """Start one background job per language whose domain models are not ready."""
    from app.store.domain_progress import language_training
    from app.store.domain_training import log_file, start_background

    for language in dict.fromkeys(m.language for m in models):
        folder = next(m.domain_dir for m in models if m.language == language)
        status = language_training(folder, language)
        if not status.ready and not status.training:
            start_background(folder, language)
        state = "ready" if status.ready else "training"
        log = log_file(status.domain, language)
        results.append({"language": language, "domain": status.domain, "state": state})
        if not as_json:
            where = "" if status.ready else f" in the background (log: {log})"
            print(f"{state:8} {status.domain} models ({language}){where}")
    if as_json:
        print(json.dumps(results, indent=2))
    return EXIT_PROBLEM if failures else 0


def run(args: argparse.Namespace) -> int:
    store = ModelStore(config=args.config)
    if args.models_action == "path":
        print(store.path(args.role))
        return 0
    if args.models_action == "prepare":
        return _prepare(store, args)
    rows = store.statuses(args.roles, deep=args.models_action == "verify")
    code = _report(rows, args.json)
    return code if args.models_action == "verify" else 0
