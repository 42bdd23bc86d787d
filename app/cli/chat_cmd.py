"""``wenda chat``: a typed conversation with the dialogue manager on stdin/stdout.

Interactive on a terminal (prompt, streamed reply); when stdin is piped it is a script
runner: no prompt, no colour, one reply line per input line (or one JSON line with
``--json``), so conversations can be tested and replayed. EOF or Ctrl-C ends it cleanly.
Lines starting with "/" are commands: /reset, /forget (delete my data), /export [FILE],
/quit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from app.cli.progress import prepare_language_cli, print_training_note

log = logging.getLogger(__name__)

PROMPT = "you> "
BOT = "wenda> "
_BOLD, _RESET = "\033[1m", "\033[0m"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("chat", help="type a conversation with the assistant")
    parser.add_argument(
        "--domain", metavar="DIR", default="", help="domain folder (default: bundled shop)"
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="", help="conversation language")
    parser.add_argument("--user", default="local", help="whose memory to use (default: local)")
    parser.add_argument("--json", action="store_true", help="print one JSON line per turn")
    parser.add_argument("--nlu-model", metavar="DIR", default="", help="NLU model folder")
    parser.add_argument("--no-generator", action="store_true", help="never use the chat model")
    parser.add_argument(
        "--now", metavar="ISO", default="", help="pretend it is this time (replays, tests)"
    )
    parser.set_defaults(run=run)


def _clock(now: str) -> Any:
    if not now:
        return dt.datetime.now
    try:
        fixed = dt.datetime.fromisoformat(now)
    except ValueError:
        from app.conversation import ChatSetupError

        raise ChatSetupError(
            f"--now must be an ISO date or time, e.g. 2026-03-16T10:00, not {now!r}"
        ) from None
    return lambda: fixed


def _command(line: str, manager: Any, out: TextIO, note: TextIO, as_json: bool) -> bool:
    """Run a /command; returns False to end the chat. Notes go to ``note`` (stderr when the
    output is machine-read), so stdout stays one JSON line per turn."""
    name, _, arg = line[1:].strip().partition(" ")
    if name in ("quit", "exit", "q"):
        return False
    if name == "reset":
        manager.reset()
        print("(conversation reset)", file=note)
    elif name == "forget":
        deleted = manager.forget_user()
        print(f"(forgot everything about {manager.user}: {deleted} turns deleted)", file=note)
    elif name == "export":
        data = manager.export_user()
        text = json.dumps(data, ensure_ascii=False, indent=None if as_json else 2)
        if arg:
            from dialogue.atomic import write_text_atomic

            write_text_atomic(Path(arg).expanduser(), text + "\n")
            print(f"(exported to {arg})", file=note)
        else:
            print(text, file=out)
    else:
        print("commands: /reset /forget /export [FILE] /quit", file=note)
    return True


def _turn(manager: Any, text: str, as_json: bool, interactive: bool, out: TextIO) -> None:
    from dialogue.manager import ReplyChunk, TurnResult

    if interactive and not as_json:
        out.write(f"{_BOLD}{BOT}{_RESET}")
    for item in manager.stream(text):
        if isinstance(item, ReplyChunk) and interactive and not as_json:
            out.write(item.text + ("" if manager.language == "zh" else " "))
            out.flush()
        elif isinstance(item, TurnResult):
            if as_json:
                out.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
            elif interactive:
                out.write("\n")
            else:
                out.write(item.reply + "\n")
    out.flush()


def _dialogue(args: argparse.Namespace) -> Any:
    """The dialogue of the chat, its language prepared first (a bar on first use)."""
    from app.conversation import ChatOptions, build_dialogue

    prepare_language_cli(args.config, args.lang or args.config.general.language)
    options = ChatOptions(
        language=args.lang,
        domain=args.domain,
        user=args.user,
        nlu_model=args.nlu_model,
        generator=not args.no_generator,
        clock=_clock(args.now),
    )
    manager = build_dialogue(args.config, options)
    print_training_note(manager.domain.root, manager.language)  # first start: simpler models
    return manager


def run(args: argparse.Namespace) -> int:
    manager = _dialogue(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    out = sys.stdout
    if interactive and not args.json:
        print(f"Wenda ({manager.domain.name}, {manager.language}). Type /quit or Ctrl-D to leave.")
    try:
        while True:
            if interactive and not args.json:
                out.write(PROMPT)
                out.flush()
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                note = out if interactive and not args.json else sys.stderr
                if not _command(text, manager, out, note, args.json):
                    break
                continue
            try:
                _turn(manager, text, args.json, interactive, out)
            except Exception as e:  # one failed turn must not end the conversation
                if args.debug:
                    raise
                log.error("turn failed: %s", e, exc_info=args.verbose)
                print(
                    f"wenda: that turn failed ({type(e).__name__}); please try again",
                    file=sys.stderr,
                )
    except KeyboardInterrupt:
        if interactive:
            out.write("\n")
    finally:
        if manager.memory is not None:
            manager.memory.close()
    return 0
