#!/usr/bin/env bash
# One command: set everything up (with test data), then run the whole test suite
# (everything but GPU-only tests, which skip themselves without CUDA).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" --test
cd "$ROOT"
exec "${WENDA_VENV:-$ROOT/.venv}/bin/python" -m pytest -m "not gpu" "$@"
