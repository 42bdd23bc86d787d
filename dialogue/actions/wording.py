"""How the shop actions say things in the reply language: money, names, lists of items.

Actions return facts from the database only; this module just words them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from dialogue.actions import ActionContext

_EN_COUNTS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def money(cents: int | None) -> str:
    """Euro cents as a decimal string without currency ("197.00"); templates add "euros"."""
    return f"{(cents or 0) / 100:.2f}"


def value_name(ctx: ActionContext, slot: str, value: str) -> str:
    """A canonical slot value as the reply language says it (the lexicon's first form)."""
    forms = ctx.lexicon.get(slot, {}).get(value)
    if forms:
        return forms[0]
    return (
        value.replace("_", " ").upper()
        if slot == "size" and len(value) <= 3
        else value.replace("_", " ")
    )


def join(ctx: ActionContext, parts: Sequence[str]) -> str:
    """ "a, b and c" / "a、b和c"."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    if ctx.language == "zh":
        return "、".join(parts[:-1]) + "和" + parts[-1]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(name: str) -> str:
    if name[-1:].isdigit() or name.endswith("s"):
        return name
    if name.endswith(("sh", "ch", "x")):
        return name + "es"
    return name + "s"


def product_name(ctx: ActionContext, row: sqlite3.Row) -> str:
    return row["name_zh"] if ctx.language == "zh" else row["name_en"]


def item_phrase(ctx: ActionContext, name: str, quantity: int) -> str:
    """ "a linen pillowcase" / "two linen pillowcases" / "2件亚麻枕套"."""
    if ctx.language == "zh":
        return f"{quantity}件{name}"
    if quantity == 1:
        if name.endswith("s"):  # "linen wide-leg trousers": no article for a plural noun
            return name
        return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
    count = _EN_COUNTS[quantity] if quantity < len(_EN_COUNTS) else str(quantity)
    return f"{count} {_plural(name)}"


def order_items(ctx: ActionContext, db: sqlite3.Connection, order_id: int) -> str:
    rows = db.execute(
        "SELECT p.name_en, p.name_zh, i.quantity FROM order_items i "
        "JOIN products p ON p.code = i.product_code WHERE i.order_id = ? ORDER BY i.line",
        (order_id,),
    ).fetchall()
    return join(ctx, [item_phrase(ctx, product_name(ctx, r), r["quantity"]) for r in rows])


def names(ctx: ActionContext, slot: str, values: Sequence[str]) -> str:
    return join(ctx, [value_name(ctx, slot, v) for v in values])
