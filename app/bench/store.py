"""Benchmark of the model store: how long ``prepare`` takes per model, and the cache's size.

Prepares into a fresh temporary cache so the numbers are the from-scratch cost a new user
pays, without touching the real cache.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from app.store.store import ModelStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("roles", nargs="*", metavar="ROLE", help="only these roles (default: all)")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> dict[str, Any]:
    per_model: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wenda-bench-") as tmp:
        store = ModelStore(root=Path(tmp), config=args.config)
        started = time.perf_counter()
        for entry in store.entries(args.roles):
            t0 = time.perf_counter()
            (folder,) = store.prepare([entry.role])
            per_model[entry.role] = {
                "name": entry.name,
                "prepare_s": round(time.perf_counter() - t0, 2),
                "size_mb": round(folder_bytes(folder) / 1e6, 1),
            }
        total_s = time.perf_counter() - started
        cache_bytes = folder_bytes(Path(tmp))
    return {
        "prepare_total_s": round(total_s, 2),
        "cache_size_mb": round(cache_bytes / 1e6, 1),
        "models": per_model,
    }
