#!/usr/bin/env bash
# One command: set everything up, then start Wenda with the bundled shop domain
# (the window where there is a display, the terminal chat where there is not).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
exec "${WENDA_VENV:-$ROOT/.venv}/bin/wenda" "$@"
