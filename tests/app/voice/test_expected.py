"""The dialogue's open question becomes the words the recogniser expects: a real dialogue
manager on the shop domain (scripted NLU), a form asking for a product, then a date, then a
confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from app.voice.expected import open_question
from dialogue.actions.orders_db import memory_orders_db
from dialogue.domain import load_domain
from dialogue.manager import DialogueManager
from speech.expectation import YES_NO
from tests import REPO
from tests.fakes.dialogue import ScriptedNlu

SHOP = REPO / "assets" / "domains" / "shop"
SCRIPT = {
    "I want to exchange a shirt from order 10391": (
        "exchange_item",
        0.95,
        (("order_id", "10391"),),
    ),
    "I want to change the delivery date": ("change_delivery_date", 0.95, ()),
    "10482": ("inform", 0.9, (("order_id", "10482"),)),
    "Friday": ("inform", 0.9, (("date", "Friday"),)),
    "hello": ("greet", 0.97, ()),
}


@pytest.fixture
def manager() -> DialogueManager:
    shop = load_domain(SHOP)
    orders = memory_orders_db(SHOP / "orders.sql")
    now = dt.datetime(2026, 3, 16, 10, 0)
    return DialogueManager(
        shop, "en", ScriptedNlu(SCRIPT), None, None, orders, None, "local", lambda: now
    )


def test_nothing_is_expected_before_a_question(manager: DialogueManager) -> None:
    manager.turn("hello")
    assert open_question(manager) is None


def test_a_choice_slot_expects_its_values_as_the_language_pack_says_them(
    manager: DialogueManager,
) -> None:
    manager.turn("I want to exchange a shirt from order 10391")
    expected = open_question(manager)
    assert manager.state.form is not None and manager.state.form.requested == "product"
    assert expected is not None and expected.kind == "choice"
    assert "women's linen shirt" in expected.words and "linen duvet cover" in expected.words
    assert "LL-2001" not in expected.words  # the codes' spoken names, not the keys


def test_a_confirmation_expects_yes_or_no(manager: DialogueManager) -> None:
    for text in ("I want to change the delivery date", "10482", "Friday"):
        manager.turn(text)
    expected = open_question(manager)
    assert manager.state.form is not None and manager.state.form.awaiting_confirm
    assert expected is not None and expected.kind == "yes_no"
    assert expected.words == YES_NO["en"]
