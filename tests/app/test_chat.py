"""``wenda chat`` as a user scripts it: piped stdin, ``--json``, one JSON line per turn, with
the real NLU model, knowledge base and order database of the bundled shop (no generator).

Each conversation runs once per module (a process start loads the models) and the tests read
its turns. The clock is fixed to the day the shop's orders.sql was written for. The NLU
models are trained once and cached (tests/app/chat_models.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests import REPO
from tests.app.chat_models import SHOP, shop_nlu_model

pytestmark = pytest.mark.slow
NOW = "2026-03-16T10:00"
KEYS = {"user_text", "reply", "intent", "confidence", "out_of_scope", "slots", "action",
        "emotion", "sources", "latency_ms"}  # fmt: skip
WENDA = [sys.executable, "-m", "app"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One data folder for the module, so a second process sees the first one's memory."""
    return {
        **os.environ,
        "WENDA_DATA_DIR": str(tmp_path_factory.mktemp("chat-data")),
        "WENDA_CONFIG_DIR": str(tmp_path_factory.mktemp("chat-config")),
        "PYTHONUNBUFFERED": "1",
    }


def chat(
    env: dict[str, str], lines: list[str], language: str = "en", *extra: str
) -> list[dict[str, Any]]:
    args = [*WENDA, "chat", "--json", "--no-generator", "--now", NOW, "--lang", language,
            "--nlu-model", str(shop_nlu_model(language)), *extra]  # fmt: skip
    result = subprocess.run(args, input="\n".join(lines) + "\n", env=env, capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["line"] for p in printed] == list(range(1, len(lines) + 1))  # one per input line
    turns = [p for p in printed if "command" not in p]
    for turn in turns:
        assert KEYS <= turn.keys() and isinstance(turn["out_of_scope"], bool)
    return turns


