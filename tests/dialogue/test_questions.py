"""General questions (answered from the knowledge base) vs the customer's own task."""

from __future__ import annotations

import pytest

from dialogue.questions import general_question


@pytest.mark.parametrize(
    ("text", "language", "general"),
    [
        ("By what time do I have to order so that it leaves today?", "en", True),
        ("How soon is the money back after a PayPal refund", "en", True),
        ("Can I change the delivery date?", "en", True),
        ("Where is my order?", "en", False),
        ("When does my parcel arrive?", "en", False),
        ("I want to return something", "en", False),  # not a question: a task
        ("change the delivery date", "en", False),
        ("几点前下单当天发货？", "zh", True),
        ("退款多久到账", "zh", True),
        ("我的订单到哪了？", "zh", False),
        ("我想退货", "zh", False),
    ],
)
def test_general_question(text: str, language: str, general: bool) -> None:
    assert general_question(text, language) is general
