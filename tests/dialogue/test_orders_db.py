"""The live order database when the domain's ``orders.sql`` changes, and SQL errors with
their line (issue 15).

Before: the database was rebuilt whenever the SQL's text changed, so a cancelled order came
back as ``processing`` after a comment line was added; a syntax error in ``orders.sql`` said
"near ")": syntax error" with no line.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dialogue.actions.orders_db import open_orders_db
from dialogue.actions.sql_script import SqlScriptError, run_script, statements

SEED = """-- demo data
CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, city TEXT NOT NULL);
INSERT INTO orders (id, status, city) VALUES (1, 'processing', 'Berlin'),
    (2, 'processing', 'Paris'), (3, 'dispatched', 'Rome'), (4, 'processing', 'Oslo');
CREATE TABLE notes (body TEXT);
INSERT INTO notes VALUES ('a');
"""


def _status(db: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    rows = db.execute("SELECT id, status, city FROM orders ORDER BY id")
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.fixture
def live(tmp_path: Path) -> tuple[Path, Path]:
    sql, path = tmp_path / "orders.sql", tmp_path / "data" / "orders.sqlite"
    sql.write_text(SEED)
    db = open_orders_db(sql, path)
    db.execute("UPDATE orders SET status = 'cancelled' WHERE id = 1")  # in a conversation
    db.execute("DELETE FROM orders WHERE id = 4")
    db.execute("INSERT INTO orders (id, status, city) VALUES (5, 'processing', 'Wien')")
    db.commit()
    db.close()
    return sql, path


def test_a_comment_added_to_the_sql_keeps_what_conversations_did(live, caplog) -> None:
    sql, path = live
    sql.write_text("-- a comment the author added\n" + SEED)
    db = open_orders_db(sql, path)
    assert _status(db) == {
        1: ("cancelled", "Berlin"),
        2: ("processing", "Paris"),
        3: ("dispatched", "Rome"),
        5: ("processing", "Wien"),
    }
    assert "kept" in caplog.text and "orders.sql changed" in caplog.text  # and says so
    assert len(list(path.parent.glob("orders.sqlite.before-*"))) == 1  # the old file, kept


def test_new_seed_rows_and_fixes_arrive_where_conversations_did_not_touch(live) -> None:
    sql, path = live
    changed = SEED.replace("'Paris'", "'Lyon'").replace("'Berlin'", "'Bonn'")
    riga = "INSERT INTO orders (id, status, city) VALUES (6, 'processing', 'Riga');\n"
    sql.write_text(changed + riga)
    got = _status(open_orders_db(sql, path))
    assert got[2] == ("processing", "Lyon")  # untouched: the author's fix applies
    assert got[1] == ("cancelled", "Berlin")  # changed in a conversation: kept as it is
    assert got[6] == ("processing", "Riga") and 4 not in got  # deleted stays deleted


def test_a_new_column_is_merged_by_name(live) -> None:
    sql, path = live
    sql.write_text(
        SEED.replace("city TEXT NOT NULL)", "city TEXT NOT NULL, carrier TEXT DEFAULT 'DHL')")
    )
    db = open_orders_db(sql, path)
    assert _status(db)[1] == ("cancelled", "Berlin")
    assert db.execute("SELECT carrier FROM orders WHERE id = 5").fetchone()[0] == "DHL"


def test_an_unchanged_sql_leaves_the_file_alone(live) -> None:
    sql, path = live
    before = path.stat().st_mtime_ns
    open_orders_db(sql, path).close()
    assert path.stat().st_mtime_ns == before and not list(path.parent.glob("*.before-*"))


def test_a_damaged_order_database_is_set_aside_not_deleted(tmp_path: Path) -> None:
    sql, path = tmp_path / "orders.sql", tmp_path / "orders.sqlite"
    sql.write_text(SEED)
    path.write_bytes(b"\x00garbage" * 500)
    db = open_orders_db(sql, path)
    assert _status(db)[1] == ("processing", "Berlin")
    (aside,) = tmp_path.glob("orders.sqlite.damaged-*")
    assert aside.read_bytes() == b"\x00garbage" * 500


@pytest.mark.parametrize(
    ("sql", "line"),
    [
        ("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1;\n", 2),
        ("-- c\n\nCREATE TABLE t (a);\nINSERT INTO t VALUES\n (1),\n (2) (3);\n", 4),
        ("CREATE TABLE t (a);\nINSERT INTO missing VALUES (1);\n", 2),
        ("BEGIN;\nCREATE TABLE t (a);\nCREATE TABLE t (b);\nCOMMIT;\n", 3),
    ],
)
def test_sql_errors_name_their_line(sql: str, line: int) -> None:
    db = sqlite3.connect(":memory:")
    with pytest.raises(SqlScriptError) as caught:
        run_script(db, sql)
    assert caught.value.line == line and f"line {line}:" in str(caught.value)
    if line == 4:  # the token "(" is on every line: the statement's lines are named
        assert "(in the statement on lines 4-6)" in str(caught.value)


def test_statements_keep_semicolons_in_strings_and_comments() -> None:
    sql = "-- a; b\nINSERT INTO t VALUES ('x; y');\nSELECT 1; SELECT 2;\nSELECT 3"
    assert [line for line, _ in statements(sql)] == [2, 3, 4]
    db = sqlite3.connect(":memory:")
    run_script(db, "CREATE TABLE t (a);\n" + sql)
    assert db.execute("SELECT a FROM t").fetchall() == [("x; y",)]


def test_a_full_disk_is_not_called_an_error_of_the_script(tmp_path: Path) -> None:
    """A full disk while the seed runs stays SQLite's disk error (which the CLI turns into "the
    disk is full"), not "line 416: disk I/O error" as if the author's SQL were wrong."""
    db = sqlite3.connect(tmp_path / "orders.sqlite")
    db.execute("PRAGMA max_page_count = 2")  # the database may not grow: as on a full disk
    sql = "CREATE TABLE t (a TEXT);\n" + "INSERT INTO t VALUES (hex(randomblob(900)));\n" * 50
    with pytest.raises(sqlite3.OperationalError, match="full") as caught:
        run_script(db, sql)
    assert not isinstance(caught.value, SqlScriptError)
