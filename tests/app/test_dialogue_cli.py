"""``wenda domain check`` and ``wenda memory``: plain commands, clear errors, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from dialogue.memory import Memory, TurnRecord
from dialogue.state import Profile
from tests import REPO


def run(cmd: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=120)


def test_domain_check_summarises_the_bundled_shop(wenda_cmd, wenda_env) -> None:
    result = run(wenda_cmd, wenda_env, "domain", "check", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["domain"] == "shop" and set(summary["languages"]) == {"en", "zh"}
    assert all(lang["faq_entries"] >= 40 for lang in summary["languages"].values())


def test_domain_check_names_file_line_and_field(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    broken = tmp_path / "shop"
    shutil.copytree(REPO / "assets" / "domains" / "shop", broken)
    with (broken / "en" / "nlu.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"text": "hello", "intent": "greeting"}\n')
    lines = len((broken / "en" / "nlu.jsonl").read_text(encoding="utf-8").splitlines())
    result = run(wenda_cmd, wenda_env, "domain", "check", str(broken))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"en/nlu.jsonl:{lines} [intent]: intent 'greeting' is not in intents.toml" in result.stderr
    )


def test_memory_export_and_forget(wenda_cmd, wenda_env, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**wenda_env, "WENDA_DATA_DIR": str(data)}
    memory = Memory(data / "memory.sqlite")
    memory.record_turn("anna", TurnRecord("s", 1, "en", "hi", "hello"), Profile("Anna"))
    memory.close()
    exported = json.loads(run(wenda_cmd, env, "memory", "export", "--user", "anna").stdout)
    assert exported["profile"]["name"] == "Anna" and exported["history"][0]["user_text"] == "hi"
    assert run(wenda_cmd, env, "memory", "forget", "--user", "anna").returncode == 0
    after = json.loads(run(wenda_cmd, env, "memory", "export", "--user", "anna").stdout)
    assert after["profile"]["name"] == "" and after["history"] == []
