"""Actions a completed form runs, registered by name with ``@action("name")``.

An action gets the form's canonical slot values and an :class:`ActionContext` (the order
database, today, the reply language and its lexicon) and returns the fields of the reply; the
optional field ``situation`` picks the response key (default ``done``). With
``ctx.dry_run`` it only checks (used before a confirmation question) and changes nothing.

A domain's actions are Python modules in its own folder, named in ``domain.toml``
(``actions = ["actions"]``); loading the domain imports them (``dialogue.actions.loading``)
and keeps the actions they register as the domain's own table, so two domains may both have
an ``order_status``. An ``@action`` run outside a domain's import (a module of the app, a test)
registers in the process-wide table, which every domain sees as well. This module is the
public API a domain's modules import, together with ``dialogue.actions.wording``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

ActionFn = Callable[[dict[str, str], "ActionContext"], dict[str, Any]]
_REGISTRY: dict[str, ActionFn] = {}  # actions registered outside a domain's import
_collecting: list[dict[str, ActionFn]] = []  # the tables of the domain imports under way
_collect_lock = threading.RLock()


class ActionError(Exception):
    """An action could not run (database missing or broken); the turn reports it."""


@dataclass(frozen=True)
class ActionContext:
    db: sqlite3.Connection | None
    today: dt.date
    language: str = "en"
    lexicon: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    dry_run: bool = False

    def database(self) -> sqlite3.Connection:
        """The order database; :class:`ActionError` when the domain has none (orders.sql)."""
        if self.db is None:
            raise ActionError("this domain has no order database (orders.sql)")
        return self.db


def action(name: str) -> Callable[[ActionFn], ActionFn]:
    """Register ``fn`` as the action called ``name`` in forms.toml."""

    def register(fn: ActionFn) -> ActionFn:
        table = _collecting[-1] if _collecting else _REGISTRY
        if name in table and table[name] is not fn:
            raise ValueError(f"action {name!r} is registered twice")
        table[name] = fn
        return fn

    return register


@contextmanager
def collecting() -> Iterator[dict[str, ActionFn]]:
    """Within the block, ``@action`` registers into the table it yields (a domain's own)."""
    with _collect_lock:
        table: dict[str, ActionFn] = {}
        _collecting.append(table)
        try:
            yield table
        finally:
            _collecting.pop()


def registered_actions() -> dict[str, ActionFn]:
    """The actions registered outside any domain, by name."""
    return dict(_REGISTRY)


def run_action(
    name: str,
    slots: dict[str, str],
    ctx: ActionContext,
    actions: Mapping[str, ActionFn] | None = None,
) -> dict[str, Any]:
    """Run the action ``name`` from ``actions`` (a domain's table) or the process-wide one;
    database errors become :class:`ActionError`."""
    fn = (actions or {}).get(name) or _REGISTRY.get(name)
    if fn is None:
        raise ActionError(f"no action named {name!r} is registered")
    try:
        return fn(slots, ctx)
    except sqlite3.Error as e:
        raise ActionError(f"action {name} failed: {e}") from e
