"""Benchmark of the chat model: the served engine beside the PyTorch reference, one run.

For ``--lang``, the model the app serves (the bundled model with the adapter the app would
use, or ``--adapter``) is measured in several configurations, each in a process of its own
(``app/bench/generator_probe.py``): CTranslate2 on one and two threads (the served engine),
and transformers (the reference) in float32 and, where the CPU computes it natively, bfloat16.
Two grounded prompts: ``short``, a typical composed answer (three one-sentence passages, no
history), and ``long`` (longer passages and three exchanges of history). Time to first token
runs from the request to the first generated token (prompt building, tokenizing, prompt
processing with the system turn cached where the engine can, one step); tokens per second is
the decoding rate after it. Medians of ``--runs``. The greedy tokens of each configuration
are compared with the reference's (``agreement_tokens``: how many first tokens are equal).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from typing import Any

from app.cli.arg_types import count
from dialogue.generation import GenerationRequest, Message, Passage

REQUESTS = {
    "en": GenerationRequest(
        "How long does delivery take to Italy, and what does it cost?",
        "en",
        passages=(
            Passage(
                "Standard (DHL) to other EU countries: 4 to 7 working days after dispatch, "
                "9.90 euros, free from 100 euros.",
                "shipping-and-delivery.md",
            ),
            Passage(
                "Express (DHL Express) to other EU countries: 2 to 3 working days, 24.90 euros.",
                "shipping-and-delivery.md",
            ),
        ),
        history=(Message("user", "hi"), Message("assistant", "Hello! How can I help you?")),
    ),
    "zh": GenerationRequest(
        "寄到意大利要多久，运费多少？",
        "zh",
        passages=(
            Passage(
                "标准配送（DHL）寄往欧盟其他国家：发货后4到7个工作日送达，运费9.90欧元，"
                "满100欧元免运费。",
                "shipping-and-delivery.md",
            ),
            Passage(
                "快递寄往欧盟其他国家：2到3个工作日，运费24.90欧元。", "shipping-and-delivery.md"
            ),
        ),
        history=(Message("user", "你好"), Message("assistant", "您好！有什么可以帮您？")),
    ),
}


SHORT = {
    "en": GenerationRequest(
        "What does express delivery within Germany cost?",
        "en",
        passages=(
            Passage(
                "Service: Express (DHL Express); Region: Germany; Delivery time after dispatch: "
                "next working day; Cost: 12.90 euros",
                "shipping-and-delivery.md",
            ),
            Passage("Express shipping is never free.", "shipping-and-delivery.md"),
            Passage(
                "For express delivery in Germany the next working day, order by 14:00.",
                "shipping-and-delivery.md",
            ),
        ),
    ),
    "zh": GenerationRequest(
        "在德国国内发快递要多少钱？",
        "zh",
        passages=(
            Passage(
                "服务：快递（DHL Express）；地区：德国；发货后送达时间：下一个工作日；"
                "运费：12.90欧元",
                "shipping-and-delivery.md",
            ),
            Passage("快递运费任何情况下都不免。", "shipping-and-delivery.md"),
            Passage(
                "德国境内想要下一个工作日收到快递，请在14:00之前下单。", "shipping-and-delivery.md"
            ),
        ),
    ),
}
AGREE_TOKENS = 24


def long_request(language: str) -> GenerationRequest:
    """The long prompt: the fixed request's passages doubled, three exchanges of history."""
    request = REQUESTS[language]
    history = request.history * 3
    return dataclasses.replace(request, passages=request.passages * 2, history=history)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=tuple(REQUESTS), default=None, help="default: config")
    parser.add_argument(
        "--runs", type=count(1, 10_000), default=5, help="measured requests (median)"
    )
    parser.add_argument("--max-new-tokens", type=count(1, 4096), default=48)
    parser.add_argument("--adapter", default=None, help="LoRA adapter folder (default: config)")
    parser.add_argument(
        "--dtype", default=None, help="weight type: auto, bfloat16, float32 (default: config)"
    )
    parser.add_argument(
        "--engines",
        default="ctranslate2,transformers",
        help="comma-separated engines to measure (the served one is CTranslate2)",
    )


def configurations(args: argparse.Namespace, language: str) -> list[dict[str, Any]]:
    """GeneratorOptions fields per measured configuration, the served one first."""
    from app.generator import active_adapter, generator_role, served_model
    from app.store.store import ModelStore
    from dialogue.generator.loading import cpu_has_native_bfloat16

    base = ModelStore(config=args.config).path(generator_role(language))
    adapter = active_adapter(args.config, language) if args.adapter is None else args.adapter
    engines = args.engines.split(",")
    dtype = args.dtype or args.config.generator.dtype
    configs = []
    if "ctranslate2" in engines:
        model, merged, engine = served_model(base, adapter)
        if engine == "ctranslate2":
            for threads in (1, 2):
                configs.append(
                    {"model": model, "engine": engine, "threads": threads, "dtype": dtype}
                )
    if "transformers" in engines:
        reference = {"model": base, "adapter": adapter, "engine": "transformers", "threads": 2}
        configs.append({**reference, "dtype": "float32"})
        if dtype != "float32" and cpu_has_native_bfloat16():
            configs.append({**reference, "dtype": "bfloat16"})
    return configs


def _probe(options: dict[str, Any], prompts: dict[str, Any], args: argparse.Namespace) -> Any:
    spec = {
        "options": {**options, "max_new_tokens": args.max_new_tokens, "timeout_s": 600.0},
        "prompts": prompts,
        "runs": args.runs,
        "agree": AGREE_TOKENS,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.bench.generator_probe", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {options} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict[str, Any]:
    language = args.lang or args.config.general.language
    prompts = {
        name: {**dataclasses.asdict(request), "max_new_tokens": args.max_new_tokens}
        for name, request in (("short", SHORT[language]), ("long", long_request(language)))
    }
    configs = configurations(args, language)
    results = [{**c, **_probe(c, prompts, args)} for c in configs]
    reference = next((r for r in results if r["engine"] == "transformers"), None)
    for result in results:
        for name, prompt in result["prompts"].items():
            if reference is not None:
                prompt["agreement_tokens"] = _agreement(
                    prompt["greedy_tokens"], reference["prompts"][name]["greedy_tokens"]
                )
    served = results[0] if results else {}
    short = served.get("prompts", {}).get("short", {})
    adapter = args.adapter if args.adapter is not None else _served_adapter(args, language)
    return {
        "language": language,
        "engine": served.get("engine"),
        "adapter": adapter or None,
        "prompt_tokens": short.get("prompt_tokens"),
        "time_to_first_token_ms": short.get("time_to_first_token_ms"),
        "tokens_per_s": short.get("tokens_per_s"),
        "reference": _summary(reference) if reference else None,
        "configurations": results,
    }


def _served_adapter(args: argparse.Namespace, language: str) -> str:
    from app.generator import active_adapter

    return active_adapter(args.config, language)


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    short = result["prompts"]["short"]
    return {
        "engine": result["engine"],
        "dtype": result["dtype"],
        "time_to_first_token_ms": short["time_to_first_token_ms"],
        "tokens_per_s": short["tokens_per_s"],
    }


def _agreement(ours: list[int], reference: list[int]) -> int:
    same = 0
    for a, b in zip(ours, reference, strict=False):
        if a != b:
            break
        same += 1
    return same
