"""Actions a completed form runs, registered by name with ``@action("name")``.

An action gets the form's canonical slot values and an :class:`ActionContext` (the order
database, today, the reply language and its lexicon) and returns the fields of the reply; the
optional field ``situation`` picks the response key (default ``done``). With
``ctx.dry_run`` it only checks (used before a confirmation question) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

ActionFn = Callable[[dict[str, str], "ActionContext"], dict[str, Any]]
_REGISTRY: dict[str, ActionFn] = {}
# Modules whose import registers actions; cheap (sqlite3 only).
ACTION_MODULES = ("dialogue.actions.shop", "dialogue.actions.shop_items")


class ActionError(Exception):
    """An action could not run (database missing or broken); the turn reports it."""


@dataclass(frozen=True)
class ActionContext:
    db: sqlite3.Connection | None
    today: dt.date
    language: str = "en"
    lexicon: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    dry_run: bool = False


def action(name: str) -> Callable[[ActionFn], ActionFn]:
    """Register ``fn`` as the action called ``name`` in forms.toml."""

    def register(fn: ActionFn) -> ActionFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"action {name!r} is registered twice")
        _REGISTRY[name] = fn
        return fn

    return register


def registered_actions() -> dict[str, ActionFn]:
    """Every registered action by name (imports the modules that define them)."""
    for module in ACTION_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


def run_action(name: str, slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    """Run the action ``name``; database errors become :class:`ActionError`."""
    fn = registered_actions().get(name)
    if fn is None:
        raise ActionError(f"no action named {name!r} is registered")
    try:
        return fn(slots, ctx)
    except sqlite3.Error as e:
        raise ActionError(f"action {name} failed: {e}") from e
