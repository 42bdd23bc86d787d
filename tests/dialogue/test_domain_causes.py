"""A broken domain folder names the cause, with its line (issue 15's smaller findings).

Before: one duplicate ``[greet]`` table gave 1,495 follow-on problems; a bad byte in
``nlu.jsonl`` and a syntax error in ``orders.sql`` had no line number; ``wenda domain check
--json`` printed nothing on stdout when there were problems.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dialogue.domain import DomainError, load_domain
from tests.dialogue.conftest import SHOP


@pytest.fixture
def shop_copy(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    return root


def _problems(root: Path) -> DomainError:
    with pytest.raises(DomainError) as caught:
        load_domain(root)
    return caught.value


def test_a_duplicate_table_is_the_one_problem_shown(shop_copy: Path) -> None:
    intents = shop_copy / "en" / "intents.toml"
    lines = intents.read_text(encoding="utf-8").count("\n")
    with intents.open("a", encoding="utf-8") as f:
        f.write('\n[greet]\nkind = "chitchat"\ndescription = "again"\n')
    error = _problems(shop_copy)
    (issue,) = error.issues
    assert (issue.source, issue.line) == ("en/intents.toml", lines + 2)
    assert "twice" in issue.message and error.skipped > 100
    assert "were skipped; fix it and check again" in str(error)


def test_independent_problems_are_all_shown(shop_copy: Path) -> None:
    forms = shop_copy / "forms.toml"
    forms.write_text(forms.read_text().replace('action = "refund_status"', 'action = "nope"'))
    (shop_copy / "en" / "faq.jsonl").open("a").write("{not json\n")
    error = _problems(shop_copy)
    assert {i.source for i in error.issues} == {"forms.toml", "en/faq.jsonl"}
    assert error.skipped == 0


def test_a_bad_byte_in_nlu_jsonl_has_its_line(shop_copy: Path) -> None:
    nlu = shop_copy / "en" / "nlu.jsonl"
    data = nlu.read_bytes().split(b"\n")
    data[6] = data[6].replace(b'"text": "', b'"text": "\xe9', 1)
    nlu.write_bytes(b"\n".join(data))
    (issue,) = [i for i in _problems(shop_copy).issues if i.source == "en/nlu.jsonl"]
    assert issue.line == 7 and "not UTF-8 text (column" in issue.message and "0xe9" in issue.message


def test_a_bad_byte_in_a_toml_file_has_its_line(shop_copy: Path) -> None:
    slots = shop_copy / "slots.toml"
    slots.write_bytes(slots.read_bytes().replace(b'type = "pattern"', b'type = "p\xffttern"', 1))
    (issue,) = _problems(shop_copy).issues
    assert issue.source == "slots.toml" and issue.line > 0 and "0xff" in issue.message


def test_an_orders_sql_syntax_error_has_its_line(shop_copy: Path) -> None:
    sql = shop_copy / "orders.sql"
    lines = sql.read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines) if line.startswith("CREATE TABLE returns"))
    lines[number + 2] = lines[number + 2].replace("(id)", "(id) wrongword", 1)
    sql.write_text("\n".join(lines), encoding="utf-8")
    (issue,) = _problems(shop_copy).issues
    assert (issue.source, issue.line) == ("orders.sql", number + 3), issue
    assert 'near "wrongword"' in issue.message


def test_domain_check_json_prints_the_problems(wenda_cmd, wenda_env, shop_copy: Path) -> None:
    (shop_copy / "en" / "faq.jsonl").open("a").write("{not json\n")
    result = subprocess.run([*wenda_cmd, "domain", "check", str(shop_copy), "--json"],
                            env=wenda_env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["folder"] == str(shop_copy)
    (problem,) = report["problems"]
    assert problem["file"] == "en/faq.jsonl" and "not valid JSON" in problem["message"]
    good = subprocess.run([*wenda_cmd, "domain", "check", str(SHOP), "--json"],
                          env=wenda_env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert good.returncode == 0 and json.loads(good.stdout)["valid"] is True
