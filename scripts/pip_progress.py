"""Run one pip command for a person: pip's own output (warnings, licence deprecations, "Location
... is ignored") goes to the setup log; the terminal gets one progress line with time left.

Standard library only: it runs before anything else is installed. Usage:
  python scripts/pip_progress.py --log FILE --label "Python packages" --expect N -- ARGS...
runs ``python -m pip ARGS...``. Progress is counted in packages: pip names each one as it
resolves it ("Collecting ..."), downloads it, then installs them all at once; ``--expect`` is
how many to expect (measured on a fresh install; the bar is never shown past 99% before pip
ends). On failure the last lines of the log are shown and pip's exit code returned.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

COLLECT_SHARE = 0.75  # of the time on a fresh machine: resolving and downloading
TAIL_LINES = 25


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class Bar:
    """One line, redrawn in place on a terminal; a line per quarter elsewhere (logs, CI)."""

    def __init__(self, label: str, expect: int) -> None:
        self.label, self.expect = label, max(1, expect)
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.collected = 0
        self.installing = 0  # packages pip said it installs, once it starts installing
        self.install_started = 0.0
        self.shown_quarter = -1

    def fraction(self) -> float:
        if not self.installing:
            return min(0.99, COLLECT_SHARE * self.collected / self.expect)
        # pip installs silently: estimate by time, at the pace the collecting phase set
        collect_s = self.install_started - self.started
        expected_install_s = max(5.0, collect_s * (1 - COLLECT_SHARE) / COLLECT_SHARE)
        done = (time.monotonic() - self.install_started) / expected_install_s
        return min(0.99, COLLECT_SHARE + (1 - COLLECT_SHARE) * min(1.0, done))

    def draw(self, final: bool = False) -> None:
        elapsed = time.monotonic() - self.started
        fraction = 1.0 if final else self.fraction()
        left = elapsed / fraction * (1 - fraction) if fraction > 0.05 and not final else None
        filled = int(fraction * 30)
        what = f"installing {self.installing}" if self.installing else f"{self.collected} found"
        eta = f", ~{_clock(left)} left" if left is not None else ""
        line = (
            f"[wenda setup] {self.label} |{'#' * filled}{'.' * (30 - filled)}| "
            f"{fraction * 100:3.0f}%  {what}, {_clock(elapsed)}{eta}"
        )
        if self.tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if final else ""))
            sys.stderr.flush()
        elif final or int(fraction * 4) > self.shown_quarter:
            self.shown_quarter = int(fraction * 4)
            print(line, file=sys.stderr, flush=True)

    def feed(self, line: str) -> None:
        if line.startswith(("Collecting ", "Requirement already satisfied", "Obtaining ")):
            self.collected += 1
        elif line.startswith("Installing collected packages:"):
            self.installing = len(line.split(":", 1)[1].split(","))
            self.install_started = time.monotonic()


def run(args: argparse.Namespace) -> int:
    command = [sys.executable, "-m", "pip", *args.pip, "--progress-bar", "off"]
    bar = Bar(args.label, args.expect)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PIP_NO_INPUT": "1"}
    with open(args.log, "a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert process.stdout is not None
        last_draw = 0.0
        for line in process.stdout:
            log.write(line)
            bar.feed(line)
            if time.monotonic() - last_draw > 0.2:
                bar.draw()
                last_draw = time.monotonic()
        code = process.wait()
    if code != 0:
        if bar.tty:
            sys.stderr.write("\r\033[K")
        print(f"[wenda setup] pip failed (exit {code}); the end of {args.log}:", file=sys.stderr)
        with open(args.log, encoding="utf-8", errors="replace") as log:
            print("".join(log.readlines()[-TAIL_LINES:]), file=sys.stderr, end="")
        return code
    bar.draw(final=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--expect", type=int, default=100)
    parser.add_argument("pip", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.pip and args.pip[0] == "--":
        args.pip = args.pip[1:]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
