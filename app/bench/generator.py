"""Benchmark of the reply generator: time to first token and decoding speed.

Loads the generator the app would use for ``--lang`` (bundled model, adapter if configured
or given), warms it up once, then runs ``--runs`` grounded requests. Time to first token is
what the dialogue manager sees: from calling ``stream`` to the first text piece (prompt
building, tokenizing, prompt processing, one decoding step, output filters). Tokens per
second is the decoding rate after the first token, from the token loop itself. Medians.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from dataclasses import replace
from typing import Any

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=tuple(REQUESTS), default=None, help="default: config")
    parser.add_argument("--runs", type=int, default=5, help="measured requests (median)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--adapter", default=None, help="LoRA adapter folder (default: config)")
    parser.add_argument(
        "--dtype", default=None, help="weight type: auto, bfloat16, float32 (default: config)"
    )


def _time_stream(generator: Any, request: GenerationRequest) -> tuple[float, str]:
    """(seconds to the first piece, whole reply)."""
    started = time.perf_counter()
    first, pieces = None, []
    for piece in generator.stream(request):
        first = first if first is not None else time.perf_counter() - started
        pieces.append(piece)
    return (first if first is not None else time.perf_counter() - started), "".join(pieces)


def _time_tokens(generator: Any, request: GenerationRequest, max_new: int) -> tuple[int, float]:
    """(tokens generated, decoding tokens per second after the first token)."""
    stamps = [time.perf_counter() for _ in generator.tokens(generator.encode(request), max_new)]
    if len(stamps) < 2:
        return len(stamps), float("nan")
    return len(stamps), (len(stamps) - 1) / (stamps[-1] - stamps[0])


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from app.generator import generator_options
    from dialogue.generator import make_generator

    language = args.lang or args.config.general.language
    options = generator_options(args.config, language)
    options = replace(options, max_new_tokens=args.max_new_tokens, timeout_s=600.0)
    if args.adapter is not None:
        options = replace(options, adapter=args.adapter)
    if args.dtype is not None:
        options = replace(options, dtype=args.dtype)
    request = replace(REQUESTS[language], max_new_tokens=args.max_new_tokens)
    started = time.perf_counter()
    generator = make_generator(options)
    load_s = time.perf_counter() - started
    _time_stream(generator, request)  # warm-up: first calls allocate and tune kernels
    ttft, rates, counts, reply = [], [], [], ""
    for _ in range(args.runs):
        first_s, reply = _time_stream(generator, request)
        ttft.append(first_s * 1000)
        if hasattr(generator, "tokens"):
            count, rate = _time_tokens(generator, request, args.max_new_tokens)
            counts.append(count)
            rates.append(rate)
    result: dict[str, Any] = {
        "language": language,
        "model": options.url or options.model,
        "adapter": options.adapter or None,
        "device": str(getattr(getattr(generator, "model", None), "device", "server")),
        "dtype": str(getattr(getattr(generator, "model", None), "dtype", "server")),
        "torch_threads": torch.get_num_threads(),
        "runs": args.runs,
        "load_s": round(load_s, 2),
        "time_to_first_token_ms": round(statistics.median(ttft), 1),
        "time_to_first_token_ms_all": [round(t, 1) for t in ttft],
        "reply": reply,
        # the whole process at its largest: interpreter, torch, model, activations
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if rates:  # only the local model has tokens (and so encode) to count
        local: Any = generator
        result["prompt_tokens"] = int(local.encode(request).shape[1])
        result["reply_tokens_median"] = statistics.median(counts)
        result["tokens_per_s"] = round(statistics.median(rates), 2)
        result["tokens_per_s_all"] = [round(r, 2) for r in rates]
    return result
