"""Where Wenda keeps its files: per-user config, cache (prepared models) and data (memory, history).

Each can be moved with an environment variable, which tests and portable installs use:
``WENDA_CONFIG_DIR``, ``WENDA_CACHE_DIR``, ``WENDA_DATA_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "wenda"


def _dir(env_var: str, default: str) -> Path:
    value = os.environ.get(env_var)
    return Path(value).expanduser() if value else Path(default)


def config_dir() -> Path:
    """Folder holding ``config.toml``."""
    return _dir("WENDA_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Folder holding prepared models; safe to delete (``wenda models prepare`` rebuilds it)."""
    return _dir("WENDA_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """Folder holding the user's own data: conversation history, memory, trained models."""
    return _dir("WENDA_DATA_DIR", platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    """The settings file, ``config.toml`` in :func:`config_dir`."""
    return config_dir() / "config.toml"


def models_dir() -> Path:
    """Where the model store keeps one folder per prepared model."""
    return cache_dir() / "models"
