"""``wenda bench soak [--turns N] [--json]``: a long typed conversation, measured for leaks.

The real dialogue as ``wenda chat`` builds it (the domain's NLU model, the knowledge base,
the order database, the memory database, the chat model unless ``--no-generator``) answers
``N`` turns cycling through a script of the things users do: greetings, order look-ups and
forms, knowledge questions, small talk only the chat model answers, out-of-scope text, bad
input, and a switch to Chinese and back every ``--switch-every`` turns (one language is
loaded at a time, as in ``wenda chat``; both are loaded and answered during the warm-up, and
growth compares the end with the same language after its warm-up, so loading is not counted
as growth). Memory and history go to a temporary data folder, so the user's own history is
never touched.

Reported: ``turns``, ``errors`` (turns that raised), ``rss_after_warmup_mb`` (resident
memory after the first ``--warmup`` turns), ``rss_end_mb``, ``rss_growth_mb`` (the target:
under 50 MB), ``history_rows`` (turns in the history database: every turn must be there),
turn latency medians, and the memory curve (``curve``: [turn, MB] every ``--sample-every``
turns) for the plot in BENCHMARKS.md. CI runs 100 turns (tests/app/test_soak.py).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from app.cli.arg_types import count

log = logging.getLogger(__name__)

SCRIPT = {
    "en": (
        "hello",
        "where is my order?",
        "10482",
        "how much is shipping to France?",
        "can I return a duvet cover after 40 days?",
        "my name is Sam",
        "tell me a joke",
        "what is the capital of Peru?",
        "\x00\x07 ??? \ud800 ....",
        "I want to cancel order 10482",
        "no",
        "thanks, bye",
    ),
    "zh": ("你好", "我的订单10482在哪里？", "运费是多少？", "谢谢"),
}
TARGET_GROWTH_MB = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--turns", type=count(1, 10_000_000), default=1000, help="typed turns (1000)"
    )
    parser.add_argument(
        "--warmup", type=count(0, 10_000_000), default=20, help="turns before the baseline"
    )
    parser.add_argument(
        "--switch-every", type=count(0, 10_000_000), default=100, help="turns between /lang"
    )
    parser.add_argument(
        "--sample-every", type=count(1, 10_000_000), default=10, help="turns a sample"
    )
    parser.add_argument("--no-generator", action="store_true", help="templates and KB only")
    parser.add_argument("--nlu-en", default="", help="NLU model folder for English")
    parser.add_argument("--nlu-zh", default="", help="NLU model folder for Chinese")


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 1024**2


def _history_rows(memory_file: Path) -> int:
    with sqlite3.connect(memory_file) as db:
        return int(db.execute("SELECT COUNT(*) FROM turns").fetchone()[0])


def _build(args: argparse.Namespace) -> Any:
    """Builds the conversation in a language, as ``wenda chat`` does (one at a time)."""
    from app.conversation import OneLanguage, build_dialogue
    from app.serving import Asked, resolve

    def build(language: str) -> Any:
        asked = Asked(
            language=language,
            nlu_model=getattr(args, f"nlu_{language}") or "",
            generator=not args.no_generator,
        )
        return build_dialogue(resolve(args.config, asked), "soak")

    return OneLanguage(build(_language(1, args)), build)


def _language(turn: int, args: argparse.Namespace) -> str:
    """English, then Chinese for the second half of the warm-up (so both are loaded and
    warm before the baseline), then a switch every ``switch_every`` turns."""
    if not args.switch_every:
        return "en"
    if turn <= args.warmup:
        return "zh" if turn > args.warmup // 2 else "en"
    return ("en", "zh")[((turn - args.warmup) // args.switch_every) % 2]


def _converse(args: argparse.Namespace, memory_file: Path) -> dict[str, Any]:
    conversations = _build(args)
    scripts = {lang: itertools.cycle(lines) for lang, lines in SCRIPT.items()}
    errors, latencies, curve = 0, [], []
    warm: dict[str, float] = {}  # language -> resident MB after its last warm-up turn
    for turn in range(1, args.turns + 1):
        language = _language(turn, args)
        started = time.perf_counter()
        try:  # no reference kept between turns: a switch lets the old language go
            conversations.get(language).turn(next(scripts[language]))
        except Exception:  # counted and reported: a soak must see every failure
            errors += 1
            log.exception("turn %d failed", turn)
        latencies.append((time.perf_counter() - started) * 1000)
        if turn <= args.warmup and _language(turn + 1, args) != language or turn == args.warmup:
            warm[language] = _rss_mb()
        if turn % args.sample_every == 0 or turn == args.turns:
            curve.append([turn, round(_rss_mb(), 1)])
            log.info("turn %d: %.1f MB resident, %d errors", turn, curve[-1][1], errors)
    end, last = _rss_mb(), _language(args.turns, args)
    baseline = warm.get(last, end)  # the same language's models loaded: growth is a leak
    conversations.close()
    return {
        "turns": args.turns,
        "errors": errors,
        "rss_after_warmup_mb": round(baseline, 1),
        "rss_end_mb": round(end, 1),
        "rss_growth_mb": round(end - baseline, 1),
        "target_growth_mb": TARGET_GROWTH_MB,
        "history_rows": _history_rows(memory_file),
        "turn_ms_median": round(statistics.median(latencies), 1),
        "turn_ms_p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 1),
        "languages": sorted({_language(t, args) for t in range(1, args.turns + 1)}),
        "rss_after_warmup_by_language_mb": {k: round(v, 1) for k, v in sorted(warm.items())},
        "curve": curve,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from app import paths

    with tempfile.TemporaryDirectory(prefix="wenda-soak-") as data:
        saved = os.environ.get("WENDA_DATA_DIR")
        os.environ["WENDA_DATA_DIR"] = data  # memory and orders of the soak only
        try:
            result = _converse(args, paths.data_dir() / "memory.sqlite")
        finally:
            if saved is None:
                os.environ.pop("WENDA_DATA_DIR", None)
            else:
                os.environ["WENDA_DATA_DIR"] = saved
    return result
