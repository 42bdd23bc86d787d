"""The domain folder loader: the bundled shop loads; each kind of mistake is reported with
file, line and field, all at once (table of corruptions applied to a copy of the shop)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dialogue.domain import Domain, DomainError, load_domain


def test_shop_loads(shop: Domain) -> None:
    assert shop.name == "shop"
    assert set(shop.languages) == {"en", "zh"}
    for language in shop.languages:
        pack = shop.pack(language)
        assert len(pack.intents) >= 20
        assert len(pack.faq) >= 40
        assert pack.documents
        for intent, form in shop.forms.items():
            assert pack.intents[intent].kind == "task"
            for slot in form.slots:
                assert f"ask_{slot}" in pack.responses[intent]
    assert len(shop.slots) >= 8


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def _append(rel: str, line: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        with (root / rel).open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    return apply


def _line_count(root: Path, rel: str) -> int:
    return len((root / rel).read_text(encoding="utf-8").splitlines())


CASES = [
    # (name, corruption, file, field, words in the message)
    (
        "toml syntax",
        _edit("slots.toml", 'type = "pattern"', 'type = "pattern'),
        "slots.toml",
        "",
        "not valid TOML",
    ),
    (
        "unknown slot type",
        _edit("slots.toml", 'type = "number"', 'type = "integer"'),
        "slots.toml",
        "quantity.type",
        "type must be one of",
    ),
    (
        "bad regex",
        _edit("slots.toml", 'pattern = "\\\\d{5}"', 'pattern = "[0-9"'),
        "slots.toml",
        "order_id.pattern",
        "regular expression",
    ),
    (
        "form slot unknown",
        _edit("forms.toml", 'slots = ["order_id", "address"]', 'slots = ["order_id", "adress"]'),
        "forms.toml",
        "change_address.slots",
        "unknown slot 'adress'",
    ),
    (
        "unknown action",
        _edit("forms.toml", 'action = "refund_status"', 'action = "refund_state"'),
        "forms.toml",
        "refund_status.action",
        "unknown action",
    ),
    (
        "unknown key",
        _edit("forms.toml", "confirm = true", "confirm = true\nconfrim = true"),
        "forms.toml",
        "cancel_order.confrim",
        "unknown key",
    ),
    (
        "intent kind",
        _edit("en/intents.toml", 'kind = "chitchat"', 'kind = "chat"'),
        "en/intents.toml",
        "greet.kind",
        "kind must be one of",
    ),
    (
        "nlu intent",
        _append("en/nlu.jsonl", '{"text": "hello there", "intent": "greeting"}'),
        "en/nlu.jsonl",
        "intent",
        "'greeting' is not in intents.toml",
    ),
    (
        "nlu span",
        _append(
            "en/nlu.jsonl",
            '{"text": "order 123", "intent": "inform", "entities": [{"start": 6, "end": 12, '
            '"label": "order_id"}]}',
        ),
        "en/nlu.jsonl",
        "entities",
        "outside the text",
    ),
    (
        "nlu json",
        _append("zh/nlu.jsonl", '{"text": "你好", "intent": "greet"'),
        "zh/nlu.jsonl",
        "",
        "not valid JSON",
    ),
    (
        "faq answer",
        _append("en/faq.jsonl", '{"id": "x-new", "questions": ["what?"], "answer": ""}'),
        "en/faq.jsonl",
        "answer",
        "non-empty answer",
    ),
    (
        "missing question",
        _edit("en/responses.toml", "ask_address", "ask_adress"),
        "en/responses.toml",
        "change_address.ask_address",
        "is missing",
    ),
    (
        "action module missing",
        _edit("domain.toml", 'actions = ["actions"]', 'actions = ["actoins"]'),
        "domain.toml",
        "actions",
        "not a .py file or a folder with __init__.py",
    ),
    (
        "action module syntax",
        _append("actions/stock.py", "def broken(:"),
        "actions/stock.py",
        "",
        "not valid Python",
    ),
    (
        "action module raises",
        _append("actions/stock.py", "raise RuntimeError('no stock table')"),
        "actions/stock.py",
        "",
        "RuntimeError: no stock table",
    ),
    (
        "action registered twice",
        _append("actions/stock.py", '@action("order_status")\ndef again(slots, ctx): ...'),
        "actions/stock.py",
        "",
        "'order_status' is registered twice",
    ),
    (
        "no action module",
        _edit("domain.toml", 'actions = ["actions"]', ""),
        "forms.toml",
        "check_order_status.action",
        "no module registers any",
    ),
    (
        "lexicon value",
        _edit("en/lexicon.toml", "[color]", '[color]\npurple = ["purple"]'),
        "en/lexicon.toml",
        "color.purple",
        "not one of the slot's values",
    ),
]


@pytest.fixture
def shop_copy(tmp_path: Path, shop_dir: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(shop_dir, root)
    return root


@pytest.mark.parametrize(
    ("name", "corrupt", "file", "field", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_each_mistake_is_named(shop_copy: Path, name, corrupt, file, field, words) -> None:
    corrupt(shop_copy)
    with pytest.raises(DomainError) as caught:
        load_domain(shop_copy)
    matches = [i for i in caught.value.issues if i.source == file and words in i.message]
    assert matches, str(caught.value)
    issue = matches[0]
    assert issue.field == field
    if file.endswith(".jsonl") and "JSON" not in words or name == "nlu json":
        assert issue.line == _line_count(shop_copy, file)  # the appended line
    elif name != "toml syntax":
        assert issue.line > 0
    assert f"{file}:{issue.line}" in str(caught.value)


def test_all_problems_are_reported_together(shop_copy: Path) -> None:
    _edit("forms.toml", 'action = "refund_status"', 'action = "nope"')(shop_copy)
    _append("en/nlu.jsonl", '{"text": "hi", "intent": "nope"}')(shop_copy)
    (shop_copy / "zh" / "faq.jsonl").unlink()
    with pytest.raises(DomainError) as caught:
        load_domain(shop_copy)
    files = {i.source for i in caught.value.issues}
    assert {"forms.toml", "en/nlu.jsonl", "zh/faq.jsonl"} <= files


def test_toml_line_points_at_the_key(shop_copy: Path) -> None:
    _edit("forms.toml", 'action = "refund_status"', 'action = "nope"')(shop_copy)
    with pytest.raises(DomainError) as caught:
        load_domain(shop_copy)
    issue = next(i for i in caught.value.issues if i.field == "refund_status.action")
    lines = (shop_copy / "forms.toml").read_text().splitlines()
    assert lines[issue.line - 1].strip() == 'action = "nope"'


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="not a folder"):
        load_domain(tmp_path / "missing")
