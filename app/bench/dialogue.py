"""Benchmark of the dialogue manager without speech, on the default (or given) domain:
turn latency (median, p95) over a scripted conversation per language with the real NLU,
knowledge base and order database (no generator), retrieval top-1 on the held-out FAQ
paraphrases (and on the dev paraphrases used for tuning), and emotion accuracy / macro-F1 on
the held-out emotion examples. Retrieval uses the encoder tuned on the FAQ when it is
prepared (``--base-encoder``: the base encoder, for comparison).

Writes nothing to the user's data: memory and orders live in a temporary folder. Only the
scores are printed, never the held-out questions (so nobody tunes on them by accident).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.cli.arg_types import count

# One conversation per language: a form over turns, an FAQ, chitchat, out of scope.
SCRIPTS = {
    "en": [
        "hi",
        "where is my order 10482",
        "how much does shipping to France cost",
        "I want to return something",
        "order 10391",
        "the women's linen shirt",
        "thanks",
        "what's the weather like on Mars",
        "no",
        "bye",
    ],
    "zh": [
        "你好",
        "我的订单10482到哪了",
        "寄到法国运费多少",
        "我想退货",
        "订单号10391",
        "女士亚麻衬衫",
        "谢谢",
        "火星上天气怎么样",
        "不是",
        "再见",
    ],
}
NOW = dt.datetime(2026, 3, 16, 10, 0)  # the reference date of the shop's orders.sql


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", metavar="DIR", default="", help="domain folder")
    parser.add_argument("--lang", choices=("en", "zh"), action="append", help="only this language")
    parser.add_argument(
        "--rounds", type=count(1, 10_000), default=5, help="conversations per language"
    )
    parser.add_argument(
        "--base-encoder", action="store_true", help="retrieve with the untuned base encoder"
    )
    parser.add_argument(
        "--nlu-model",
        metavar="DIR",
        action="append",
        default=[],
        help="NLU model folder (once per --lang, in the same order)",
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _latency(domain: Any, language: str, nlu: Any, retriever: Any, rounds: int) -> dict[str, Any]:
    from dialogue.actions.orders_db import memory_orders_db
    from dialogue.manager import DialogueManager
    from dialogue.memory import Memory

    latencies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="wenda-bench-") as tmp:
        memory = Memory(Path(tmp) / "memory.sqlite")
        for round_index in range(rounds + 1):  # round 0 warms up and is not counted
            orders = memory_orders_db(domain.orders_sql) if domain.orders_sql else None
            manager = DialogueManager(
                domain, language, nlu, retriever, None, orders, memory, "bench", lambda: NOW
            )
            for text in SCRIPTS[language]:
                started = time.perf_counter()
                manager.turn(text)
                if round_index:
                    latencies.append((time.perf_counter() - started) * 1000)
        memory.close()
    return {
        "turns": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
    }


def _encoder_label(encoder: Any) -> str:
    """The retrieval encoder's folder name, "+ tuned" when the FAQ-tuned layers are on."""
    if encoder is None:
        return "none (BM25 only)"
    config = encoder.config
    return config.model_dir.name + (" + tuned" if config.tuned_dir else "")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.conversation import build_retriever, load_nlu
    from app.domains import configured_domain
    from app.paths import cache_dir
    from app.serving import Asked, resolve
    from dialogue.kb.index import build_kb
    from training.dialogue_eval import (
        emotion_scores,
        faq_dev_split,
        kb_dev_pairs,
        kb_eval_pairs,
        top1,
    )

    domain = configured_domain(args.config, args.domain)
    languages = args.lang or list(domain.languages)
    results: dict[str, Any] = {"domain": domain.name}
    for index, language in enumerate(languages):
        pack = domain.pack(language)
        model = args.nlu_model[index] if index < len(args.nlu_model) else ""
        asked = Asked(language, args.domain, model, tuned_encoder=not args.base_encoder)
        serving = resolve(args.config, asked)
        started = time.perf_counter()
        nlu = load_nlu(serving.nlu)
        retriever = build_retriever(domain, language, serving.retrieval)
        load_s = time.perf_counter() - started
        kept, held = faq_dev_split(pack.faq)
        dev_kb = build_kb(
            kept, pack.documents, language, retriever.encoder, cache_dir() / "kb", retriever.config
        )
        evaluation = top1(retriever.search, kb_eval_pairs(pack, domain.root))
        results[language] = {
            "load_s": round(load_s, 1),
            "turn_latency": _latency(domain, language, nlu, retriever, args.rounds),
            "retrieval_top1": round(evaluation["top1"], 4),
            "retrieval_n": evaluation["n"],
            "retrieval_dev_top1": round(
                top1(retriever.search, kb_dev_pairs(pack, domain.root))["top1"], 4
            ),
            # a tuned encoder has seen these held-out phrasings: only a base-encoder number
            "retrieval_faq_split_top1": round(top1(dev_kb.search, held)["top1"], 4),
            "retrieval_dense": retriever.vectors is not None,
            "retrieval_encoder": _encoder_label(retriever.encoder),
            "emotion": {
                k: round(v, 4) if isinstance(v, float) else v
                for k, v in emotion_scores(pack, domain.root).items()
                if k != "per_label"
            },
        }
    return results
