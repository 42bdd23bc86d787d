"""Questions that ask for a quantity, and passages that state one (``dialogue.asked_fact``)."""

from __future__ import annotations

import pytest

from dialogue.asked_fact import asked_kinds, fact_missing, states_kind
from dialogue.kb.types import Hit

THROW = (
    "LL-1215 Merino wool throw. Colours: grey, beige, blue, red. Sizes: 130x170. "
    "Price: 149.00 euros. Mulesing-free merino wool, 130 by 170 centimetres."
)


@pytest.mark.parametrize(
    ("question", "language", "kinds"),
    [
        ("How heavy is the merino throw?", "en", {"weight"}),
        ("What does the throw weigh?", "en", {"weight"}),
        ("How many grams per square metre is the towel?", "en", {"weight"}),
        ("How long is the wool scarf?", "en", {"size", "duration"}),
        ("How big is the linen tablecloth?", "en", {"size"}),
        ("How long does delivery to Italy take?", "en", {"size", "duration"}),
        ("How many days do I have to return it?", "en", {"duration"}),
        ("What thread count does the sheet have?", "en", {"threads"}),
        ("How many people work for you?", "en", {"people"}),
        ("What does express shipping cost?", "en", set()),  # prices are not checked
        ("Is there a discount for students?", "en", set()),
        ("美利奴盖毯有多重？", "zh", {"weight"}),
        ("这条毯子重多少？", "zh", {"weight"}),
        ("那条羊毛围巾有多长？", "zh", {"size"}),
        ("亚麻桌布有多大？", "zh", {"size"}),
        ("开发票后付款最多支持多大金额的订单？", "zh", set()),  # an amount, not a size
        ("退货要多久才能退款？", "zh", {"duration"}),
        ("府绸床笠的支数是多少？", "zh", {"threads"}),
        ("你们公司有多少员工？", "zh", {"people"}),
    ],
)
def test_what_a_question_asks_for(question: str, language: str, kinds: set[str]) -> None:
    assert asked_kinds(question, language) == kinds


@pytest.mark.parametrize(
    ("text", "language", "kind", "states"),
    [
        (THROW, "en", "size", True),
        (THROW, "en", "weight", False),
        ("The towel weighs 500 g/m2.", "en", "weight", True),
        ("A 1.2 kg duvet.", "en", "weight", True),
        ("Delivery takes 4 to 7 working days.", "en", "duration", True),
        ("All products carry a two-year guarantee.", "en", "duration", True),
        ("Percale, 200 thread count.", "en", "threads", True),
        ("We are a team of 12 people in Leipzig.", "en", "people", True),
        ("Founded in 2019 in Leipzig.", "en", "people", False),
        ("Seats 6 to 8 people.", "en", "people", True),
        ("无割皮美利奴羊毛，30乘180厘米。", "zh", "size", True),
        ("尺码：130x170。价格：149.00欧元。", "zh", "weight", False),
        ("浴巾每平方米500克。", "zh", "weight", True),
        ("退款会在5个工作日内到账。", "zh", "duration", True),
        ("所有商品保修两年。", "zh", "duration", True),
    ],
)
def test_what_a_passage_states(text: str, language: str, kind: str, states: bool) -> None:
    assert states_kind(text, frozenset({kind}), language) is states


def hit(text: str, confidence: float) -> Hit:
    return Hit("doc", "catalogue", text, "product-catalogue.md#throws", 1.0, confidence, text)


def test_a_known_topic_without_the_asked_quantity_is_a_missing_fact() -> None:
    assert fact_missing("How heavy is the merino throw?", [hit(THROW, 0.9)], "en", 0.5)
    assert not fact_missing("How big is the merino throw?", [hit(THROW, 0.9)], "en", 0.5)
    # A second confident passage that states it is enough (a composed answer may use it).
    weighs = hit("The throw weighs 1.1 kg.", 0.7)
    assert not fact_missing("How heavy is the merino throw?", [hit(THROW, 0.9), weighs], "en", 0.5)
    # Not confident about the topic: retrieval's threshold decides, not this check.
    assert not fact_missing("How heavy is the merino throw?", [hit(THROW, 0.3)], "en", 0.5)
    assert not fact_missing("What does the throw cost?", [hit(THROW, 0.9)], "en", 0.5)
