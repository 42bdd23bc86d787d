"""Knowledge answers through the dialogue manager with ``compose``: the model's words when they
hold up, the stored answer when they do not, sources kept, templates untouched."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from dialogue.actions.orders_db import memory_orders_db
from dialogue.domain import Domain
from dialogue.generation import GenerationRequest
from dialogue.kb.index import build_kb
from dialogue.manager import DialogueManager
from tests.fakes.dialogue import BagOfWordsEncoder, ScriptedNlu

NOW = dt.datetime(2026, 3, 16, 10, 0)
QUESTION = "how much is shipping to France"
SCRIPT = {QUESTION: ("shipping_info", 0.93, (("country", "France"),)), "hello": ("greet", 0.97, ())}


class Writer:
    """A chat model that says ``reply`` and remembers the request it was given."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[GenerationRequest] = []

    def stream(
        self, request: GenerationRequest, stop: threading.Event | None = None
    ) -> Iterator[str]:
        self.requests.append(request)
        yield from self.reply.split(" ")[:1]
        for word in self.reply.split(" ")[1:]:
            yield " " + word


@pytest.fixture(scope="module")
def retriever(shop: Domain):
    pack = shop.pack("en")
    return build_kb(pack.faq, pack.documents, "en", BagOfWordsEncoder())


def manager(shop: Domain, shop_dir, retriever, writer: Writer, compose: str) -> DialogueManager:
    orders = memory_orders_db(shop_dir / "orders.sql")
    return DialogueManager(
        shop,
        "en",
        ScriptedNlu(SCRIPT),
        retriever,
        writer,  # type: ignore[arg-type]
        orders,
        clock=lambda: NOW,
        compose=compose,
    )


def stored_answer(shop: Domain, shop_dir, retriever) -> str:
    result = manager(shop, shop_dir, retriever, Writer("unused"), "never").turn(QUESTION)
    assert result.decision == "answer" and "compose" not in result.extra
    return result.reply


def test_a_grounded_composed_answer_is_said_with_its_sources(shop, shop_dir, retriever) -> None:
    stored = stored_answer(shop, shop_dir, retriever)
    writer = Writer("Standard delivery to France costs 9.90 euros.")
    result = manager(shop, shop_dir, retriever, writer, "always").turn(QUESTION)
    assert result.decision == "answer" and result.reply == writer.reply != stored
    assert result.extra["compose"]["sentences"] == 1 and result.sources
    (request,) = writer.requests
    assert 1 <= len(request.passages) <= 3 and request.user_text == QUESTION
    assert any("9.90" in p.text for p in request.passages)


def test_an_invented_price_gives_the_stored_answer(shop, shop_dir, retriever) -> None:
    stored = stored_answer(shop, shop_dir, retriever)
    writer = Writer("Standard delivery to France costs 7.50 euros.")
    result = manager(shop, shop_dir, retriever, writer, "always").turn(QUESTION)
    assert result.reply and result.reply in stored  # the stored answer (without its intro)
    assert "7.50" not in result.reply and result.extra["compose"]["replaced"]


def test_documents_mode_reads_faq_answers_as_written(shop, shop_dir, retriever) -> None:
    stored = stored_answer(shop, shop_dir, retriever)
    writer = Writer("Standard delivery to France costs 9.90 euros.")
    result = manager(shop, shop_dir, retriever, writer, "documents").turn(QUESTION)
    faq_hit = retriever.search(QUESTION)[0].kind == "faq"
    assert (result.reply == stored) == faq_hit and (not writer.requests) == faq_hit
    assert faq_hit  # on this question: the FAQ answer is read as written


def test_templates_are_never_composed(shop, shop_dir, retriever) -> None:
    writer = Writer("Hi there, I am a chat model.")
    result = manager(shop, shop_dir, retriever, writer, "always").turn("hello")
    assert result.decision == "say" and not writer.requests and "chat model" not in result.reply


def test_a_general_question_heard_as_a_task_is_answered(shop, shop_dir, retriever) -> None:
    script = {
        "how soon is the money back after a PayPal refund?": (
            "refund_status",
            0.9,
            (("payment_method", "PayPal"),),
        ),
        "where is my refund?": ("refund_status", 0.9, ()),
    }
    m = DialogueManager(
        shop, "en", ScriptedNlu(script), retriever, None, memory_orders_db(shop_dir / "orders.sql")
    )
    general = m.turn("how soon is the money back after a PayPal refund?")
    assert general.decision == "answer" and m.state.form is None
    own = m.turn("where is my refund?")
    assert own.decision == "ask" and m.state.form is not None
