"""``wenda chat``'s loop on bytes, as a script pipes them in: one JSON line per input line.

The dialogue runs for real on the bundled shop with a scripted NLU (the loop is what is
tested; tests/app/test_chat_input.py runs the real models in a subprocess). Found in review
(issue 15): a bad byte ended the chat with a traceback and lost the good lines before it;
blank lines gave no line; ``/export`` to a folder ended the chat.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import weakref
from pathlib import Path
from typing import Any

import pytest

from app.cli.chat_loop import ChatLoop, ChatOutput, decode_line
from app.conversation import OneLanguage
from dialogue.actions.orders_db import memory_orders_db
from dialogue.domain import load_domain
from dialogue.manager import DialogueManager
from dialogue.memory import Memory
from tests.dialogue.conftest import SHOP
from tests.fakes.dialogue import ScriptedNlu

SCRIPT = {
    "hello": ("greet", 0.97, ()),
    "where is order 10482": ("check_order_status", 0.95, (("order_id", "10482"),)),
    "你好": ("greet", 0.97, ()),
}


def manager(memory: Memory | None = None, language: str = "en") -> DialogueManager:
    domain = load_domain(SHOP)
    orders = memory_orders_db(SHOP / "orders.sql")
    clock = lambda: dt.datetime(2026, 3, 16, 10)  # noqa: E731
    nlu = ScriptedNlu(SCRIPT)
    return DialogueManager(domain, language, nlu, None, None, orders, memory, "anna", clock)


def run_chat(data: bytes, as_json: bool = True, **kwargs: Any) -> tuple[list[Any], str]:
    out, note = io.StringIO(), io.StringIO()
    loop = ChatLoop(kwargs.pop("manager", None) or manager(), ChatOutput(out, note, as_json, False))
    if "switch" in kwargs:
        loop.switch = kwargs["switch"]
    loop.run(io.BytesIO(data))
    lines = out.getvalue().splitlines()
    return ([json.loads(line) for line in lines] if as_json else lines), note.getvalue()


def test_every_input_line_gives_one_json_line_in_order() -> None:
    data = b"hello\n\xff\xfe bad\n\n   \nwhere is order 10482\n/reset\n\xc3\nhello"
    lines, note = run_chat(data)
    assert [line["line"] for line in lines] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert lines[0]["intent"] == "greet" and lines[4]["slots"] == {"order_id": "10482"}
    assert "not UTF-8" in lines[1]["error"] and "0xff" in lines[1]["error"]
    assert lines[2]["skipped"] == lines[3]["skipped"] == "blank"
    assert lines[5] == {"line": 6, "command": "reset", "note": "conversation reset"}
    assert "line 7" in lines[6]["error"] and lines[7]["intent"] == "greet"
    assert "line 2 is not UTF-8" in note  # the person reading stderr is told too


def test_plain_piped_mode_gives_a_line_per_turn_and_blank_line() -> None:
    lines, note = run_chat(b"hello\n\n\xff\nhello\n", as_json=False)
    assert len(lines) == 4 and lines[1] == lines[2] == "" and lines[0] and lines[3]
    assert "not UTF-8" in note


@pytest.mark.parametrize("raw", [b"hello\r\n", b"\xef\xbb\xbfhello\n", b"  hello  "])
def test_line_endings_and_a_byte_order_mark_are_not_part_of_the_text(raw: bytes) -> None:
    assert decode_line(1, raw).text == "hello"


def test_export_to_a_folder_or_an_unwritable_path_is_a_line_and_the_chat_goes_on(
    tmp_path: Path,
) -> None:
    memory = Memory(tmp_path / "memory.sqlite")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    script = (
        f"hello\n/export {tmp_path}\n/export {a_file}/out.json\n/export /proc/wenda.json\n"
        f"/export {tmp_path}/out.txt\n/export {tmp_path}/mine.json\nwhere is order 10482\n"
    )
    lines, _ = run_chat(script.encode(), manager=manager(memory))
    assert len(lines) == 7 and lines[-1]["intent"] == "check_order_status"
    folder, under_file, proc, wrong_kind, good = lines[1:6]
    assert "is a folder" in folder["error"]
    assert "is a file, not a folder" in under_file["error"]
    assert "cannot write" in proc["error"] or "permission" in proc["error"]
    assert ".txt files are not supported" in wrong_kind["error"]
    exported = json.loads((tmp_path / "mine.json").read_text())
    assert good["path"] == str(tmp_path / "mine.json") and exported["user"] == "anna"
    assert [t["user_text"] for t in exported["history"]] == ["hello"]


def test_export_without_a_file_is_the_data_in_its_line() -> None:
    lines, _ = run_chat(b"hello\n/export\n")
    assert lines[1]["command"] == "export" and lines[1]["export"]["user"] == "anna"


def test_lang_switches_the_conversation_and_back() -> None:
    english, chinese = manager(), manager(language="zh")
    languages = {"en": english, "zh": chinese}
    lines, _ = run_chat(
        b"/lang zh\n\xe4\xbd\xa0\xe5\xa5\xbd\n/lang en\nhello\n/lang fr\n",
        manager=english,
        switch=languages.__getitem__,
    )
    assert lines[0]["language"] == "zh" and lines[1]["language"] == "zh"
    assert lines[1]["intent"] == "greet" and lines[3]["language"] == "en"
    assert "cannot switch" in lines[4]["error"]


def test_lang_lets_the_old_language_go_before_the_new_one_loads(tmp_path: Path) -> None:
    """One language's models at a time (issue 15: both languages held 1.76 GB): when the
    next language is built, nothing holds the old one any more, and its memory is closed."""
    memory = Memory(tmp_path / "memory.sqlite")
    alive: list[bool] = []

    def build(language: str) -> DialogueManager:
        alive.append(english_ref() is not None)
        return manager(language=language)

    english = manager(memory)
    english_ref = weakref.ref(english)
    languages = OneLanguage(english, build)
    out = io.StringIO()
    loop = ChatLoop(english, ChatOutput(out, io.StringIO(), True, False), languages.get)
    del english
    loop.run(io.BytesIO(b"/lang zh\n\xe4\xbd\xa0\xe5\xa5\xbd\n"))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[1]["language"] == "zh" and lines[1]["intent"] == "greet"
    assert alive == [False]  # gone before Chinese was built
    with pytest.raises(sqlite3.ProgrammingError):  # closed with it
        memory.db.execute("SELECT 1")


def test_a_failing_turn_is_a_line_with_the_error_and_the_next_is_answered() -> None:
    broken = manager()

    class Exploding(ScriptedNlu):
        def predict(self, texts, now=None):  # type: ignore[no-untyped-def]
            if texts == ["boom now"]:
                raise TypeError("tokenizer internals")
            return super().predict(texts, now)

    broken.nlu = Exploding(SCRIPT)
    lines, note = run_chat(b"boom now\nhello\n", manager=broken)
    assert lines[0]["error"] == "that turn failed (TypeError); please try again"
    assert lines[0]["user_text"] == "boom now" and lines[1]["intent"] == "greet"
    assert "tokenizer internals" not in note
