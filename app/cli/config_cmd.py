"""``wenda config show | path | set``: read and change the settings file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app import paths
from app.config import Config, config_to_dict
from app.config_file import render_config, set_user_setting


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("config", help="show, locate or change settings")
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print every setting with its documentation")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    show.add_argument("--defaults", action="store_true", help="ignore the file: show the defaults")
    actions.add_parser("path", help="print where the settings file lives")
    setter = actions.add_parser(
        "set", help="change one setting, e.g. wenda config set asr.engine openai"
    )
    setter.add_argument("key", help="section.key, or models.paths.ROLE")
    setter.add_argument("value")
    parser.set_defaults(run=run, tolerates_bad_config=True)


def run(args: argparse.Namespace) -> int:
    if args.config_action == "path":
        print(paths.config_file())
        return 0
    if args.config_action == "set":
        set_user_setting(args.key, args.value)
        print(f"{args.key} = {args.value}  ({paths.config_file()})")
        if args.key == "general.language":  # a language chosen for the first time
            from app.cli.progress import prepare_language_cli
            from app.config_file import load_config

            prepare_language_cli(load_config(), args.value)
        return 0
    if args.config_error is not None and not args.defaults:
        raise args.config_error
    config = Config() if args.defaults else args.config
    if args.json:
        print(json.dumps(config_to_dict(config), indent=2, allow_nan=False))
    else:
        print(f"# {paths.config_file()}")
        print(render_config(config), end="")
    return 0
