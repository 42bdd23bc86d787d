"""Carry what conversations changed in the order database over to new seed data.

When a domain's ``orders.sql`` changes, the live database (orders cancelled, addresses
changed in conversations) must not silently go back to the demo rows: a cancelled order once
came back as ``processing`` after a comment line was added to the SQL. The merge is three-way
per row, keyed by each table's primary key (its rowid when it has none):

- a row the conversations changed (live differs from the old seed) keeps its live values;
- a row they did not touch takes the new seed's values (the author's corrections apply);
- a row they deleted stays deleted; a row they added is kept.

Without the old seed (a database built before the seed was recorded) every live row counts
as changed. Columns carry over by name; a live row that cannot go into the new table (a new
``NOT NULL`` column without a default) is counted as ``dropped`` and the caller says so.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

log = logging.getLogger(__name__)

Row = tuple[object, ...]


@dataclass
class MergeReport:
    """How many rows came from where; the caller tells the user."""

    kept: int = 0  # rows changed or added in conversations, carried over
    deleted: int = 0  # rows deleted in conversations that stay deleted
    dropped: int = 0  # live rows that did not fit the new tables
    tables_gone: tuple[str, ...] = ()  # live tables the new seed no longer has


def tables(db: sqlite3.Connection, schema: str = "main") -> list[str]:
    rows = db.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'wenda_%' ORDER BY name"
    )
    return [r[0] for r in rows]


def _columns(db: sqlite3.Connection, schema: str, table: str) -> tuple[list[str], list[str]]:
    """(columns, primary-key columns) of ``schema.table``; the key is ``rowid`` if none."""
    info = db.execute(f'PRAGMA {schema}.table_info("{table}")').fetchall()
    columns = [r[1] for r in info]
    key = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] > 0]
    return columns, key or ["rowid"]


def _quote(column: str) -> str:
    return "rowid" if column == "rowid" else f'"{column}"'


def _rows(
    db: sqlite3.Connection, schema: str, table: str, cols: list[str], keys: int
) -> dict[Row, Row]:
    """``{key: row}`` of ``schema.table`` over ``cols`` (the first ``keys`` are the key)."""
    selected = ", ".join(_quote(c) for c in cols)
    return {
        tuple(r[:keys]): tuple(r) for r in db.execute(f'SELECT {selected} FROM {schema}."{table}"')
    }


def merge_live(new: sqlite3.Connection, has_old: bool) -> MergeReport:
    """Merge the attached ``live`` (and ``old`` seed, when ``has_old``) schemas into ``new``'s
    main schema, which holds the new seed. ``new`` is changed in place, in one transaction."""
    report = MergeReport()
    live_tables = set(tables(new, "live"))
    report.tables_gone = tuple(sorted(live_tables - set(tables(new))))
    new.execute("PRAGMA foreign_keys = OFF")
    new.execute("BEGIN")
    for table in tables(new):
        if table in live_tables:
            _merge_table(new, table, has_old and table in tables(new, "old"), report)
    new.execute("COMMIT")
    return report


def _merge_table(db: sqlite3.Connection, table: str, has_old: bool, report: MergeReport) -> None:
    columns, key = _columns(db, "main", table)
    live_columns, live_key = _columns(db, "live", table)
    if live_key != key:  # a new key: the rows cannot be matched up
        report.dropped += db.execute(f'SELECT COUNT(*) FROM live."{table}"').fetchone()[0]
        return
    wanted = key + [c for c in live_columns if c in columns and c not in key]
    live = _rows(db, "live", table, wanted, len(key))
    old = _rows(db, "old", table, wanted, len(key)) if has_old else {}
    for row_key, row in live.items():
        if has_old and old.get(row_key) == row:
            continue  # untouched by conversations: the new seed's row stands
        if _put(db, table, wanted, len(key), row):
            report.kept += 1
        else:
            report.dropped += 1
    where = " AND ".join(f"{_quote(c)} = ?" for c in key)
    for row_key in old.keys() - live.keys():  # deleted in a conversation
        report.deleted += db.execute(f'DELETE FROM "{table}" WHERE {where}', row_key).rowcount


def _put(db: sqlite3.Connection, table: str, cols: list[str], keys: int, row: Row) -> bool:
    """Write one live row over the new table's row of the same key (or as a new row);
    False when it does not fit (a constraint of the new table)."""
    where = " AND ".join(f"{_quote(c)} = ?" for c in cols[:keys])
    values = ", ".join(f"{_quote(c)} = ?" for c in cols[keys:])
    try:
        if values:
            sql = f'UPDATE "{table}" SET {values} WHERE {where}'
            if db.execute(sql, (*row[keys:], *row[:keys])).rowcount:
                return True
        elif db.execute(f'SELECT 1 FROM "{table}" WHERE {where}', row[:keys]).fetchone():
            return True
        names = ", ".join(_quote(c) for c in cols)
        marks = ", ".join("?" for _ in cols)
        db.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', row)
    except sqlite3.IntegrityError as e:
        log.debug("a live row of %s does not fit the new table: %s", table, e)
        return False
    return True
