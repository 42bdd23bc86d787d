"""Shop actions (the shop folder's own ``actions`` package) on a fresh in-memory copy of the
shop's orders.sql: each situation of the contract in forms.toml, facts from the data, dry
runs change nothing, changes persist."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from dialogue.actions import ActionContext, registered_actions, run_action
from dialogue.actions.orders_db import memory_orders_db, open_orders_db
from dialogue.domain import Domain, load_domain

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def db(shop_dir: Path) -> sqlite3.Connection:
    return memory_orders_db(shop_dir / "orders.sql")


def ctx(
    db: sqlite3.Connection, shop: Domain, dry_run: bool = False, language: str = "en"
) -> ActionContext:
    return ActionContext(db, TODAY, language, shop.pack(language).lexicon, dry_run)


def run(shop: Domain, name: str, slots: dict[str, str], context: ActionContext) -> dict:
    """An action of the shop domain (its own table, filled when the domain loaded)."""
    return run_action(name, slots, context, shop.actions)


def test_every_form_action_is_registered(shop: Domain) -> None:
    assert all(f.action in shop.actions for f in shop.forms.values() if not f.template_key)
    assert not set(shop.actions) & set(registered_actions())  # the shop's own, not global


@pytest.mark.parametrize(
    ("name", "slots", "situation"),
    [
        ("order_status", {"order_id": "10482"}, "processing"),
        ("order_status", {"order_id": "10455"}, "dispatched"),
        ("order_status", {"order_id": "10391"}, "delivered"),
        ("order_status", {"order_id": "12345"}, "not_found"),
        ("cancel_order", {"order_id": "10482"}, "done"),
        ("cancel_order", {"order_id": "10455"}, "too_late"),
        ("cancel_order", {"order_id": "10447"}, "already_cancelled"),
        ("start_return", {"order_id": "10391", "product": "LL-2001"}, "done"),
        ("start_return", {"order_id": "10391", "product": "LL-1042"}, "not_in_order"),
        ("start_return", {"order_id": "10310", "product": "LL-2001"}, "window_closed"),
        ("start_return", {"order_id": "10482", "product": "LL-1042"}, "still_processing"),
        ("start_return", {"order_id": "10455", "product": "LL-2002"}, "not_delivered_yet"),
        ("refund_status", {"order_id": "10350"}, "checking"),
        ("refund_status", {"order_id": "10447"}, "completed"),
        ("refund_status", {"order_id": "10366"}, "return_in_transit"),
        ("refund_status", {"order_id": "10462"}, "invoice_cancelled"),
        ("refund_status", {"order_id": "10482"}, "no_refund"),
        ("change_address", {"order_id": "10517", "address": "Hauptstr. 1, 04109 Leipzig"}, "done"),
        (
            "change_address",
            {"order_id": "10455", "address": "Hauptstr. 1, 04109 Leipzig"},
            "too_late",
        ),
        (
            "change_address",
            {"order_id": "10517", "address": "1 Rue de Rivoli, Paris, France"},
            "different_country",
        ),
        ("change_delivery_date", {"order_id": "10482", "date": "2026-03-20"}, "done"),
        ("change_delivery_date", {"order_id": "10482", "date": "2026-03-17"}, "too_early"),
        ("change_delivery_date", {"order_id": "10482", "date": "2026-03-22"}, "sunday"),
        ("change_delivery_date", {"order_id": "10482", "date": "2026-05-20"}, "too_far"),
        (
            "exchange_item",
            {"order_id": "10391", "product": "LL-2001", "color": "white", "size": "s"},
            "done",
        ),
        (
            "exchange_item",
            {"order_id": "10391", "product": "LL-2001", "color": "red", "size": "s"},
            "color_not_offered",
        ),
        (
            "exchange_item",
            {"order_id": "10391", "product": "LL-2001", "color": "blue", "size": "m"},
            "same_variant",
        ),
        ("check_stock", {"product": "LL-1042", "color": "blue", "size": "200x220"}, "out_of_stock"),
        ("check_stock", {"product": "LL-1042"}, "overview"),
        ("check_stock", {"product": "LL-1042", "color": "pink"}, "color_not_offered"),
    ],
)
def test_situations(
    db: sqlite3.Connection, shop: Domain, name: str, slots: dict[str, str], situation: str
) -> None:
    assert run(shop, name, slots, ctx(db, shop))["situation"] == situation


def test_facts_come_from_the_database(db: sqlite3.Connection, shop: Domain) -> None:
    fields = run(shop, "order_status", {"order_id": "10482"}, ctx(db, shop))
    assert fields["total"] == "197.00" and fields["expected_date"] == "2026-03-18"
    assert "duvet cover" in fields["items"]
    zh = run(shop, "order_status", {"order_id": "10482"}, ctx(db, shop, language="zh"))
    assert "被套" in zh["items"]


def test_dry_run_changes_nothing(db: sqlite3.Connection, shop: Domain) -> None:
    assert (
        run(shop, "cancel_order", {"order_id": "10482"}, ctx(db, shop, dry_run=True))["situation"]
        == "done"
    )
    assert (
        run(shop, "order_status", {"order_id": "10482"}, ctx(db, shop))["situation"] == "processing"
    )
    assert run(shop, "cancel_order", {"order_id": "10482"}, ctx(db, shop))["situation"] == "done"
    assert (
        run(shop, "order_status", {"order_id": "10482"}, ctx(db, shop))["situation"] == "cancelled"
    )
    assert run(shop, "refund_status", {"order_id": "10482"}, ctx(db, shop))["situation"] == "issued"


def test_changes_persist_in_the_user_database(tmp_path: Path, shop_dir: Path, shop: Domain) -> None:
    path = tmp_path / "orders.sqlite"
    first = open_orders_db(shop_dir / "orders.sql", path)
    run(shop, "cancel_order", {"order_id": "10482"}, ctx(first, shop))
    first.close()
    again = open_orders_db(shop_dir / "orders.sql", path)
    assert (
        run(shop, "order_status", {"order_id": "10482"}, ctx(again, shop))["situation"]
        == "cancelled"
    )


def test_each_domain_folder_has_its_own_actions(
    tmp_path: Path, shop_dir: Path, shop: Domain, db: sqlite3.Connection
) -> None:
    copy = tmp_path / "shop"
    shutil.copytree(shop_dir, copy)
    module = copy / "actions" / "orders.py"
    status = 'return {**fields, "situation": order["status"]}'

    def situation(domain: Domain) -> str:
        return run(domain, "order_status", {"order_id": "10482"}, ctx(db, domain))["situation"]

    module.write_text(module.read_text().replace(status, status.replace('order["status"]', '"a"')))
    own = load_domain(copy)
    assert situation(own) == "a" and situation(shop) == "processing"
    assert load_domain(copy).actions["order_status"] is own.actions["order_status"]  # kept
    module.write_text(module.read_text().replace('"situation": "a"', '"situation": "bb"'))
    assert situation(load_domain(copy)) == "bb"  # an edited module is imported afresh


def test_a_single_file_module_adds_actions(
    tmp_path: Path, shop_dir: Path, db: sqlite3.Connection
) -> None:
    copy = tmp_path / "shop"
    shutil.copytree(shop_dir, copy)
    (copy / "extra.py").write_text(
        "from dialogue.actions import action\n\n\n"
        '@action("order_status_spoken")\n'
        "def spoken(slots, ctx):\n"
        '    return {"situation": "processing", "order_id": slots["order_id"]}\n',
        encoding="utf-8",
    )
    for rel, old, new in (
        ("domain.toml", 'actions = ["actions"]', 'actions = ["actions", "extra.py"]'),
        ("forms.toml", 'action = "order_status"', 'action = "order_status_spoken"'),
    ):
        text = (copy / rel).read_text(encoding="utf-8")
        (copy / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
    own = load_domain(copy)
    assert own.forms["check_order_status"].action == "order_status_spoken"
    fields = run(own, "order_status_spoken", {"order_id": "1"}, ctx(db, own))
    assert fields == {"situation": "processing", "order_id": "1"}
