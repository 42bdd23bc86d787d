"""Shop actions on products: exchange an item for another colour or size, check stock.

As in shop.py, facts come only from the order database and the fields and situations follow
the contract at the top of the shop's forms.toml.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from dialogue.actions import ActionContext, action
from dialogue.actions.shop import (
    db_of,
    find_order,
    next_return_id,
    order_fields,
    order_line,
    return_check,
)
from dialogue.actions.wording import money, names, product_name, value_name

log = logging.getLogger(__name__)

LOW_STOCK = 3


def _product(ctx: ActionContext, code: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = (
        db_of(ctx).execute("SELECT * FROM products WHERE code = ?", (code,)).fetchone()
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
    return db_of(ctx).execute(query, args).fetchall()


def _ordered(values: list[str], offered: str) -> list[str]:
    """``values`` deduplicated, in the product's own order of colours or sizes."""
    order = offered.split(",")
    return sorted(set(values), key=lambda v: order.index(v) if v in order else len(order))


def _variant_fields(
    ctx: ActionContext, product: sqlite3.Row, color: str, size: str
) -> dict[str, Any]:
    return {
        "product_name": product_name(ctx, product),
        "color_name": value_name(ctx, "color", color) if color else "",
        "size_name": value_name(ctx, "size", size) if size else "",
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


@action("exchange_item")
def exchange_item(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    color, size = slots.get("color", ""), slots.get("size", "")
    fields = order_fields(ctx, order)
    problem = return_check(ctx, order)
    if problem:
        return {
            **fields,
            "situation": "window_closed" if problem == "already_returned" else problem,
        }
    line = order_line(ctx, order["id"], slots.get("product", ""))
    if line is None:
        return {**fields, "situation": "not_in_order"}
    product = _product(ctx, line["product_code"])
    assert product is not None  # order_items references products
    fields.update(
        _variant_fields(ctx, product, color, size), **_alternatives(ctx, product, color, size)
    )
    if line["monogram"]:
        return {**fields, "situation": "not_returnable"}
    if color not in product["colors"].split(","):
        return {**fields, "situation": "color_not_offered"}
    if size not in product["sizes"].split(","):
        return {**fields, "situation": "size_not_offered"}
    if (color, size) == (line["color"], line["size"]):
        return {**fields, "situation": "same_variant"}
    stock = (
        db_of(ctx)
        .execute(
            "SELECT quantity, price_cents FROM stock WHERE product_code = ? AND color = ? AND "
            "size = ?",
            (product["code"], color, size),
        )
        .fetchone()
    )
    if stock is None or stock["quantity"] < line["quantity"]:
        return {**fields, "situation": "out_of_stock"}
    unit_price = line["unit_price_cents"] - (600 if line["monogram"] else 0)
    exchange_id = next_return_id(db_of(ctx))
    if not ctx.dry_run:
        db = db_of(ctx)
        with db:
            db.execute(
                "INSERT INTO returns (id, order_id, line, product_code, color, size, quantity, "
                "kind, new_color, "
                "new_size, reason, created_date, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'exchange', "
                "?, ?, ?, ?, 'label_sent')",
                (
                    exchange_id,
                    order["id"],
                    line["line"],
                    product["code"],
                    line["color"],
                    line["size"],
                    line["quantity"],
                    color,
                    size,
                    slots.get("reason"),
                    ctx.today.isoformat(),
                ),
            )
            db.execute(
                "UPDATE stock SET quantity = quantity - ? WHERE product_code = ? AND color = ? "
                "AND size = ?",
                (line["quantity"], product["code"], color, size),
            )
        log.info("exchange started")
    return {
        **fields,
        "exchange_id": exchange_id,
        "price_difference": money(stock["price_cents"] - unit_price),
        "situation": "done",
    }


@action("check_stock")
def check_stock(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    product = _product(ctx, slots.get("product", ""))
    color, size = slots.get("color", ""), slots.get("size", "")
    if product is None:
        return {"situation": "not_found", "product_name": slots.get("product", "")}
    fields = {
        **_variant_fields(ctx, product, color, size),
        **_alternatives(ctx, product, color, size),
        "price": money(product["price_cents"]),
        "quantity": slots.get("quantity", ""),
        "stock": "",
    }
    if color and color not in product["colors"].split(","):
        return {**fields, "situation": "color_not_offered"}
    if size and size not in product["sizes"].split(","):
        return {**fields, "situation": "size_not_offered"}
    if not (color and size):
        return {**fields, "situation": "overview"}
    row = (
        db_of(ctx)
        .execute(
            "SELECT quantity, price_cents FROM stock WHERE product_code = ? AND color = ? AND "
            "size = ?",
            (product["code"], color, size),
        )
        .fetchone()
    )
    stock = row["quantity"] if row else 0
    fields.update(stock=str(stock), price=money(row["price_cents"]) if row else fields["price"])
    if stock == 0:
        return {**fields, "situation": "out_of_stock"}
    wanted = int(slots["quantity"]) if slots.get("quantity", "").isdigit() else 1
    if stock < wanted:
        return {**fields, "situation": "not_enough"}
    return {**fields, "situation": "low_stock" if stock <= LOW_STOCK else "done"}
