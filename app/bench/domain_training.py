"""Benchmark of training a domain's models for one language, as a first start does: the NLU
model and the FAQ-tuned retrieval encoder, each timed from loading the base encoder to the
saved folder, with the dev-set quality they reach (NLU: intent accuracy and slot F1 on the
dev split the trainer holds out; retrieval: top-1 on ``eval/kb_dev.jsonl``), and the quality
of what answers before training ends (nearest labelled example, base-encoder retrieval).

Trains into a temporary folder (``--out`` to keep it); the user's models are not touched.
``--nlu``/``--kb`` take JSON overrides of the domain's settings, for experiments, e.g.
``--nlu '{"train_layers": 4, "epochs": 10}'``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", metavar="DIR", default="", help="domain folder")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="the language")
    parser.add_argument("--only", choices=("nlu", "kb", "fallback"), help="just this part")
    parser.add_argument("--nlu", default="{}", metavar="JSON", help="NLU setting overrides")
    parser.add_argument("--kb", default="{}", metavar="JSON", help="KB tuning overrides")
    parser.add_argument("--out", metavar="DIR", default="", help="keep the models here")
    parser.add_argument(
        "--shared", action="store_true", help="also score retrieval on the NLU's tuned encoder"
    )


def _nlu(domain: Any, language: str, encoder: Path, out: Path, overrides: dict) -> dict:
    from training.domain_nlu import domain_train_config, train_domain_nlu

    config = domain_train_config(language, **overrides)
    started = time.perf_counter()
    train_domain_nlu(domain.root, language, encoder, out, config=config)
    seconds = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    dev = report["best_dev"]
    return {
        "seconds": round(seconds, 1),
        "train_loop_s": report["train_loop_s"],
        "stages_s": report.get("stages_s", {}),
        "epochs_run": len(report["epochs"]),
        "best_epoch": report["best_epoch"],
        "intent_accuracy": round(dev["intent_accuracy"], 4),
        "slot_f1": round(dev["slot_f1"], 4),
        "served": {  # as served: with the calibrated out-of-scope thresholds
            key: round(report["dev_with_oos_thresholds"][key], 4)
            for key in ("intent_accuracy", "slot_f1")
        },
        "epoch_s": [e["epoch_s"] for e in report["epochs"]],
        "dev_per_epoch": [
            (round(e["dev"]["intent_accuracy"], 3), round(e["dev"]["slot_f1"], 3))
            for e in report["epochs"]
        ],
        "folder_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6),
        "settings": {k: v for k, v in config.to_json().items() if k != "extra"},
    }


def _nlu_encoder_top1(domain: Any, language: str, nlu_dir: Path, cache: Path) -> float:
    """Retrieval top-1 with the NLU model's own (tuned) encoder: could one encoder serve both?"""
    from app.store.domain_trainers import retrieval_encoder_config
    from dialogue.kb.encoder import TransformersEncoder
    from dialogue.kb.index import build_kb
    from dialogue.nlu.checkpoint import load_model
    from training.dialogue_eval import kb_dev_pairs, top1

    loaded = load_model(nlu_dir)
    config = retrieval_encoder_config(language, nlu_dir)
    encoder = TransformersEncoder(config, loaded.tokenizer, loaded.model.encoder)
    pack = domain.pack(language)
    kb = build_kb(pack.faq, pack.documents, language, encoder, cache)
    return round(top1(kb.search, kb_dev_pairs(pack, domain.root))["top1"], 4)


def _kb(domain: Any, language: str, encoder: Path, out: Path, overrides: dict) -> dict:
    from app.store.domain_trainers import retrieval_encoder_config
    from training.kb_encoder import domain_kb_config, train_kb_encoder

    config = domain_kb_config(language, **overrides)
    started = time.perf_counter()
    train_kb_encoder(
        domain.root, language, retrieval_encoder_config(language, encoder), out, config
    )
    seconds = time.perf_counter() - started
    tuned = retrieval_encoder_config(language, encoder, out)
    info = json.loads((out / "training.json").read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 1),
        "load_s": info.get("load_s"),
        "cache_s": info["history"][0].get("cache_s"),
        "epoch_end_s": [h["seconds"] for h in info["history"]],
        "kb_dev_top1": kb_dev_top1(domain, language, tuned, out.parent / "kb-cache"),
        "folder_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6),
        "settings": config.__dict__,
    }


def kb_dev_top1(domain: Any, language: str, encoder_config: Any, cache: Path) -> float:
    """Retrieval top-1 on the domain's ``eval/kb_dev.jsonl`` with ``encoder_config``."""
    from dialogue.kb.encoder import make_encoder
    from dialogue.kb.index import build_kb
    from training.dialogue_eval import kb_dev_pairs, top1

    pack = domain.pack(language)
    kb = build_kb(pack.faq, pack.documents, language, make_encoder(encoder_config), cache)
    return round(top1(kb.search, kb_dev_pairs(pack, domain.root))["top1"], 4)


def _fallback(domain: Any, language: str, encoder: Path, cache: Path) -> dict:
    """What answers before training ends, on the same dev split as the NLU's."""
    import dataclasses

    from app.store.domain_trainers import retrieval_encoder_config
    from app.store.handover import fallback_nlu
    from dialogue.kb.encoder import make_encoder
    from training.domain_nlu import domain_train_config
    from training.nlu.data import load_splits
    from training.nlu.evaluate import score

    config = domain_train_config(language)
    splits = load_splits(domain.pack(language).nlu_file, config.dev_fraction, config.seed)
    started = time.perf_counter()
    base = make_encoder(retrieval_encoder_config(language, encoder))
    nlu = fallback_nlu(domain, language, base, examples=splits.train)
    ready_s = time.perf_counter() - started
    predictions = nlu.predict([e.text for e in splits.dev])
    # intents only: the fallback's slots come from patterns, not word tags (all "O" here)
    untagged = [
        dataclasses.replace(p, tags=("O",) * len(e.words))
        for p, e in zip(predictions, splits.dev, strict=True)
    ]
    metrics = score(splits.dev, untagged)
    return {
        "ready_s": round(ready_s, 1),
        "intent_accuracy": round(metrics["intent_accuracy"], 4),
        "kb_dev_top1_base_encoder": kb_dev_top1(
            domain, language, retrieval_encoder_config(language, encoder), cache
        ),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.domains import configured_domain
    from app.store.roles import ENCODER_ROLES
    from app.store.store import ModelStore

    domain = configured_domain(args.config, args.domain)
    language = args.lang
    encoder = Path(ModelStore(config=args.config).path(ENCODER_ROLES[language]))
    result: dict[str, Any] = {"domain": domain.name, "language": language}
    with tempfile.TemporaryDirectory(prefix="wenda-bench-train-") as tmp:
        out = Path(args.out or tmp)
        if args.only in (None, "nlu"):
            result["nlu"] = _nlu(domain, language, encoder, out / "nlu", json.loads(args.nlu))
            if args.shared:
                result["nlu"]["kb_dev_top1_nlu_encoder"] = _nlu_encoder_top1(
                    domain, language, out / "nlu", out / "kb-cache"
                )
        if args.only in (None, "kb"):
            result["kb"] = _kb(domain, language, encoder, out / "kb", json.loads(args.kb))
        if args.only in (None, "fallback"):
            result["fallback"] = _fallback(domain, language, encoder, out / "kb-cache")
    result["seconds"] = round(sum(result[k]["seconds"] for k in ("nlu", "kb") if k in result), 1)
    return result
