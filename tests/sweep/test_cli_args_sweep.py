"""A sweep of bad values on the command line (issue 15): every option of every ``wenda``
command that takes a number, given what hypothesis draws (negative, zero, huge, NaN,
infinity, words). The property: the value parses within the option's range, or argparse
refuses it at once with one line naming the option and exit code 2, before any command
runs. Every numeric option must have a range (``app.cli.arg_types``): a bare ``type=int``
fails the first test. Unknown options are refused the same way by every command.

CI runs a fixed, derandomized sample (``WENDA_SWEEP_EXAMPLES``, default 60 per test);
``WENDA_SWEEP_EXAMPLES=1000`` runs the measured sweep of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cli import build_parser
from tests.sweep.budget import SWEEP

Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    """Every (sub)command's parser with the words that reach it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def required_words(parser: argparse.ArgumentParser) -> list[str]:
    """Values for the positionals and required options, so only the swept one can fail."""
    words: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        value = str(next(iter(action.choices))) if action.choices else "x"
        if not action.option_strings and action.nargs != "?" and action.nargs != "*":
            words.append(value)
        elif action.required and action.option_strings:
            words += [action.option_strings[0], value]
    return words


def _has_subcommands(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


PARSER = build_parser()
COMMANDS = [(path, p) for path, p in commands(PARSER) if path and not _has_subcommands(p)]
NUMERIC = [
    (path, action)
    for path, parser in COMMANDS
    for action in parser._actions
    if action.option_strings and (action.type in (int, float) or hasattr(action.type, "low"))
]
VALUES = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e309", "", " ", "3.5", "0x10", "１２"]),
    st.text(max_size=12),
)


def test_every_numeric_option_has_a_range() -> None:
    assert len(NUMERIC) >= 20, NUMERIC  # the sweep below reaches them all
    bare = [f"{' '.join(p)} {a.option_strings[0]}" for p, a in NUMERIC if a.type in (int, float)]
    assert not bare, f"numeric options without a range (use app.cli.arg_types): {bare}"


@SWEEP
@given(data=st.data())
def test_a_bad_number_is_refused_in_one_line_naming_the_option(
    data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    path, action = data.draw(st.sampled_from(NUMERIC), label="option")
    value = data.draw(VALUES, label="value")
    parser = dict(COMMANDS)[path]
    option = action.option_strings[-1]
    argv = [*path, *required_words(parser), f"{option}={value}"]
    try:
        parsed = PARSER.parse_args(argv)
    except SystemExit as e:
        error = capsys.readouterr().err.strip().splitlines()
        assert e.code == 2 and error and option in error[-1], (argv, error)
        assert "Traceback" not in "\n".join(error)
        return
    got = getattr(parsed, action.dest)
    assert math.isfinite(got) and action.type.low <= got <= action.type.high, (argv, got)


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_an_unknown_option_is_refused_by_every_command(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = dict(COMMANDS)[path]
    with pytest.raises(SystemExit) as exit_:
        PARSER.parse_args([*path, *required_words(parser), "--no-such-option"])
    assert exit_.value.code == 2
    assert "--no-such-option" in capsys.readouterr().err.strip().splitlines()[-1]
