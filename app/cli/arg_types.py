"""Numeric command-line values, checked where they are read.

``type=int`` takes ``--rounds -5`` and ``--epochs 0``, and ``type=float`` takes ``nan``: the
command then runs for minutes before failing somewhere deep, or does nothing and says
nothing. These types refuse a value out of its range at once, with argparse's one line
naming the option and exit code 2, like any other mistake on the command line.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def count(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    parse.__name__ = f"count {low}-{high}"  # what argparse calls the type in messages
    parse.low, parse.high = low, high  # type: ignore[attr-defined]
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """A finite number from ``low`` to ``high`` (never NaN or infinity)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text} is out of range ({low:g} to {high:g})")
        return value

    parse.__name__ = f"number {low:g}-{high:g}"
    parse.low, parse.high = low, high  # type: ignore[attr-defined]
    return parse
