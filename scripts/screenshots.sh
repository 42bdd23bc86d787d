#!/usr/bin/env bash
# Screenshots of the desktop app for the README, taken on a virtual X screen (Xvfb) so they
# show the real window as a desktop draws it. Needs the runtime setup (scripts/setup.sh) plus
# the packages below, which only this script uses. Usage: scripts/screenshots.sh [OUT_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/docs/screenshots}"
PYTHON="${WENDA_VENV:-$ROOT/.venv}/bin/python"
APT_SCREENSHOTS=(xvfb xauth x11-apps imagemagick)

missing=()
for pkg in "${APT_SCREENSHOTS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
    if [[ "$(id -u)" != "0" ]]; then
        echo "missing: ${missing[*]}; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$ROOT"
# QT_QPA_PLATFORM is left unset so Qt draws through X (xcb), as on a desktop.
env -u QT_QPA_PLATFORM QT_SCALE_FACTOR=1 \
    xvfb-run -a -s "-screen 0 1280x900x24 -dpi 96" "$PYTHON" -m tests.tools.screenshots "$OUT"
