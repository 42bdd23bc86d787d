"""``wenda bench NAME [--json]``: measured speed and memory, the numbers in BENCHMARKS.md.

Each benchmark is a module in ``app/bench`` with ``add_arguments(parser)`` (optional) and
``run(args) -> dict``; the command prints the dict as JSON with ``--json``, else as lines.
Benchmarks run alone on the machine and report medians of several runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
from typing import Any

import psutil

# name -> (module, one-line help). Issues add their benchmark here.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "store": ("app.bench.store", "model store: prepare time and cache size (into a temp cache)"),
    "speech": ("app.bench.speech", "Whisper load/latency, TTS first audio, VAD cost per frame"),
    "voice": ("app.bench.voice", "voice loop: end of speech -> first audio, per stage, barge-in"),
    "dialogue": (
        "app.bench.dialogue",
        "dialogue: turn latency without speech, retrieval top-1, emotion accuracy",
    ),
    "nlu": ("app.bench.nlu", "NLU: SNIPS test scores, training time, latency, size on disk"),
    "domain-training": (
        "app.bench.domain_training",
        "training a domain's NLU and tuned retrieval for one language: time and dev quality",
    ),
    "generator": (
        "app.bench.generator",
        "reply generator: time to first token and tokens per second (median)",
    ),
    "memory": (
        "app.bench.memory",
        "desktop app: resident memory of the window and session processes, all models loaded",
    ),
    "soak": (
        "app.bench.soak",
        "a long typed conversation: errors, memory growth after warm-up, history rows",
    ),
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="measure speed and memory (see BENCHMARKS.md)")
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for name, (module, help_text) in BENCHMARKS.items():
        sub = names.add_parser(name, help=help_text)
        sub.add_argument("--json", action="store_true", help="print one JSON document")
        sub.set_defaults(bench_module=module)
        add_arguments = getattr(importlib.import_module(module), "add_arguments", None)
        if add_arguments:
            add_arguments(sub)
    parser.set_defaults(run=run)


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description() -> dict[str, Any]:
    """What the numbers were measured on, stored with every result."""
    return {
        "cpu": _cpu_name(),
        "logical_cores": psutil.cpu_count(logical=True),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def _print_lines(result: dict[str, Any], indent: str = "") -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_lines(value, indent + "  ")
        else:
            print(f"{indent}{key}: {value}")


def run(args: argparse.Namespace) -> int:
    result = importlib.import_module(args.bench_module).run(args)
    result = {"benchmark": args.bench_name, **result, "machine": machine_description()}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_lines(result)
    return 0
