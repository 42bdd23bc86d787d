"""Keep the hub libraries off the network unless the user opted in.

Set before transformers / huggingface_hub are imported (they read the variables at import),
so every entry point calls :func:`apply_network_policy` first.
"""

from __future__ import annotations

import os

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def apply_network_policy(allow_online: bool) -> None:
    """Force offline mode (the default) or leave the user's environment as it is."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if allow_online:
        return
    for name in OFFLINE_VARIABLES:
        os.environ[name] = "1"
