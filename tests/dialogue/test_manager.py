"""The dialogue manager on the shop domain with a scripted NLU: forms over several turns,
corrections, negation, digression and return, reset, the not-understood ladder, frustration,
memory of the name across sessions, streaming. Facts come from the order database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from dialogue.actions.orders_db import memory_orders_db
from dialogue.domain import Domain
from dialogue.kb.index import build_kb
from dialogue.manager import DialogueManager, ReplyChunk, TurnResult
from dialogue.memory import Memory
from tests.fakes.dialogue import BagOfWordsEncoder, ScriptedNlu

NOW = dt.datetime(2026, 3, 16, 10, 0)
SCRIPT = {
    "I want to change the delivery date": ("change_delivery_date", 0.95, ()),
    "it's 10482": ("inform", 0.9, (("order_id", "10482"),)),
    "10482": ("inform", 0.9, (("order_id", "10482"),)),
    "Friday": ("inform", 0.9, (("date", "Friday"),)),
    "actually make it Thursday": ("inform", 0.9, (("date", "Thursday"),)),
    "yes": ("affirm", 0.97, ()),
    "no": ("deny", 0.97, ()),
    "I want to exchange a shirt from order 10391": (
        "exchange_item",
        0.95,
        (("order_id", "10391"),),
    ),
    "the women's linen shirt": ("inform", 0.9, (("product", "women's linen shirt"),)),
    "red": ("inform", 0.9, (("color", "red"),)),
    "no, not the red one, the white one": ("inform", 0.9, (("color", "red"), ("color", "white"))),
    "size S": ("inform", 0.9, (("size", "S"),)),
    "I want to return something": ("return_item", 0.95, ()),
    "how much is shipping to France": ("shipping_info", 0.93, (("country", "France"),)),
    "start over": ("start_over", 0.95, ()),
    "blorp the frobnicator": ("oos", 0.1, ()),
    "tell me a joke about penguins": ("oos", 0.25, ()),
    "this is ridiculous, where is my order": ("check_order_status", 0.9, ()),
    "I already told you, this is the third time": ("oos", 0.25, ()),
    "my name is Anna": ("provide_name", 0.95, (("person_name", "Anna"),)),
    "what's my name": ("oos", 0.1, ()),
    "hello": ("greet", 0.97, ()),
}


@pytest.fixture
def orders(shop_dir: Path) -> sqlite3.Connection:
    return memory_orders_db(shop_dir / "orders.sql")


@pytest.fixture(scope="module")
def retriever(shop: Domain):
    pack = shop.pack("en")
    return build_kb(pack.faq, pack.documents, "en", BagOfWordsEncoder())


def make(shop, orders, retriever=None, memory=None, user="local") -> DialogueManager:
    return DialogueManager(
        shop, "en", ScriptedNlu(SCRIPT), retriever, None, orders, memory, user, lambda: NOW
    )


def talk(manager: DialogueManager, *texts: str) -> list[TurnResult]:
    return [manager.turn(t) for t in texts]


def test_form_over_several_turns_then_confirm_and_act(shop, orders) -> None:
    m = make(shop, orders)
    ask_order, ask_date, confirm, done = talk(
        m, "I want to change the delivery date", "it's 10482", "Friday", "yes"
    )
    assert ask_order.decision == "ask" and m.state.form is None
    assert ask_date.slots["order_id"] == "10482" and ask_date.decision == "ask"
    assert confirm.decision == "confirm" and "Friday 20 March" in confirm.reply
    assert done.action == "change_delivery_date" and done.intent == "change_delivery_date"
    row = orders.execute("SELECT expected_delivery FROM orders WHERE id = 10482").fetchone()
    assert row[0] == "2026-03-20"


def test_correction_replaces_the_slot_and_confirms_again(shop, orders) -> None:
    m = make(shop, orders)
    *_, confirm, corrected = talk(
        m, "I want to change the delivery date", "10482", "Friday", "actually make it Thursday"
    )
    assert corrected.decision == "confirm" and corrected.slots["date"] == "2026-03-19"
    assert "Thursday 19 March" in corrected.reply and "Friday" not in corrected.reply
    assert m.state.form is not None and m.state.form.slots["date"].turn == 4


def test_no_at_confirmation_cancels(shop, orders) -> None:
    m = make(shop, orders)
    *_, cancelled = talk(m, "I want to change the delivery date", "10482", "Friday", "no")
    assert cancelled.decision == "cancelled" and m.state.form is None
    row = orders.execute("SELECT expected_delivery FROM orders WHERE id = 10482").fetchone()
    assert row[0] == "2026-03-18"  # unchanged


def test_negation_rejects_a_value(shop, orders) -> None:
    m = make(shop, orders)
    results = talk(
        m,
        "I want to exchange a shirt from order 10391",
        "the women's linen shirt",
        "red",
        "no, not the red one, the white one",
        "size S",
    )
    assert results[3].slots["color"] == "white"
    assert "red" in m.state.rejected.get("color", []) or results[-1].action == "exchange_item"
    assert results[-1].action == "exchange_item"


def test_digression_to_faq_and_back(shop, orders, retriever) -> None:
    m = make(shop, orders, retriever)
    asked, digression, back = talk(
        m, "I want to return something", "how much is shipping to France", "10482"
    )
    assert asked.decision == "ask"
    assert digression.decision == "answer" and digression.sources
    questions = shop.pack("en").responses["return_item"]["ask_order_id"]
    assert asked.reply in questions
    assert digression.reply.endswith(questions)  # the open form's question is asked again
    assert back.intent == "return_item" and back.slots["order_id"] == "10482"


def test_start_over_clears_the_form(shop, orders) -> None:
    m = make(shop, orders)
    talk(m, "I want to change the delivery date", "10482")
    reset = m.turn("start over")
    assert reset.decision == "reset" and m.state.form is None and not m.state.known


def test_not_understood_ladder_clarify_then_human(shop, orders) -> None:
    m = make(shop, orders)  # no knowledge base, no generator
    clarify, after_no, handoff = talk(m, "tell me a joke about penguins", "no", "yes")
    assert clarify.out_of_scope and clarify.decision == "clarify"
    assert "check where an order is" in clarify.reply  # the guessed intent's description
    assert after_no.decision == "offer_human"  # nothing else can answer: a person
    assert handoff.action == "handoff"


def test_unintelligible_without_a_guess_skips_the_question(shop, orders) -> None:
    result = make(shop, orders).turn("blorp the frobnicator")
    assert result.out_of_scope and result.decision == "offer_human"


def test_frustration_gets_an_apology_then_a_human(shop, orders) -> None:
    m = make(shop, orders)
    first, second, accepted = talk(
        m,
        "this is ridiculous, where is my order",
        "I already told you, this is the third time",
        "yes",
    )
    assert first.emotion == "angry" and first.decision == "ask"
    apology = shop.pack("en").responses["_global"]["apology_prefix"]
    assert any(first.reply.startswith(a) for a in apology)
    offer = shop.pack("en").responses["_global"]["offer_human"]
    assert second.emotion == "frustrated" and any(o in second.reply for o in offer)
    assert accepted.action == "handoff"


def test_name_is_remembered_in_a_new_session(shop, orders, tmp_path) -> None:
    memory = Memory(tmp_path / "memory.sqlite")
    told = make(shop, orders, memory=memory, user="anna").turn("my name is Anna")
    assert "Anna" in told.reply
    later = make(shop, orders, memory=memory, user="anna")
    assert "Anna" in later.turn("what's my name").reply
    assert "Anna" in later.turn("hello").reply
    stranger = make(shop, orders, memory=memory, user="bob").turn("what's my name")
    assert "Anna" not in stranger.reply


def test_stream_yields_pieces_then_the_result(shop, orders, retriever) -> None:
    m = make(shop, orders, retriever)
    m.turn("I want to return something")
    items = list(m.stream("how much is shipping to France"))
    assert isinstance(items[-1], TurnResult)
    pieces = [i.text for i in items if isinstance(i, ReplyChunk)]
    assert len(pieces) >= 2 and "".join(pieces) == items[-1].reply  # spaced: just concatenate


SCRIPT_ZH = {
    "我想改送货日期": ("change_delivery_date", 0.95, ()),
    "10482": ("inform", 0.9, (("order_id", "10482"),)),
    "周五": ("inform", 0.9, (("date", "周五"),)),
    "改成周四": ("inform", 0.9, (("date", "周四"),)),
    "好的": ("affirm", 0.95, ()),
}


def test_chinese_form_with_a_correction(shop, orders) -> None:
    m = DialogueManager(
        shop, "zh", ScriptedNlu(SCRIPT_ZH), None, None, orders, None, "local", lambda: NOW
    )
    _, _, confirm, corrected, done = talk(m, "我想改送货日期", "10482", "周五", "改成周四", "好的")
    assert "3月20日" in confirm.reply
    assert corrected.slots["date"] == "2026-03-19" and "3月19日" in corrected.reply
    assert done.action == "change_delivery_date"
    assert all(any("\u4e00" <= c <= "\u9fff" for c in t.reply) for t in (confirm, corrected, done))


class EchoGenerator:
    """Streams a fixed reply word by word and records what it was given."""

    def __init__(self, fail: bool = False) -> None:
        self.requests: list = []
        self.fail = fail

    def stream(self, request, stop=None):
        self.requests.append(request)
        if self.fail:
            raise RuntimeError("model crashed")
        yield from ("I ", "am ", "not ", "sure.")


def test_generator_after_the_clarifying_question(shop, orders) -> None:
    generator = EchoGenerator()
    m = DialogueManager(
        shop, "en", ScriptedNlu(SCRIPT), None, generator, orders, None, "x", lambda: NOW
    )
    clarify = m.turn("tell me a joke about penguins")
    items = list(m.stream("no"))
    result = items[-1]
    assert clarify.decision == "clarify" and result.decision == "generate"
    assert [i.text for i in items[:-1]] == ["I ", "am ", "not ", "sure."]
    assert result.reply == "I am not sure."
    request = generator.requests[0]
    assert request.user_text == "tell me a joke about penguins"  # the question, not the "no"
    assert [h.role for h in request.history] == ["user", "assistant"]


def test_a_failing_generator_falls_back_to_a_person(shop, orders) -> None:
    m = DialogueManager(
        shop, "en", ScriptedNlu(SCRIPT), None, EchoGenerator(fail=True), orders, None, "x",
        lambda: NOW,
    )  # fmt: skip
    m.turn("tell me a joke about penguins")
    result = m.turn("no")
    offers = shop.pack("en").responses["_global"]["offer_human"]
    assert result.reply in offers and m.turn("yes").action == "handoff"


def test_heard_keeps_only_the_heard_part_in_history_and_memory(shop, orders, tmp_path) -> None:
    memory = Memory(tmp_path / "memory.sqlite")
    m = make(shop, orders, memory=memory, user="anna")
    m.turn("hello")
    said = m.turn("I want to return something").reply
    heard = said.split()[0]
    m.heard(heard)
    assert [t.text for t in m.state.history][-2:] == ["I want to return something", heard]
    stored = memory.history_of("anna")
    assert [t["reply"] for t in stored] == [m.state.history[1].text, heard]
    m.turn("10482")  # the conversation goes on from what was heard
    assert memory.history_of("anna")[1]["reply"] == heard


HUMAN = {"a person please": ("talk_to_human", 0.95, ()), "yes": ("affirm", 0.97, ())}
HUMAN_ZH = {"转人工": ("talk_to_human", 0.95, ())}


@pytest.mark.parametrize(
    ("language", "text", "now", "action", "said"),
    [
        ("en", "a person please", "2026-03-16T10:00+01:00", "handoff", ""),
        ("en", "a person please", "2026-03-16T21:00+01:00", "handoff_closed", "tomorrow at 8:00"),
        ("en", "a person please", "2026-03-14T15:00+01:00", "handoff_closed", "on Monday at 8:00"),
        ("zh", "转人工", "2026-03-15T12:00+01:00", "handoff_closed", "明天8:00"),
    ],
)  # fmt: skip
def test_handoff_outside_opening_hours_says_when_the_team_is_back(
    shop, orders, language, text, now, action, said
) -> None:
    script = HUMAN if language == "en" else HUMAN_ZH
    clock = dt.datetime.fromisoformat(now)
    m = DialogueManager(
        shop, language, ScriptedNlu(script), None, None, orders, None, "x", lambda: clock
    )
    result = m.turn(text)
    assert result.action == action
    assert said in result.reply
    assert ("service@lumenloom.example" in result.reply) is (action == "handoff_closed")


def test_frustration_outside_opening_hours_offers_a_callback_not_a_transfer(shop, orders) -> None:
    late = dt.datetime(2026, 3, 16, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    m = DialogueManager(
        shop, "en", ScriptedNlu(SCRIPT), None, None, orders, None, "x", lambda: late
    )
    _, offered, accepted = talk(
        m,
        "this is ridiculous, where is my order",
        "I already told you, this is the third time",
        "yes",
    )
    offers = shop.pack("en").responses["_global"]["offer_human"]
    assert not any(o in offered.reply for o in offers) and "tomorrow at 8:00" in offered.reply
    assert accepted.action == "handoff_closed" and "tomorrow at 8:00" in accepted.reply
