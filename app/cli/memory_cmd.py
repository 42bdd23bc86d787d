"""``wenda memory show | export | forget``: what Wenda remembers about a user, and the
privacy controls (history itself is switched off with ``wenda config set privacy.history
false``: then nothing at all is stored).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("memory", help="show, export or forget what Wenda remembers")
    actions = parser.add_subparsers(dest="memory_action", metavar="ACTION", required=True)
    for name, help_text in (
        ("show", "the user's profile and the number of stored turns"),
        ("export", "everything stored about the user, as JSON"),
        ("forget", "delete everything stored about the user"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--user", default="local", help="whose data (default: local)")
        if name == "export":
            action.add_argument("--out", metavar="FILE", default="", help="write to FILE")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from app.conversation import memory_file
    from app.memory_file import open_memory
    from app.user_files import check_output_path, write_output

    path = memory_file()
    if not path.exists():
        print(f"nothing is stored yet ({path})", file=sys.stderr)
        return 0
    out = check_output_path(args.out, (".json",)) if getattr(args, "out", "") else None
    memory = open_memory(path, repair=False)  # a damaged file: say so, change nothing
    try:
        if args.memory_action == "show":
            data = memory.export(args.user)
            profile = data["profile"]
            print(f"user: {args.user}")
            print(f"name: {profile['name'] or '-'}")
            print(f"preferences: {profile['preferences'] or '-'}")
            print(f"orders asked about: {', '.join(profile['orders']) or '-'}")
            print(f"stored turns: {len(data['history'])}")
        elif args.memory_action == "export":
            text = json.dumps(memory.export(args.user), ensure_ascii=False, indent=2) + "\n"
            if out is not None:
                write_output(out, text.encode("utf-8"))
                memory.remember_file(args.user, out)  # "forget" deletes it too
                print(f"exported to {out}", file=sys.stderr)
            else:
                sys.stdout.write(text)
        else:
            deleted = memory.forget(args.user)
            print(f"forgot {args.user}: profile and {deleted} stored turns deleted")
    finally:
        memory.close()
    return 0
