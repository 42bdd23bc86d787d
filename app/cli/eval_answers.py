"""``wenda eval answers``: knowledge questions asked end to end, scored on the key facts.

Each question of the domain's ``LANG/eval/answers_dev.jsonl`` (or ``--data``) goes through the
whole dialogue as a new conversation, with the answers read as stored (``--compose never``)
or worded by the chat model (``always``/``documents``), with the adapter served for the
language, another one (``--adapter``) or the base model (``--base-model``). Scoring lives in
``training/generator/answers.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from app.config import Config
from app.generator import NO_ADAPTER

EVAL_NOW = "2026-03-16T10:00"


def add_parser(actions: Any) -> None:
    """Add the ``answers`` action to ``wenda eval``'s sub-parsers."""
    parser = actions.add_parser(
        "answers", help="knowledge questions through the whole dialogue: key facts, declines"
    )
    parser.add_argument("--lang", choices=("en", "zh"), default=None, help="default: config")
    parser.add_argument("--data", type=Path, default=None, help="answers JSONL (default: dev)")
    parser.add_argument("--compose", choices=("always", "documents", "never"), default=None)
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--adapter", type=Path, default=None, help="serve this LoRA adapter")
    model.add_argument("--base-model", action="store_true", help="serve no adapter")
    parser.add_argument("--engine", choices=("ctranslate2", "transformers"), default=None)
    parser.add_argument(
        "--now",
        metavar="ISO",
        default=EVAL_NOW,
        help="the conversation's clock (default: a Monday 10:00, within the team's hours, "
        "so the scores do not depend on when the evaluation runs)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(run=run)


def _config(args: argparse.Namespace, language: str) -> Config:
    """The user's config with this evaluation's choices on top."""
    generator = args.config.generator
    changes: dict[str, Any] = {}
    if args.compose:
        changes["compose"] = args.compose
    if args.engine:
        changes["engine"] = args.engine
    if args.adapter or args.base_model:
        adapter = str(args.adapter.resolve()) if args.adapter else NO_ADAPTER
        changes["adapters"] = {**generator.adapters, language: adapter}
    generator = dataclasses.replace(generator, **changes)
    return dataclasses.replace(args.config, generator=generator)


def run(args: argparse.Namespace) -> int:
    from app import serving
    from app.cli.chat_cmd import clock_of
    from app.conversation import build_dialogue
    from training.generator.answers import (
        ANSWERS_DEV_FILE,
        Asked,
        evaluate_answers,
        knowledge_facts,
        load_answer_items,
    )

    language = args.lang or args.config.general.language
    config = _config(args, language)
    served = serving.resolve(config, serving.Asked(language=language))
    pack = served.domain.pack(language)
    items = load_answer_items(args.data or served.domain.root / language / ANSWERS_DEV_FILE)
    manager = build_dialogue(served, "wenda-eval", clock_of(args.now))
    if args.compose and manager.generator is not None:  # also for the base model (evaluation)
        manager.compose = args.compose

    def ask(question: str) -> Asked:
        manager.reset()
        manager.state.history.clear()
        started = time.perf_counter()
        result = manager.turn(question)
        elapsed = (time.perf_counter() - started) * 1000
        return Asked(result.reply, result.decision, elapsed, result.extra)

    knowledge = knowledge_facts([f.answer for f in pack.faq] + [d.text for d in pack.documents])
    report = evaluate_answers(ask, items, knowledge, language)
    manager.forget_user()
    report = {
        "language": language,
        "compose": manager.compose,
        "generator": type(manager.generator).__name__ if manager.generator else None,
        **report,
    }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print(report)
    return 0


def _print(report: dict[str, Any]) -> None:
    for row in report["items"]:
        mark = "ok " if row["key_fact"] else ("dec" if row["declined"] else "-- ")
        print(f"{mark} {row['id']:20} {row['decision']:12} {row['reply'][:90]}")
    for key in (
        "key_fact_share",
        "wrongly_declined_share",
        "invented_number_count",
        "declined_unanswerable_share",
        "latency_ms_median",
    ):
        print(f"{key:30} {report[key]}")
