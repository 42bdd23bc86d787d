"""The ``wenda`` command: parses arguments, configures logging, turns user errors into messages.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args)``.
User mistakes (bad config, missing model, bad file) print one plain message and exit 2;
nothing the user did can produce a traceback unless they ask for ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import importlib
from app.config import Config, ConfigError, load_config
from app.offline import apply_network_policy
from app.store.errors import ModelStoreError

EXIT_USER_ERROR = 2
# One module per subcommand, each with add_parser(subparsers) and run(args). Modules import
# their heavy libraries (torch, whisper, Qt) inside run(), so `wenda --help` stays fast.
COMMAND_MODULES = (
    "app.cli.models_cmd",
    "app.cli.doctor_cmd",
    "app.cli.config_cmd",
    "app.cli.bench_cmd",
)
USER_ERRORS: tuple[type[BaseException], ...] = (ConfigError, ModelStoreError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wenda",
        description="Wenda (问答): a private voice assistant that runs entirely on this machine.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _launch_default(parser: argparse.ArgumentParser) -> int:
    """``wenda`` with no command: the app's status and what to run next."""
    parser.print_help()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        args.config, args.config_error = Config(), None
        try:
            args.config = load_config()
        except ConfigError as e:
            if not getattr(args, "tolerates_bad_config", False):
                raise
            args.config_error = e
        apply_network_policy(args.config.models.allow_online)
        if args.command is None:
            return _launch_default(parser)
        return int(args.run(args) or 0)
    except USER_ERRORS as e:
        if args.debug:
            raise
        print(f"wenda: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("wenda: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `wenda ... | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0


def entry_point() -> None:
    sys.exit(main())
