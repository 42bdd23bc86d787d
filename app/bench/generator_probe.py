"""One measured configuration of the chat model, in a process of its own (``wenda bench
generator`` starts one per engine and thread count, so each is measured alone, and its
resident memory is its own).

Reads a JSON document on the command line: the GeneratorOptions fields, the thread count, the
prompts (name -> GenerationRequest fields), the number of runs and the tokens to agree on.
Prints one JSON document: load time, resident memory, and per prompt the prompt length (cached
and processed), median time to first token, median decoding rate, and the greedy tokens.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from typing import Any

from dialogue.generation import GenerationRequest, Message, Passage


def request_from(data: dict[str, Any]) -> GenerationRequest:
    return GenerationRequest(
        data["user_text"],
        data.get("language", "en"),
        passages=tuple(Passage(p["text"], p.get("source", "")) for p in data.get("passages", ())),
        history=tuple(Message(m["role"], m["content"]) for m in data.get("history", ())),
        max_new_tokens=data.get("max_new_tokens", 64),
    )


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _prompt_sizes(generator: Any, request: GenerationRequest) -> tuple[int, int]:
    """(cached, processed per reply) prompt tokens."""
    if hasattr(generator, "prompt_length"):
        cached, processed = generator.prompt_length(request)
        return int(cached), int(processed)
    return 0, int(generator.encode(request).shape[1])


def measure(generator: Any, request: GenerationRequest, runs: int, agree: int) -> dict[str, Any]:
    """Time to first token (from ``stream``: what the dialogue sees) and decoding rate."""
    ttft, rates = [], []
    for _ in range(runs):
        started = time.perf_counter()
        stamps = []
        for _token in generator.tokens(generator.encode(request), request.max_new_tokens):
            stamps.append(time.perf_counter())
        if not stamps:
            continue
        ttft.append((stamps[0] - started) * 1000)
        if len(stamps) > 1:
            rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    tokens = list(generator.tokens(generator.encode(request), agree))
    cached, processed = _prompt_sizes(generator, request)
    return {
        "prompt_tokens": cached + processed,
        "prompt_tokens_cached": cached,
        "time_to_first_token_ms": round(statistics.median(ttft), 1) if ttft else None,
        "time_to_first_token_ms_all": [round(t, 1) for t in ttft],
        "tokens_per_s": round(statistics.median(rates), 1) if rates else None,
        "greedy_tokens": tokens,
        "reply": generator.tokenizer.decode(tokens, skip_special_tokens=True),
    }


def main(argv: list[str]) -> int:
    from app.voice.memory import skip_triton

    skip_triton()
    spec = json.loads(argv[0])
    from dialogue.generator import GeneratorOptions, make_generator, resolve_engine

    options = GeneratorOptions(**spec["options"])
    import ctranslate2  # noqa: F401  (libraries first: the memory measured is the model's)
    import torch
    import transformers  # noqa: F401

    if resolve_engine(options) == "transformers":
        torch.set_num_threads(max(1, options.threads))
    before = _rss_mb()
    started = time.perf_counter()
    generator: Any = make_generator(options)  # a local engine: it has encode and tokens
    load_s = time.perf_counter() - started
    loaded = _rss_mb()
    prompts = {name: request_from(data) for name, data in spec["prompts"].items()}
    first = next(iter(prompts.values()))
    list(generator.tokens(generator.encode(first), 8))  # warm-up: allocations, caches
    results = {n: measure(generator, r, spec["runs"], spec["agree"]) for n, r in prompts.items()}
    report = {
        "engine": resolve_engine(options),
        "threads": options.threads,
        "dtype": _dtype(generator),
        "load_s": round(load_s, 2),
        "rss_libraries_mb": round(before),
        "rss_model_mb": round(loaded - before),
        "rss_end_mb": round(_rss_mb()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "prompts": results,
    }
    print(json.dumps(report))
    return 0


def _dtype(generator: Any) -> str:
    """The type the model computes in: CTranslate2's compute type, or torch's dtype."""
    engine = getattr(generator, "engine", None)
    if engine is not None:
        return str(engine.compute_type)
    return str(getattr(getattr(generator, "model", None), "dtype", "")).replace("torch.", "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
