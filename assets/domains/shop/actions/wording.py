"""How the shop says its products and orders in the reply language: product names from the
database's ``name_en``/``name_zh`` columns, and "a linen pillowcase" / "two linen
pillowcases" / "2件亚麻枕套". Actions return facts from the database only; this module just
words them (the generic words, money and slot values, are ``dialogue.actions.wording``).
"""

from __future__ import annotations

import sqlite3

from dialogue.actions import ActionContext
from dialogue.actions.wording import join

_EN_COUNTS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


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
