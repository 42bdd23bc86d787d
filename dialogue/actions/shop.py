"""Shop actions on orders: status, cancel, return, refund status, new address, new delivery day.

Facts come only from the order database (orders.sql of the domain); each action returns the
fields and the ``situation`` promised in the contract at the top of the shop's forms.toml.
Dates are ISO strings (the reply layer says them); money is decimal strings ("197.00").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from typing import Any

from dialogue.actions import ActionContext, ActionError, action
from dialogue.actions.wording import money, order_items, product_name, value_name

log = logging.getLogger(__name__)

RETURN_WINDOW_DAYS = 30  # also in the meta table; read from there when present
DROP_OFF_DAYS = 14
RESCHEDULE_MAX_DAYS = 14
REFUND_DAYS = 7  # calendar days covering "3 to 5 working days"


def db_of(ctx: ActionContext) -> sqlite3.Connection:
    if ctx.db is None:
        raise ActionError("this domain has no order database (orders.sql)")
    return ctx.db


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
    row: sqlite3.Row | None = (
        db_of(ctx).execute("SELECT * FROM orders WHERE id = ?", (int(order_id),)).fetchone()
    )
    return row


def order_fields(ctx: ActionContext, order: sqlite3.Row) -> dict[str, Any]:
    """The fields every order-based reply may use."""
    window = meta_int(db_of(ctx), "return_window_days", RETURN_WINDOW_DAYS)
    return {
        "order_id": str(order["id"]),
        "status": order["status"],
        "order_date": order["order_date"],
        "expected_date": order["expected_delivery"] or "",
        "dispatch_date": order["dispatch_date"] or "",
        "delivered_date": order["delivered_date"] or "",
        "cancelled_date": order["cancelled_date"] or "",
        "items": order_items(ctx, db_of(ctx), order["id"]),
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
    window = meta_int(db_of(ctx), "return_window_days", RETURN_WINDOW_DAYS)
    deadline = dt.date.fromisoformat(order["delivered_date"]) + dt.timedelta(days=window)
    return "window_closed" if ctx.today > deadline else None


def order_line(ctx: ActionContext, order_id: int, product: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = (
        db_of(ctx)
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


@action("order_status")
def order_status(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = order_fields(ctx, order)
    return {**fields, "situation": order["status"]}


@action("cancel_order")
def cancel_order(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = order_fields(ctx, order)
    if order["status"] == "cancelled":
        return {**fields, "situation": "already_cancelled"}
    if order["status"] != "processing":
        return {**fields, "situation": "too_late"}
    invoice = order["payment_method"] == "invoice"
    fields["cancelled_date"] = ctx.today.isoformat()
    if not ctx.dry_run:
        db = db_of(ctx)
        with db:
            db.execute(
                "UPDATE orders SET status = 'cancelled', cancelled_date = ?, expected_delivery = "
                "NULL WHERE id = ?",
                (ctx.today.isoformat(), order["id"]),
            )
            if not invoice:
                db.execute(
                    "INSERT INTO refunds (order_id, amount_cents, method, reason, status, "
                    "created_date, expected_date) "
                    "VALUES (?, ?, ?, 'cancellation', 'issued', ?, ?)",
                    (
                        order["id"],
                        order["total_cents"],
                        order["payment_method"],
                        ctx.today.isoformat(),
                        (ctx.today + dt.timedelta(days=REFUND_DAYS)).isoformat(),
                    ),
                )
        log.info("order cancelled")
    return {**fields, "situation": "done_invoice" if invoice else "done"}


@action("start_return")
def start_return(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = order_fields(ctx, order)
    problem = return_check(ctx, order)
    if problem:
        return {**fields, "situation": problem}
    line = order_line(ctx, order["id"], slots.get("product", ""))
    if line is None:
        return {**fields, "situation": "not_in_order"}
    fields["product_name"] = product_name(ctx, line)
    if line["monogram"]:
        return {**fields, "situation": "not_returnable"}
    db = db_of(ctx)
    returned = db.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM returns WHERE order_id = ? AND line = ?",
        (order["id"], line["line"]),
    ).fetchone()[0]
    left = line["quantity"] - returned
    if left <= 0:
        return {**fields, "situation": "already_returned"}
    quantity = min(int(slots.get("quantity", left)), left)
    label_cents = 0 if order["country"] == "germany" else 595
    return_id = next_return_id(db)
    if not ctx.dry_run:
        with db:
            db.execute(
                "INSERT INTO returns (id, order_id, line, product_code, color, size, quantity, "
                "kind, reason, "
                "created_date, status, label_cents) VALUES (?, ?, ?, ?, ?, ?, ?, 'return', ?, ?, "
                "'label_sent', ?)",
                (
                    return_id,
                    order["id"],
                    line["line"],
                    line["product_code"],
                    line["color"],
                    line["size"],
                    quantity,
                    slots.get("reason"),
                    ctx.today.isoformat(),
                    label_cents,
                ),
            )
        log.info("return started")
    return {
        **fields,
        "quantity": str(quantity),
        "return_id": return_id,
        "drop_off_deadline": (ctx.today + dt.timedelta(days=DROP_OFF_DAYS)).isoformat(),
        "situation": "done" if label_cents == 0 else "done_paid_label",
    }


@action("refund_status")
def refund_status(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = order_fields(ctx, order)
    db = db_of(ctx)
    refund = db.execute(
        "SELECT * FROM refunds WHERE order_id = ? ORDER BY id DESC", (order["id"],)
    ).fetchone()
    ret = db.execute(
        "SELECT * FROM returns WHERE order_id = ? ORDER BY created_date DESC", (order["id"],)
    ).fetchone()
    if ret is not None:
        fields.update(
            return_id=ret["id"],
            received_date=ret["received_date"] or "",
            created_date=ret["created_date"],
        )
    if refund is not None:
        fields.update(
            amount=money(refund["amount_cents"]),
            payment_method_name=value_name(ctx, "payment_method", refund["method"]),
            created_date=refund["created_date"],
            expected_date=refund["expected_date"] or "",
            completed_date=refund["completed_date"] or "",
            status=refund["status"],
        )
        return {**fields, "situation": refund["status"]}
    if ret is not None and ret["status"] in ("label_sent", "in_transit"):
        return {**fields, "situation": "return_in_transit"}
    if order["status"] == "cancelled" and order["payment_method"] == "invoice":
        return {**fields, "situation": "invoice_cancelled"}
    return {**fields, "situation": "no_refund"}


@action("change_address")
def change_address(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = {**order_fields(ctx, order), "address": slots.get("address", "")}
    if order["status"] == "cancelled":
        return {**fields, "situation": "order_cancelled"}
    if order["status"] != "processing":
        return {**fields, "situation": "too_late"}
    named = _countries_named(ctx, fields["address"])
    if named and order["country"] not in named:
        return {**fields, "situation": "different_country"}
    if not ctx.dry_run:
        db = db_of(ctx)
        with db:
            db.execute(
                "UPDATE orders SET address = ? WHERE id = ?", (fields["address"], order["id"])
            )
        log.info("delivery address changed")
    return {**fields, "situation": "done"}


def _countries_named(ctx: ActionContext, text: str) -> set[str]:
    lowered = text.lower()
    found = set()
    for country, surfaces in ctx.lexicon.get("country", {}).items():
        for surface in (*surfaces, country.replace("_", " ")):
            pattern = (
                re.escape(surface.lower())
                if not surface.isascii()
                else rf"\b{re.escape(surface.lower())}\b"
            )
            if re.search(pattern, lowered):
                found.add(country)
    return found


def is_delivery_day(date: dt.date) -> bool:
    """No delivery on Sundays and German national public holidays."""
    return date.weekday() != 6 and date not in _holidays(date.year)


def _holidays(year: int) -> set[dt.date]:
    a, b, c = year % 19, year // 100, year % 100  # anonymous Gregorian Easter algorithm
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    easter = dt.date(year, month, day + 1)
    moving = {easter + dt.timedelta(days=n) for n in (-2, 1, 39, 50)}
    fixed = {dt.date(year, mm, dd) for mm, dd in ((1, 1), (5, 1), (10, 3), (12, 25), (12, 26))}
    return moving | fixed


@action("change_delivery_date")
def change_delivery_date(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order = find_order(ctx, slots.get("order_id", ""))
    if order is None:
        return {"situation": "not_found", "order_id": slots.get("order_id", "")}
    fields = {**order_fields(ctx, order), "date": slots.get("date", "")}
    if order["status"] == "cancelled":
        return {**fields, "situation": "order_cancelled"}
    if order["status"] != "processing":
        return {**fields, "situation": "too_late"}
    wanted = dt.date.fromisoformat(fields["date"])
    expected = dt.date.fromisoformat(order["expected_delivery"])
    latest = expected + dt.timedelta(
        days=meta_int(db_of(ctx), "reschedule_max_days", RESCHEDULE_MAX_DAYS)
    )
    fields["latest_date"] = latest.isoformat()
    if wanted < expected:
        return {**fields, "situation": "too_early"}
    if wanted > latest:
        return {**fields, "situation": "too_far"}
    if not is_delivery_day(wanted):
        return {**fields, "situation": "sunday"}
    if not ctx.dry_run:
        db = db_of(ctx)
        with db:
            db.execute(
                "UPDATE orders SET expected_delivery = ? WHERE id = ?",
                (wanted.isoformat(), order["id"]),
            )
        log.info("delivery date changed")
    return {**fields, "situation": "done"}
