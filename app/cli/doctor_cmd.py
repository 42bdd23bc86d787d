"""``wenda doctor``: check this machine, one line per check, with the fix for each problem."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.doctor import run_checks

LABELS = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check Python, devices, audio, display and models"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(run=run, tolerates_bad_config=True)


def run(args: argparse.Namespace) -> int:
    checks = run_checks(args.config, args.config_error)
    if args.json:
        print(json.dumps([c.to_json() for c in checks], indent=2))
    else:
        for check in checks:
            line = f"{LABELS[check.level]}  {check.name:20} {check.detail}"
            if check.fix:
                line += f"\n{'':6}{'':20} fix: {check.fix}"
            print(line)
        failed = sum(c.level == "fail" for c in checks)
        warned = sum(c.level == "warn" for c in checks)
        print(f"\n{len(checks)} checks: {failed} failed, {warned} warnings")
    return 1 if any(c.level == "fail" for c in checks) else 0
