"""Files the user names for Wenda to write, and the memory file: checked first, written
atomically, one plain message (issue 15's bad-input list).

Before: ``memory export --out`` to a folder, ``say --out`` to a folder, a name without an
extension or ``x.mp3`` gave tracebacks (say's only after minutes of synthesis); a damaged
``memory.sqlite`` gave ``sqlite3.DatabaseError`` tracebacks; a disk filling up during
``say --out`` left a truncated WAV where a good one had been.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.memory_file import MemoryFileError, open_memory
from app.user_files import OutputPathError, check_output_path, disk_problem, write_output
from dialogue.memory import Memory, TurnRecord
from dialogue.state import Profile


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("{tmp}", "is a folder"),
        ("{tmp}/", "is a folder"),
        ("{tmp}/speech", "has no extension"),
        ("{tmp}/speech.mp3", ".mp3 files are not supported"),
        ("{tmp}/a-file/speech.wav", "is a file, not a folder"),
        ("", "no file name"),
    ],
)
def test_output_paths_refused_before_any_work(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputPathError, match=message):
        check_output_path(name.format(tmp=tmp_path), (".wav",))


def test_an_output_path_in_a_new_folder_or_with_upper_case_extension_is_fine(
    tmp_path: Path,
) -> None:
    assert check_output_path(tmp_path / "new" / "x.WAV", (".wav",)) == tmp_path / "new" / "x.WAV"


def test_a_write_that_fails_keeps_the_old_file_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "speech.wav"
    target.write_bytes(b"old and whole")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the device boundary: the disk fills up
    with pytest.raises(OutputPathError, match="the disk is full"):
        write_output(target, b"new" * 1000)
    assert target.read_bytes() == b"old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["speech.wav"]  # no temporary file left


@pytest.mark.parametrize(
    ("error", "plain"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/x"), "disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "no permission"),
        (sqlite3.OperationalError("database or disk is full"), "disk is full"),
        (OSError(errno.ENOENT, "No such file"), None),
        (ValueError("disk is full"), None),
    ],
)
def test_disk_problems_are_told_apart_from_bugs(error: BaseException, plain: str | None) -> None:
    found = disk_problem(error)
    assert found is None if plain is None else plain in (found or "")


def _damaged(path: Path) -> bytes:
    data = os.urandom(8192)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def test_a_damaged_memory_file_is_set_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    data = _damaged(path)
    memory = open_memory(path)
    memory.record_turn("anna", TurnRecord("s", 1, "en", "hi", "hello"), Profile())
    (aside,) = tmp_path.glob("memory.sqlite.damaged-*")
    assert aside.read_bytes() == data  # kept as it was, never deleted
    assert len(memory.history_of("anna")) == 1


def test_a_damaged_memory_file_is_left_alone_by_commands_that_only_read(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    data = _damaged(path)
    with pytest.raises(MemoryFileError, match=r"is damaged .*sets it aside.*\.recover"):
        open_memory(path, repair=False)
    assert path.read_bytes() == data and len(list(tmp_path.iterdir())) == 1


def test_a_torn_memory_file_is_found_damaged(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    memory = Memory(path)
    for i in range(200):
        memory.record_turn("anna", TurnRecord("s", i, "en", "hi " * 50, "hello"), Profile())
    memory.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    memory.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = os.urandom(4096)  # a page of the middle
    path.write_bytes(bytes(data))
    with pytest.raises(MemoryFileError, match="is damaged"):
        open_memory(path, repair=False)


def _wenda(wenda_cmd, wenda_env, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*wenda_cmd, *args], env=wenda_env, capture_output=True, text=True,
                          timeout=120, **kwargs)  # fmt: skip


def _memory_path(env: dict[str, str]) -> Path:
    return Path(env["WENDA_DATA_DIR"]) / "memory.sqlite"


@pytest.mark.parametrize("action", ["show", "export", "forget"])
def test_memory_commands_on_a_damaged_file_say_what_to_do(
    wenda_cmd, wenda_env, action: str
) -> None:
    data = _damaged(_memory_path(wenda_env))
    result = _wenda(wenda_cmd, wenda_env, "memory", action)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is damaged" in result.stderr and "wenda chat" in result.stderr
    assert _memory_path(wenda_env).read_bytes() == data


def test_memory_export_to_a_folder_is_a_plain_message(wenda_cmd, wenda_env, tmp_path) -> None:
    Memory(_memory_path(wenda_env)).close()
    result = _wenda(wenda_cmd, wenda_env, "memory", "export", "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is a folder" in result.stderr
    good = _wenda(wenda_cmd, wenda_env, "memory", "export", "--out", str(tmp_path / "me.json"))
    assert good.returncode == 0 and (tmp_path / "me.json").is_file()


@pytest.mark.parametrize("out", ["{tmp}", "{tmp}/speech", "{tmp}/speech.mp3"])
def test_say_checks_the_output_path_before_loading_a_voice(
    wenda_cmd, wenda_env, tmp_path: Path, out: str
) -> None:
    env = {**wenda_env, "WENDA_CACHE_DIR": str(tmp_path / "no-models")}  # no voice at all
    result = _wenda(wenda_cmd, env, "say", "--out", out.format(tmp=tmp_path), "hello there")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(tmp_path) in result.stderr and "tts" not in result.stderr


def _small_disk(limit_bytes: int):  # type: ignore[no-untyped-def]
    """A child whose files cannot grow past ``limit_bytes``: a disk that fills up."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return limit


@pytest.mark.slow
def test_say_out_on_a_full_disk_keeps_the_old_file(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    out = tmp_path / "speech.wav"
    first = _wenda(wenda_cmd, wenda_env, "say", "--out", str(out), "Hello.")
    assert first.returncode == 0, first.stderr
    old = out.read_bytes()
    long_text = "This sentence is long enough to need more room than is left. " * 5
    full = _wenda(wenda_cmd, wenda_env, "say", "--out", str(out), long_text,
                  preexec_fn=_small_disk(len(old) + 1000))  # fmt: skip
    assert full.returncode == 2 and "Traceback" not in full.stderr
    assert "the disk is full" in full.stderr
    assert out.read_bytes() == old and sorted(tmp_path.iterdir()) == [out]
