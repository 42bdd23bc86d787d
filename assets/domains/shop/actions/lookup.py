"""Reading orders from the shop's database: one order, its lines, the fields every
order-based reply may use, and whether an item can still go back.

Dates are ISO strings (the reply layer says them); money is decimal strings ("197.00").
Policy numbers come from the ``meta`` table of orders.sql, with these defaults.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

from dialogue.actions import ActionContext
from dialogue.actions.wording import money, value_name

from .wording import order_items

RETURN_WINDOW_DAYS = 30  # also in the meta table; read from there when present


def meta_int(db: sqlite3.Connection, key: str, default: int) -> int:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return default
    try:
        return int(row[0]) if row else default
    except ValueError:
        return default


def iso_plus(date: str | None, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat() if date else ""


def find_order(ctx: ActionContext, order_id: str) -> sqlite3.Row | None:
    if not order_id.isdigit():
        return None
    db = ctx.database()
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM orders WHERE id = ?", (int(order_id),)
    ).fetchone()
    return row


def order_of(
    ctx: ActionContext, slots: dict[str, str]
) -> tuple[sqlite3.Row | None, dict[str, Any]]:
    """The order the slots name and its reply fields; no order and the ``not_found`` fields
    when the number is not in the database."""
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return None, {"situation": "not_found", "order_id": slots.get("order_id", "")}
    return order, order_fields(ctx, order)


def order_fields(ctx: ActionContext, order: sqlite3.Row) -> dict[str, Any]:
    """The fields every order-based reply may use."""
    db = ctx.database()
    window = meta_int(db, "return_window_days", RETURN_WINDOW_DAYS)
    return {
        "order_id": str(order["id"]),
        "status": order["status"],
        "order_date": order["order_date"],
        "expected_date": order["expected_delivery"] or "",
        "dispatch_date": order["dispatch_date"] or "",
        "delivered_date": order["delivered_date"] or "",
        "cancelled_date": order["cancelled_date"] or "",
        "items": order_items(ctx, db, order["id"]),
        "total": money(order["total_cents"]),
        "carrier": order["carrier"],
        "tracking_number": order["tracking_number"] or "",
        "return_deadline": iso_plus(order["delivered_date"], window),
        "payment_method_name": value_name(ctx, "payment_method", order["payment_method"]),
        "country_name": value_name(ctx, "country", order["country"]),
    }


def return_check(ctx: ActionContext, order: sqlite3.Row) -> str | None:
    """Why a delivered order's item cannot go back (a situation), or None if it can."""
    status = order["status"]
    if status == "processing":
        return "still_processing"
    if status == "dispatched":
        return "not_delivered_yet"
    if status == "cancelled":
        return "order_cancelled"
    if status == "returned":
        return "already_returned"
    window = meta_int(ctx.database(), "return_window_days", RETURN_WINDOW_DAYS)
    deadline = dt.date.fromisoformat(order["delivered_date"]) + dt.timedelta(days=window)
    return "window_closed" if ctx.today > deadline else None


def order_line(ctx: ActionContext, order_id: int, product: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = (
        ctx.database()
        .execute(
            "SELECT i.*, p.name_en, p.name_zh FROM order_items i JOIN products p ON p.code = "
            "i.product_code "
            "WHERE i.order_id = ? AND i.product_code = ? ORDER BY i.line",
            (order_id, product),
        )
        .fetchone()
    )
    return row


def next_return_id(db: sqlite3.Connection) -> str:
    numbers = [
        int(r[0][2:])
        for r in db.execute("SELECT DISTINCT id FROM returns")
        if re.fullmatch(r"R-\d+", r[0])
    ]
    return f"R-{max(numbers, default=7000) + 1}"
