"""The shop's actions on a whole order: status, cancel, refund status, a new address, a new
delivery day (the contract of fields and situations is at the top of forms.toml)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from typing import Any

from dialogue.actions import ActionContext, action
from dialogue.actions.wording import money, value_name

from .lookup import meta_int, order_of

log = logging.getLogger(__name__)

RESCHEDULE_MAX_DAYS = 14
REFUND_DAYS = 7  # calendar days covering "3 to 5 working days"


@action("order_status")
def order_status(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order, fields = order_of(ctx, slots)
    if order is None:
        return fields
    return {**fields, "situation": order["status"]}


@action("cancel_order")
def cancel_order(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order, fields = order_of(ctx, slots)
    if order is None:
        return fields
    if order["status"] == "cancelled":
        return {**fields, "situation": "already_cancelled"}
    if order["status"] != "processing":
        return {**fields, "situation": "too_late"}
    invoice = order["payment_method"] == "invoice"
    fields["cancelled_date"] = ctx.today.isoformat()
    if not ctx.dry_run:
        _cancel(ctx.database(), order, ctx.today, refund=not invoice)
        log.info("order cancelled")
    return {**fields, "situation": "done_invoice" if invoice else "done"}


def _cancel(db: sqlite3.Connection, order: sqlite3.Row, today: dt.date, refund: bool) -> None:
    """Mark the order cancelled and, unless it was paid by invoice, issue the refund."""
    with db:
        db.execute(
            "UPDATE orders SET status = 'cancelled', cancelled_date = ?, expected_delivery = "
            "NULL WHERE id = ?",
            (today.isoformat(), order["id"]),
        )
        if refund:
            db.execute(
                "INSERT INTO refunds (order_id, amount_cents, method, reason, status, "
                "created_date, expected_date) "
                "VALUES (?, ?, ?, 'cancellation', 'issued', ?, ?)",
                (
                    order["id"],
                    order["total_cents"],
                    order["payment_method"],
                    today.isoformat(),
                    (today + dt.timedelta(days=REFUND_DAYS)).isoformat(),
                ),
            )


@action("refund_status")
def refund_status(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order, fields = order_of(ctx, slots)
    if order is None:
        return fields
    db = ctx.database()
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


def _changeable(
    ctx: ActionContext, slots: dict[str, str], slot: str
) -> tuple[sqlite3.Row | None, dict[str, Any]]:
    """The order and its fields plus the new value of ``slot``, while the order can still be
    changed (processing); else no order and the fields that say why not."""
    order, fields = order_of(ctx, slots)
    if order is None:
        return None, fields
    fields[slot] = slots.get(slot, "")
    if order["status"] == "cancelled":
        return None, {**fields, "situation": "order_cancelled"}
    if order["status"] != "processing":
        return None, {**fields, "situation": "too_late"}
    return order, fields


@action("change_address")
def change_address(slots: dict[str, str], ctx: ActionContext) -> dict[str, Any]:
    order, fields = _changeable(ctx, slots, "address")
    if order is None:
        return fields
    named = _countries_named(ctx, fields["address"])
    if named and order["country"] not in named:
        return {**fields, "situation": "different_country"}
    if not ctx.dry_run:
        db = ctx.database()
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
    order, fields = _changeable(ctx, slots, "date")
    if order is None:
        return fields
    wanted = dt.date.fromisoformat(fields["date"])
    expected = dt.date.fromisoformat(order["expected_delivery"])
    latest = expected + dt.timedelta(
        days=meta_int(ctx.database(), "reschedule_max_days", RESCHEDULE_MAX_DAYS)
    )
    fields["latest_date"] = latest.isoformat()
    if wanted < expected:
        return {**fields, "situation": "too_early"}
    if wanted > latest:
        return {**fields, "situation": "too_far"}
    if not is_delivery_day(wanted):
        return {**fields, "situation": "sunday"}
    if not ctx.dry_run:
        db = ctx.database()
        with db:
            db.execute(
                "UPDATE orders SET expected_delivery = ? WHERE id = ?",
                (wanted.isoformat(), order["id"]),
            )
        log.info("delivery date changed")
    return {**fields, "situation": "done"}
