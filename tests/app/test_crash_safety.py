"""kill -9 at the worst moment (issue 15, staying power): during a turn's write to the
memory database and during the activation of a new model. Afterwards the history holds every
finished turn and nothing of the killed one, the previously active model is still the one
used and its files are whole, and the next run cleans up what the killed one left.

The child processes kill themselves at a chosen statement (SQLite's trace callback) or just
before the rename that makes a new file visible, so the moment is exact, not a race.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app import models_active
from dialogue.atomic import remove_orphans
from dialogue.memory import Memory, TurnRecord
from dialogue.nlu.folder_files import describe_files, file_problem
from dialogue.state import Profile


def _run_child(code: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, timeout=60
    )
    assert result.returncode == -9, result.stderr.decode()  # it died by SIGKILL, as meant


@pytest.mark.parametrize("moment", ["INSERT INTO turns", "COMMIT"])
def test_a_turn_killed_while_stored_leaves_the_finished_ones_whole(
    tmp_path: Path, moment: str
) -> None:
    path = tmp_path / "memory.sqlite"
    _run_child(
        f"""
        import os, signal
        from dialogue.memory import Memory, TurnRecord
        from dialogue.state import Profile
        memory = Memory({str(path)!r})
        for turn in (1, 2, 3):
            memory.record_turn("anna", TurnRecord("s", turn, "en", f"q{{turn}}", "a"),
                               Profile("Anna", {{}}, ["10482"]))
        def die(statement):
            if statement.startswith({moment!r}):
                os.kill(os.getpid(), signal.SIGKILL)
        memory.db.set_trace_callback(die)
        memory.record_turn("anna", TurnRecord("s", 4, "en", "q4", "a"), Profile("Bob"))
        """,
        dict(os.environ),
    )
    memory = Memory(path)  # the next run
    assert memory.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [t["turn"] for t in memory.history_of("anna")] == [1, 2, 3]
    assert memory.profile("anna") == Profile("Anna", {}, ["10482"])  # not half of turn 4's
    memory.record_turn("anna", TurnRecord("s", 4, "en", "q4", "a"), Profile("Anna"))
    assert [t["turn"] for t in memory.history_of("anna")] == [1, 2, 3, 4]


def test_an_activation_killed_before_the_switch_keeps_the_previous_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    slot = "nlu-en"
    old, new = (models_active.new_version_dir(slot, now=t) for t in (1e9, 2e9))
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(os.urandom(4096))
    models_active.activate(slot, old)
    recorded = describe_files(old)
    _run_child(
        f"""
        import os, signal
        from app import models_active
        os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # just before it
        models_active.activate({slot!r}, models_active.slot_dir({slot!r}) / {new.name!r})
        """,
        dict(os.environ),
    )
    assert models_active.active_model(slot) == old and file_problem(old, recorded) is None
    slot_dir = models_active.slot_dir(slot)
    assert [p for p in slot_dir.iterdir() if p.name.endswith(".tmp")]  # what the kill left
    models_active.activate(slot, new)  # the next run
    assert models_active.active_model(slot) == new
    assert sorted(p.name for p in slot_dir.iterdir()) == sorted([old.name, new.name, "active.json"])


def test_a_folder_write_killed_mid_swap_is_put_back_by_the_next_writer(tmp_path: Path) -> None:
    """Killed after the old folder was moved aside and before the new one took its place:
    the next writer puts the old one back before anything else (it was not lost)."""
    out = tmp_path / "model"
    out.mkdir()
    (out / "weights").write_bytes(b"old")
    _run_child(
        f"""
        import os, signal
        from pathlib import Path
        from dialogue.atomic import atomic_folder
        real, calls = os.replace, []
        def replace(a, b):
            calls.append(a)
            if len(calls) == 2:  # the first moved the old folder aside
                os.kill(os.getpid(), signal.SIGKILL)
            real(a, b)
        os.replace = replace
        with atomic_folder(Path({str(out)!r})) as tmp:
            (tmp / "weights").write_bytes(b"new")
        """,
        dict(os.environ),
    )
    assert not out.exists() and len(list(tmp_path.glob(".model.*"))) == 2
    remove_orphans(out)
    assert (out / "weights").read_bytes() == b"old" and not list(tmp_path.glob(".model.*"))


def test_a_training_run_killed_mid_write_is_cleaned_up_by_the_next_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run writes its version through ``atomic_folder``: killed, it leaves a hidden
    half-written folder under a name no later run writes again; ``prune`` (after each
    switch) removes it, and never a live run's."""
    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    slot = "generator-en"
    version = models_active.new_version_dir(slot, now=1e9)
    _run_child(
        f"""
        import os, signal
        from pathlib import Path
        from dialogue.atomic import atomic_folder
        with atomic_folder(Path({str(version)!r})) as tmp:
            (tmp / "adapter.safetensors").write_bytes(os.urandom(8192))
            os.kill(os.getpid(), signal.SIGKILL)
        """,
        dict(os.environ),
    )
    slot_dir = models_active.slot_dir(slot)
    (left,) = slot_dir.iterdir()
    assert left.name.startswith(f".{version.name}.tmp-") and not version.exists()
    live = slot_dir / f".{version.name}.tmp-{os.getpid()}-abcdefgh"  # a run under way
    live.mkdir()
    assert models_active.prune(slot) == [left]
    assert sorted(slot_dir.iterdir()) == [live]