def responses(language: str) -> dict[str, Any]:
    return tomllib.loads((SHOP / language / "responses.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def form_talk(env: dict[str, str]) -> list[dict[str, Any]]:
    return chat(env, [
        "I want to change the delivery date of my order",
        "10482",
        "how much does shipping to France cost?",
        "Friday",
        "actually make it Thursday",
        "yes",
    ])  # fmt: skip


def test_form_completed_over_several_turns(form_talk) -> None:
    ask_order, ask_date, _, confirm, _, done = form_talk
    assert ask_order["intent"] == "change_delivery_date" and ask_order["slots"] == {}
    assert ask_date["slots"] == {"order_id": "10482"}
    assert confirm["decision"] == "confirm" and "Friday 20 March" in confirm["reply"]
    assert done["action"] == "change_delivery_date"
    assert done["slots"] == {"order_id": "10482", "date": "2026-03-19"}


def test_slot_corrected(form_talk) -> None:
    corrected = form_talk[4]
    assert corrected["decision"] == "confirm" and corrected["slots"]["date"] == "2026-03-19"
    assert "Thursday 19 March" in corrected["reply"] and "Friday" not in corrected["reply"]


def test_digression_to_faq_and_back(form_talk) -> None:
    digression, back = form_talk[2], form_talk[3]
    assert digression["decision"] == "answer" and digression["sources"]
    assert "9.90" in digression["reply"]  # the EU shipping cost, from the FAQ
    questions = responses("en")["change_delivery_date"]["ask_date"]
    assert digression["reply"].endswith(tuple(questions))  # the open question, asked again
    assert back["slots"] == {"order_id": "10482", "date": "2026-03-20"}


@pytest.fixture(scope="module")
def trouble_talk(env: dict[str, str]) -> list[dict[str, Any]]:
    return chat(env, [
        "what's the weather like on mars",
        "no",
        "/reset",
        "where is my order? this is ridiculous",
        "I already told you, this is the third time!!",
        "yes",
    ])  # fmt: skip


def test_out_of_scope_is_handled(trouble_talk) -> None:
    first, second = trouble_talk[0], trouble_talk[1]
    assert first["out_of_scope"] is True and first["action"] == "" and first["slots"] == {}
    assert first["decision"] in ("clarify", "offer_human")  # never a made-up answer
    if first["decision"] == "clarify":  # one question, then the ladder goes on
        assert second["decision"] in ("answer", "offer_human")


def test_handoff_after_repeated_frustration(trouble_talk) -> None:
    angry, frustrated, accepted = trouble_talk[2], trouble_talk[3], trouble_talk[4]
    assert angry["emotion"] in ("angry", "frustrated")
    assert frustrated["emotion"] in ("angry", "frustrated")
    apologies = responses("en")["_global"]["apology_prefix"]
    assert angry["reply"].startswith(tuple(apologies))
    offers = responses("en")["_global"]["offer_human"]
    assert any(offer in frustrated["reply"] for offer in offers)
    assert accepted["action"] == "handoff"


def test_handoff_outside_opening_hours_offers_email_and_callback(env: dict[str, str]) -> None:
    monday_night = "2026-03-16T21:30+01:00"  # the shop's team works 8:00 to 20:00 German time
    (asked,) = chat(env, ["can I talk to a real person please"], "en", "--now", monday_night)
    assert asked["intent"] == "talk_to_human" and asked["action"] == "handoff_closed"
    assert "tomorrow at 8:00" in asked["reply"] and "service@lumenloom.example" in asked["reply"]
    assert "call" in asked["reply"]  # a call back is offered instead of a transfer
    (open_now,) = chat(env, ["can I talk to a real person please"], "en")
    assert open_now["action"] == "handoff" and "tomorrow" not in open_now["reply"]


def test_name_remembered_in_a_new_process(env: dict[str, str]) -> None:
    (told,) = chat(env, ["hi, my name is Anna"], "en", "--user", "anna")
    assert "Anna" in told["reply"]
    (asked,) = chat(env, ["what's my name?"], "en", "--user", "anna")
    assert "Anna" in asked["reply"]
    (stranger,) = chat(env, ["what's my name?"], "en", "--user", "ben")
    assert "Anna" not in stranger["reply"]


def test_whole_conversation_in_chinese(env: dict[str, str]) -> None:
    greet, ask, status, faq, thanks = chat(env, [
        "你好",
        "我想查一下我的订单",
        "10482",
        "运费多少钱？",
        "谢谢",
    ], "zh")  # fmt: skip
    for turn in (greet, ask, status, faq, thanks):
        assert any("\u4e00" <= c <= "\u9fff" for c in turn["reply"])
    assert ask["intent"] == "check_order_status" and ask["decision"] == "ask"
    assert status["action"] == "order_status" and "10482" in status["reply"]
    assert faq["decision"] == "answer" and faq["sources"]
    assert thanks["emotion"] == "satisfied"


def test_bad_domain_is_one_clear_message(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "shop"
    shutil.copytree(REPO / "assets" / "domains" / "shop", broken)
    forms = broken / "forms.toml"
    forms.write_text(forms.read_text().replace('action = "refund_status"', 'action = "nope"'))
    result = subprocess.run([*WENDA, "chat", "--domain", str(broken)], input="hi\n", env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "forms.toml:" in result.stderr and "[refund_status.action]" in result.stderr


def test_plain_piped_mode_prints_one_reply_per_line(env: dict[str, str]) -> None:
    args = [*WENDA, "chat", "--no-generator", "--now", NOW, "--lang", "en",
            "--nlu-model", str(shop_nlu_model("en"))]  # fmt: skip
    result = subprocess.run(args, input="hello\n\n/quit\nnever read\n", env=env,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == ""  # the blank line gets an empty one
    assert "you>" not in result.stdout and "\033[" not in result.stdout


def test_a_fact_the_shop_does_not_state_is_not_read_from_the_nearest_passage(env) -> None:
    """The catalogue knows the throw but not its weight: "I don't know", a colleague offered;
    the scarf's length it does state, and that is answered."""
    weight, length = chat(
        env, ["What does the merino throw weigh?", "What length is the merino scarf?"]
    )
    assert weight["decision"] == "offer_human" and not weight["sources"]
    assert any(line in weight["reply"] for line in responses("en")["_global"]["dont_know"])
    assert length["decision"] == "answer" and "180" in length["reply"]
    (zh_weight,) = chat(env, ["美利奴羊毛盖毯重多少？"], "zh")
    assert any(line in zh_weight["reply"] for line in responses("zh")["_global"]["dont_know"])
