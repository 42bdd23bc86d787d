"""The background training job's process: ``python -m app.store.training_job --domain DIR
--lang L`` (started by ``app.store.domain_training.start_background``).

A module of its own because it needs the model store to find the base models, and the store
needs the training job for ``wenda models prepare``: the process's entry point is the one
place that sees both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.logs import configure_logging
from app.store.domain_training import run_job


def main(argv: list[str] | None = None) -> int:
    """Train, then exit (0 also when another job was already at it)."""
    parser = argparse.ArgumentParser(prog="python -m app.store.training_job")
    parser.add_argument("--domain", required=True, type=Path)
    parser.add_argument("--lang", required=True)
    args = parser.parse_args(argv)
    configure_logging()  # into its log file (start_background), which is its stderr too
    from app.config_file import load_config
    from app.offline import apply_network_policy
    from app.store.store import ModelStore

    config = load_config()
    apply_network_policy(config.models.allow_online)
    store = ModelStore(config=config)
    run_job(args.domain, args.lang, lambda role: Path(store.path(role)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
