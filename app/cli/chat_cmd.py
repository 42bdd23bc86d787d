"""``wenda chat``: a typed conversation with the dialogue manager on stdin/stdout.

Interactive on a terminal (prompt, streamed reply); when stdin is piped it is a script
runner: no prompt, no colour, one reply line per input line (with ``--json`` one JSON line
per input line, whatever the line holds: ``app/cli/chat_loop.py``), so conversations can be
tested and replayed. EOF or Ctrl-C ends it cleanly. Lines starting with "/" are commands:
/reset, /forget (delete my data), /export [FILE], /lang en|zh, /quit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from typing import Any

from app.cli.progress import prepare_language_cli, print_training_note

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("chat", help="type a conversation with the assistant")
    parser.add_argument(
        "--domain", metavar="DIR", default="", help="domain folder (default: bundled shop)"
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="", help="conversation language")
    parser.add_argument("--user", default="local", help="whose memory to use (default: local)")
    parser.add_argument("--json", action="store_true", help="print one JSON line per input line")
    parser.add_argument("--nlu-model", metavar="DIR", default="", help="NLU model folder")
    parser.add_argument("--no-generator", action="store_true", help="never use the chat model")
    parser.add_argument(
        "--now", metavar="ISO", default="", help="pretend it is this time (replays, tests)"
    )
    parser.set_defaults(run=run)


def clock_of(now: str) -> Any:
    """The dialogue's clock: now, or the fixed ISO time ``now`` (replays, tests, evaluations)."""
    if not now:
        return dt.datetime.now
    try:
        fixed = dt.datetime.fromisoformat(now)
    except ValueError:
        from app.domains import ChatSetupError

        raise ChatSetupError(
            f"--now must be an ISO date or time, e.g. 2026-03-16T10:00, not {now!r}"
        ) from None
    return lambda: fixed


def _conversation(args: argparse.Namespace, language: str, nlu_model: str = "") -> Any:
    """The dialogue of ``language`` (else the configured one), the language prepared first
    (a bar on first use); a note while its tuned models still train."""
    from app.conversation import build_dialogue
    from app.serving import Asked, resolve

    prepare_language_cli(args.config, language or args.config.general.language)
    asked = Asked(
        language=language or "",
        domain=args.domain or "",
        nlu_model=nlu_model or "",  # --nlu-model is the first language's
        generator=not args.no_generator,
    )
    serving = resolve(args.config, asked)
    manager = build_dialogue(serving, args.user, clock_of(args.now))
    if serving.training:  # first start: simpler models answer meanwhile
        print_training_note(serving.domain.root, serving.language)
    return manager


def run(args: argparse.Namespace) -> int:
    from app.cli.chat_loop import ChatLoop, ChatOutput, binary_stdin
    from app.conversation import OneLanguage

    first = _conversation(args, args.lang, args.nlu_model)
    languages = OneLanguage(first, lambda language: _conversation(args, language))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive and not args.json:
        print(f"Wenda ({first.domain.name}, {first.language}). Type /quit or Ctrl-D to leave.")
    output = ChatOutput(sys.stdout, sys.stderr, args.json, interactive)
    loop = ChatLoop(first, output, languages.get, debug=args.debug)
    del first  # the loop and the holder keep the one in use; /lang lets it go
    try:
        loop.run(binary_stdin())
    except KeyboardInterrupt:
        if interactive:
            sys.stdout.write("\n")
    finally:
        languages.close()
    return 0
