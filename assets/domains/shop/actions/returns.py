"""The shop's actions that send an item back: a return for a refund, or an exchange for
another colour or size (the contract of fields and situations is at the top of forms.toml)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from dialogue.actions import ActionContext, action
from dialogue.actions.wording import money

from .lookup import next_return_id, order_line, order_of, return_check
from .stock import product, variant_fields, variant_stock
from .wording import product_name

log = logging.getLogger(__name__)

DROP_OFF_DAYS = 14
FREE_LABEL_COUNTRY = "germany"
LABEL_CENTS = 595  # a return label from another EU country


@dataclass(frozen=True)
class Returning:
    """A delivered order's line that may go back, with the order's reply fields."""

    fields: dict[str, Any]
    order: sqlite3.Row
    line: sqlite3.Row


def line_to_return(
    ctx: ActionContext, slots: dict[str, str], already: str = "already_returned"
) -> Returning | dict[str, Any]:
    """The line the user wants to send back, or the reply fields saying why it cannot go
    (``already``: the situation for an order that was already returned)."""
    order, fields = order_of(ctx, slots)
    if order is None:
        return fields
    problem = return_check(ctx, order)
    if problem:
        return {**fields, "situation": already if problem == "already_returned" else problem}
    line = order_line(ctx, order["id"], slots.get("product", ""))
    if line is None:
        return {**fields, "situation": "not_in_order"}
    return Returning(fields, order, line)


@action("start_return")
def start_return(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    found = line_to_return(ctx, slots)
    if not isinstance(found, Returning):
        return found
    order, line = found.order, found.line
    fields = {**found.fields, "product_name": product_name(ctx, line)}
    if line["monogram"]:
        return {**fields, "situation": "not_returnable"}
    db = ctx.database()
    returned = db.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM returns WHERE order_id = ? AND line = ?",
        (order["id"], line["line"]),
    ).fetchone()[0]
    left = line["quantity"] - returned
    if left <= 0:
        return {**fields, "situation": "already_returned"}
    quantity = min(int(slots.get("quantity", left)), left)
    label_cents = 0 if order["country"] == FREE_LABEL_COUNTRY else LABEL_CENTS
    return_id = next_return_id(db)
    if not ctx.dry_run:
        _record_return(db, return_id, line, quantity, slots.get("reason"), ctx.today, label_cents)
        log.info("return started")
    return {
        **fields,
        "quantity": str(quantity),
        "return_id": return_id,
        "drop_off_deadline": (ctx.today + dt.timedelta(days=DROP_OFF_DAYS)).isoformat(),
        "situation": "done" if label_cents == 0 else "done_paid_label",
    }


def _record_return(
    db: sqlite3.Connection,
    return_id: str,
    line: sqlite3.Row,
    quantity: int,
    reason: str | None,
    today: dt.date,
    label_cents: int,
) -> None:
    """Insert the return of ``quantity`` of an order ``line``; the label is on its way."""
    with db:
        db.execute(
            "INSERT INTO returns (id, order_id, line, product_code, color, size, quantity, "
            "kind, reason, created_date, status, label_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'return', ?, ?, 'label_sent', ?)",
            (
                return_id,
                line["order_id"],
                line["line"],
                line["product_code"],
                line["color"],
                line["size"],
                quantity,
                reason,
                today.isoformat(),
                label_cents,
            ),
        )


@action("exchange_item")
def exchange_item(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    found = line_to_return(ctx, slots, already="window_closed")
    if not isinstance(found, Returning):
        return found
    line = found.line
    color, size = slots.get("color", ""), slots.get("size", "")
    item = product(ctx, line["product_code"])
    assert item is not None  # order_items references products
    fields = {**found.fields, **variant_fields(ctx, item, color, size)}
    problem = _exchange_problem(item, line, color, size)
    if problem:
        return {**fields, "situation": problem}
    stock = variant_stock(ctx, item["code"], color, size)
    if stock is None or stock["quantity"] < line["quantity"]:
        return {**fields, "situation": "out_of_stock"}
    unit_price = line["unit_price_cents"] - (600 if line["monogram"] else 0)
    db = ctx.database()
    exchange_id = next_return_id(db)
    if not ctx.dry_run:
        _record_exchange(db, exchange_id, line, color, size, slots.get("reason"), ctx.today)
        log.info("exchange started")
    return {
        **fields,
        "exchange_id": exchange_id,
        "price_difference": money(stock["price_cents"] - unit_price),
        "situation": "done",
    }


def _exchange_problem(item: sqlite3.Row, line: sqlite3.Row, color: str, size: str) -> str | None:
    """Why this line cannot be exchanged for ``color`` and ``size`` (a situation), or None."""
    if line["monogram"]:
        return "not_returnable"
    if color not in item["colors"].split(","):
        return "color_not_offered"
    if size not in item["sizes"].split(","):
        return "size_not_offered"
    if (color, size) == (line["color"], line["size"]):
        return "same_variant"
    return None


def _record_exchange(
    db: sqlite3.Connection,
    exchange_id: str,
    line: sqlite3.Row,
    color: str,
    size: str,
    reason: str | None,
    today: dt.date,
) -> None:
    """Insert the exchange of an order ``line`` for ``color`` and ``size`` and take those out
    of stock."""
    code, quantity = line["product_code"], line["quantity"]
    with db:
        db.execute(
            "INSERT INTO returns (id, order_id, line, product_code, color, size, quantity, "
            "kind, new_color, new_size, reason, created_date, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'exchange', ?, ?, ?, ?, 'label_sent')",
            (
                exchange_id,
                line["order_id"],
                line["line"],
                code,
                line["color"],
                line["size"],
                quantity,
                color,
                size,
                reason,
                today.isoformat(),
            ),
        )
        db.execute(
            "UPDATE stock SET quantity = quantity - ? WHERE product_code = ? AND color = ? "
            "AND size = ?",
            (quantity, code, color, size),
        )
