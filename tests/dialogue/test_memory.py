"""Memory: profile and history per user, one transaction per turn, privacy controls."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dialogue.memory import Memory, TurnRecord
from dialogue.state import Profile


def record(turn: int, text: str = "hello") -> TurnRecord:
    return TurnRecord("s1", turn, "en", text, "hi!", "greet", "neutral", "", {"order_id": "10482"})


def test_profile_and_history_round_trip(tmp_path: Path) -> None:
    memory = Memory(tmp_path / "m.sqlite")
    memory.record_turn("anna", record(1), Profile("Anna", {"size": "m"}, ["10482"]))
    memory.record_turn("bob", record(1, "yo"), Profile("Bob"))
    memory.close()
    again = Memory(tmp_path / "m.sqlite")
    assert again.profile("anna") == Profile("Anna", {"size": "m"}, ["10482"])
    assert [t["user_text"] for t in again.history_of("anna")] == ["hello"]
    exported = json.loads(json.dumps(again.export("anna")))
    assert exported["profile"]["name"] == "Anna" and len(exported["history"]) == 1
    assert again.users() == ["anna", "bob"]


def test_forget_deletes_everything_of_that_user_only(tmp_path: Path) -> None:
    memory = Memory(tmp_path / "m.sqlite")
    memory.record_turn("anna", record(1, "my secret text"), Profile("Anna", {}, ["10482"]))
    memory.record_turn("bob", record(1), Profile("Bob"))
    assert memory.forget("anna") == 1
    assert memory.profile("anna") == Profile() and memory.history_of("anna") == []
    assert memory.profile("bob").name == "Bob"
    memory.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"my secret text" not in raw  # secure_delete + WAL truncated: no copy left on disk


def test_forget_deletes_the_files_written_for_the_user_unless_changed_since(
    tmp_path: Path,
) -> None:
    memory = Memory(tmp_path / "m.sqlite")
    memory.record_turn("anna", record(1), Profile("Anna"))
    files = {name: tmp_path / f"{name}.json" for name in ("export", "edited", "bobs")}
    for name, path in files.items():
        path.write_text(json.dumps(memory.export("anna")))
        memory.remember_file("bob" if name == "bobs" else "anna", path)
    files["edited"].write_text("my own notes now")  # the user's file now: kept
    memory.forget("anna")
    assert not files["export"].exists()
    assert files["edited"].read_text() == "my own notes now" and files["bobs"].exists()


def test_set_reply_replaces_one_turn_of_one_user(tmp_path: Path) -> None:
    memory = Memory(tmp_path / "m.sqlite")
    memory.record_turn("anna", record(1), Profile("Anna"))
    memory.record_turn("anna", record(2), Profile("Anna"))
    memory.record_turn("bob", record(2), Profile("Bob"))
    assert memory.set_reply("anna", "s1", 2, "h")
    assert [t["reply"] for t in memory.history_of("anna")] == ["hi!", "h"]
    assert [t["reply"] for t in memory.history_of("bob")] == ["hi!"]
    assert not memory.set_reply("anna", "s1", 9, "h")


def test_history_off_stores_nothing(tmp_path: Path) -> None:
    memory = Memory(tmp_path / "m.sqlite", history=False)
    memory.record_turn("anna", record(1), Profile("Anna"))
    assert memory.profile("anna") == Profile() and memory.history_of("anna") == []


def test_a_failing_turn_leaves_nothing_half_written(tmp_path: Path) -> None:
    memory = Memory(tmp_path / "m.sqlite")
    memory.record_turn("anna", record(1), Profile("Anna"))
    bad = TurnRecord("s1", 2, "en", "text", None, "greet")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        memory.record_turn("anna", bad, Profile("Annabel", {"size": "l"}))
    assert memory.profile("anna") == Profile("Anna")  # the profile update was rolled back too
    assert len(memory.history_of("anna")) == 1


def test_completed_turns_survive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    script = (
        "import os, sys\n"
        "from dialogue.memory import Memory, TurnRecord\n"
        "from dialogue.state import Profile\n"
        f"m = Memory({str(path)!r})\n"
        "for i in range(5):\n"
        "    m.record_turn('anna', TurnRecord('s', i, 'en', f'turn {i}', 'ok'), Profile('Anna'))\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    memory = Memory(path)
    assert [t["user_text"] for t in memory.history_of("anna")] == [f"turn {i}" for i in range(5)]
