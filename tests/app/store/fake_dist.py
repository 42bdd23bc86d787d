"""Build a real installed distribution in a temporary folder, for store tests.

importlib.metadata finds any ``NAME-VERSION.dist-info`` folder on ``sys.path``; putting one
first on the path shadows the real weight package, so the store's own lookup code runs
unchanged against files the test controls (truncated, corrupted, missing).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def make_dist(site: Path, name: str, version: str, files: dict[str, bytes]) -> None:
    """Write package ``name``==``version`` with ``files`` (path relative to site -> bytes)."""
    dist_info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    records = []
    for rel, data in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        records.append(f"{rel},sha256={hashlib.sha256(data).hexdigest()},{len(data)}")
    (dist_info / "RECORD").write_text("\n".join(records) + "\n", encoding="utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
