"""onnxruntime-genai beside the served engine, on the prompts of ``wenda bench generator``.

Not part of Wenda (onnxruntime-genai is not a dependency): this script is how the engine
comparison in BENCHMARKS.md measured it. It needs the wheel and, to build the model, the
builder's own dependencies, installed apart from Wenda's environment:

    pip install --target /tmp/ortg onnxruntime-genai==0.18.0
    pip install --target /tmp/ortg-onnx onnx onnx-ir
    PYTHONPATH=/tmp/ortg:/tmp/ortg-onnx python -m onnxruntime_genai.models.builder \\
        -m ~/.cache/wenda/models/smollm2-135m-instruct -o /tmp/smol-int4 -p int4 -e cpu
    wenda bench generator --json > /tmp/bench.json          # the reference tokens
    PYTHONPATH=/tmp/ortg:. python scripts/bench_onnxruntime_genai.py /tmp/bench.json /tmp/smol-int4

Each model and thread count is measured as the bench measures its engines: the same prompt
token ids, greedy, a warm-up, then medians of time to first token and tokens/s; agreement is
the number of leading greedy tokens equal to the PyTorch reference's.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RUNS = 5
NEW_TOKENS = 48  # as wenda bench generator


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _generate(og: Any, model: Any, prompt: list[int], limit: int) -> tuple[list[int], list[float]]:
    """Greedy tokens and the time each arrived, from the call that hands over the prompt."""
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(prompt) + limit, do_sample=False)
    generator = og.Generator(model, params)
    started = time.perf_counter()
    generator.append_tokens(prompt)
    tokens: list[int] = []
    stamps: list[float] = []
    while not generator.is_done() and len(tokens) < limit:
        generator.generate_next_token()
        tokens.append(int(generator.get_next_tokens()[0]))
        stamps.append(time.perf_counter() - started)
    return tokens, stamps


def _agreement(ours: list[int], reference: list[int]) -> int:
    count = 0
    for a, b in zip(ours, reference, strict=False):
        if a != b:
            break
        count += 1
    return count


def measure(og: Any, folder: Path, threads: int, prompts: dict[str, Any]) -> dict[str, Any]:
    config = og.Config(str(folder))
    overlay = {"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}}
    config.overlay(json.dumps(overlay))
    before = _rss_mb()
    started = time.perf_counter()
    model = og.Model(config)
    result: dict[str, Any] = {
        "engine": "onnxruntime-genai",
        "model": folder.name,
        "threads": threads,
        "load_s": round(time.perf_counter() - started, 2),
        "rss_model_mb": round(_rss_mb() - before),
        "prompts": {},
    }
    for name, prompt in prompts.items():
        _generate(og, model, prompt["ids"], 8)  # warm-up
        firsts, rates = [], []
        for _ in range(RUNS):
            tokens, stamps = _generate(og, model, prompt["ids"], NEW_TOKENS)
            firsts.append(stamps[0] * 1000)
            if len(stamps) > 1:
                rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        result["prompts"][name] = {
            "prompt_tokens": len(prompt["ids"]),
            "time_to_first_token_ms": round(statistics.median(firsts), 1),
            "tokens_per_s": round(statistics.median(rates), 1) if rates else None,
            "agreement_tokens": _agreement(tokens, prompt["reference"]),
        }
    result["rss_end_mb"] = round(_rss_mb())
    return result


def bench_prompts(bench: dict[str, Any], tokenizer_dir: Path) -> dict[str, Any]:
    """Prompt ids (the chat template over the bench's requests) and the PyTorch greedy tokens."""
    from transformers import AutoTokenizer

    from app.bench.generator import SHORT, long_request
    from dialogue.generator.prompt import build_messages

    language = bench.get("language", "en")
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    reference = next(c for c in bench["configurations"] if c["engine"] == "transformers")
    requests = {"short": SHORT[language], "long": long_request(language)}
    prompts = {}
    for name, request in requests.items():
        encoded: Any = tokenizer.apply_chat_template(
            build_messages(request), add_generation_prompt=True, return_dict=True
        )
        ids = encoded["input_ids"]
        prompts[name] = {"ids": list(ids), "reference": reference["prompts"][name]["greedy_tokens"]}
    return prompts


def main(argv: list[str]) -> int:
    import onnxruntime_genai as og

    bench = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    folders = [Path(a) for a in argv[1:]]
    prompts = bench_prompts(bench, folders[0])
    results = [measure(og, f, t, prompts) for f in folders for t in (1, 2)]
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
