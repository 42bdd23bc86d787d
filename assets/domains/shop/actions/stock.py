"""The shop's products and stock: which colours and sizes exist and are in stock, and the
``check_stock`` action (the contract of fields and situations is at the top of forms.toml)."""

from __future__ import annotations

import sqlite3
from typing import Any

from dialogue.actions import ActionContext, action
from dialogue.actions.wording import money, names, value_name

from .wording import product_name

LOW_STOCK = 3


def product(ctx: ActionContext, code: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = (
        ctx.database().execute("SELECT * FROM products WHERE code = ?", (code,)).fetchone()
    )
    return row


def variant_stock(ctx: ActionContext, code: str, color: str, size: str) -> sqlite3.Row | None:
    """Quantity and price of one colour and size of a product (None: not stocked)."""
    row: sqlite3.Row | None = (
        ctx.database()
        .execute(
            "SELECT quantity, price_cents FROM stock WHERE product_code = ? AND color = ? AND "
            "size = ?",
            (code, color, size),
        )
        .fetchone()
    )
    return row


def _in_stock(
    ctx: ActionContext, code: str, color: str | None = None, size: str | None = None
) -> list[sqlite3.Row]:
    query = "SELECT * FROM stock WHERE product_code = ? AND quantity > 0"
    args: list[Any] = [code]
    if color:
        query, args = query + " AND color = ?", [*args, color]
    if size:
        query, args = query + " AND size = ?", [*args, size]
    return ctx.database().execute(query, args).fetchall()


def _ordered(values: list[str], offered: str) -> list[str]:
    """``values`` deduplicated, in the product's own order of colours or sizes."""
    order = offered.split(",")
    return sorted(set(values), key=lambda v: order.index(v) if v in order else len(order))


def variant_fields(
    ctx: ActionContext, product: sqlite3.Row, color: str, size: str
) -> dict[str, Any]:
    """The product's name, the colour and size asked for, and the alternatives in stock."""
    return {
        "product_name": product_name(ctx, product),
        "color_name": value_name(ctx, "color", color) if color else "",
        "size_name": value_name(ctx, "size", size) if size else "",
        **_alternatives(ctx, product, color, size),
    }


def _alternatives(
    ctx: ActionContext, product: sqlite3.Row, color: str, size: str
) -> dict[str, str]:
    """In-stock colours (in the wanted size) and sizes (in the wanted colour)."""
    colors = [r["color"] for r in _in_stock(ctx, product["code"], size=size or None)]
    sizes = [r["size"] for r in _in_stock(ctx, product["code"], color=color or None)]
    return {
        "colors": names(ctx, "color", _ordered(colors, product["colors"])),
        "sizes": names(ctx, "size", _ordered(sizes, product["sizes"])),
    }


@action("check_stock")
def check_stock(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    found = product(ctx, slots.get("product", ""))
    color, size = slots.get("color", ""), slots.get("size", "")
    if found is None:
        return {"situation": "not_found", "product_name": slots.get("product", "")}
    fields = {
        **variant_fields(ctx, found, color, size),
        "price": money(found["price_cents"]),
        "quantity": slots.get("quantity", ""),
        "stock": "",
    }
    if color and color not in found["colors"].split(","):
        return {**fields, "situation": "color_not_offered"}
    if size and size not in found["sizes"].split(","):
        return {**fields, "situation": "size_not_offered"}
    if not (color and size):
        return {**fields, "situation": "overview"}
    row = variant_stock(ctx, found["code"], color, size)
    stock = row["quantity"] if row else 0
    fields.update(stock=str(stock), price=money(row["price_cents"]) if row else fields["price"])
    if stock == 0:
        return {**fields, "situation": "out_of_stock"}
    wanted = int(slots["quantity"]) if slots.get("quantity", "").isdigit() else 1
    if stock < wanted:
        return {**fields, "situation": "not_enough"}
    return {**fields, "situation": "low_stock" if stock <= LOW_STOCK else "done"}
