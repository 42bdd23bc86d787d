"""The ``wenda`` command: parses arguments, configures logging, turns user errors into messages.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args)``.
User mistakes (bad config, missing model, bad file) print one plain message and exit 2;
nothing the user did can produce a traceback unless they ask for ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from app.config import Config, ConfigError
from app.config_file import load_config
from app.domains import ChatSetupError
from app.memory_file import MemoryFileError
from app.offline import apply_network_policy
from app.store.errors import ModelStoreError
from app.user_files import OutputPathError, disk_problem
from app.voice.errors import VoiceSetupError
from dialogue.domain.errors import DomainError
from dialogue.generator.errors import GeneratorError
from dialogue.nlu.errors import NluError
from speech.errors import SpeechError
from training.generator.checkpoint import AdapterError
from training.generator.config import TrainConfigError
from training.generator.data import TrainingDataError

EXIT_USER_ERROR = 2
# One module per subcommand, each with add_parser(subparsers) and run(args). Modules import
# their heavy libraries (torch, whisper, Qt) inside run(), so `wenda --help` stays fast.
COMMAND_MODULES = (
    "app.cli.models_cmd",
    "app.cli.doctor_cmd",
    "app.cli.config_cmd",
    "app.cli.bench_cmd",
    "app.cli.train_cmd",
    "app.cli.eval_cmd",
    "app.cli.predict_cmd",
    "app.cli.chat_cmd",
    "app.cli.domain_cmd",
    "app.cli.memory_cmd",
    "app.cli.talk_cmd",
    "app.cli.transcribe_cmd",
    "app.cli.say_cmd",
)
USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    ModelStoreError,
    NluError,
    DomainError,  # wenda chat / domain: a bad domain folder (file, line, field)
    ChatSetupError,  # wenda chat: no trained NLU model, unknown language
    SpeechError,  # wenda talk: no microphone or speaker, a speech model that cannot load
    VoiceSetupError,  # wenda talk: [voice] settings that cannot work
    GeneratorError,  # the chat model or adapter cannot load, the generator server fails
    TrainingDataError,  # wenda train/eval generator: bad chat/FAQ JSONL (file:line)
    TrainConfigError,  # wenda train generator: a setting out of range
    AdapterError,  # wenda eval generator: not an adapter folder
    MemoryFileError,  # memory.sqlite damaged (for commands that only read it) or unwritable
    OutputPathError,  # a file to write (--out, /export) that cannot be written there
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wenda",
        description="Wenda (问答): a private voice assistant that runs entirely on this machine.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks for errors and log everything, private data included",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def _configure_logging(verbose: bool, debug: bool = False) -> None:
    """Wenda's own lines on the console (warnings; ``-v``: progress too; ``--debug``:
    everything, unmasked), the libraries' chatter in the log file (app/logs.py); long steps
    inside loaders draw a bar on stderr (app/cli/progress.py)."""
    from app.logs import configure_logging
    from app.store.progress import show_steps_with

    configure_logging(verbose, debug=debug)
    show_steps_with(_delayed_bar)


def _delayed_bar(label: str, total: int) -> Any:
    from app.cli.progress import delayed_bar  # tqdm only when a step is long

    return delayed_bar(label, total)


def _launch_default(parser: argparse.ArgumentParser, config: Config) -> int:
    """``wenda`` with no command: the desktop window; with no display, the terminal chat
    (started when stdin is a terminal, else suggested)."""
    from app.gui.display import has_display

    if has_display():
        try:
            from app.gui.app import run_app
        except ImportError as e:  # Qt's system libraries are missing
            print(f"wenda: the window cannot start ({e}); try `wenda chat`", file=sys.stderr)
            return EXIT_USER_ERROR
        return run_app(config)
    print("wenda: no display found (DISPLAY / WAYLAND_DISPLAY not set), so no window.")
    if "app.cli.chat_cmd" in COMMAND_MODULES and sys.stdin.isatty():
        print("Starting the terminal chat instead (`wenda chat`; Ctrl-D to leave).")
        return main(["chat"])
    print("For a typed conversation in the terminal run `wenda chat`; see `wenda --help`.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.debug)
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
            return _launch_default(parser, args.config)
        return int(args.run(args) or 0)
    except USER_ERRORS as e:
        if args.debug:
            raise
        print(f"wenda: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("wenda: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a full or read-only disk is no bug: say so plainly
        problem = disk_problem(e)
        if problem is None or args.debug:
            raise
        print(f"wenda: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader went away (e.g. `wenda ... | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0


def entry_point() -> None:
    sys.exit(main())
