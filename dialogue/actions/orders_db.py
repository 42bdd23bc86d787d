"""The domain's order database: ``orders.sql`` loaded once into a SQLite file in the user's
data folder, so changes (a cancelled order, a new address) persist between sessions.

The file remembers the SQL it was built from (its sha256 and text). When the domain ships new
SQL, what conversations changed is kept: the new seed is built beside the live file, the
live changes are merged into it row by row (``orders_merge``), the live file is copied aside
(``orders.sqlite.before-<time>``) and the merged one takes its place; a warning says what was
kept. A live file that SQLite cannot read is renamed aside (``.damaged-<time>``), never
deleted, and a fresh one is built.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

from dialogue.actions.orders_merge import MergeReport, merge_live
from dialogue.actions.sql_script import run_script
from dialogue.atomic import fsync_dir

log = logging.getLogger(__name__)

_META_TABLE = "wenda_source"


def _sql_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def _built_from(path: Path) -> tuple[str, str | None] | None:
    """(sha256, SQL text or None) the file was built from; ("", None) when it does not say;
    None when SQLite cannot read the file at all."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({_META_TABLE})")]
            if not columns:
                return "", None
            chosen = "sha256, sql" if "sql" in columns else "sha256, NULL"
            row = db.execute(f"SELECT {chosen} FROM {_META_TABLE}").fetchone()
            return (row[0], row[1]) if row else ("", None)
    except sqlite3.Error:
        return None


def _build(sql: str, beside: Path, label: str) -> Path:
    """A new database file from ``sql`` next to ``beside`` (not yet in its place)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    tmp = beside.with_name(f".{beside.name}.{label}-{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        run_script(db, sql)
        db.execute(f"CREATE TABLE {_META_TABLE} (sha256 TEXT NOT NULL, sql TEXT)")
        db.execute(f"INSERT INTO {_META_TABLE} VALUES (?, ?)", (_sql_hash(sql), sql))
        db.commit()
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()
    return tmp


def _aside(path: Path, label: str, copy: bool) -> Path:
    aside = path.with_name(f"{path.name}.{label}-{time.strftime('%Y%m%d-%H%M%S')}")
    if copy:
        shutil.copy2(path, aside)
    else:
        os.replace(path, aside)
    return aside


def _merge(sql: str, db_file: Path, old_sql: str | None) -> MergeReport:
    """Build the new seed beside ``db_file``, merge the live changes in, put it in place."""
    new = _build(sql, db_file, "new")
    old = None
    try:
        if old_sql is not None:
            old = _build(old_sql, db_file, "old")
        with sqlite3.connect(f"file:{new}", uri=True, isolation_level=None) as db:
            db.execute("ATTACH DATABASE ? AS live", (f"file:{db_file}?mode=ro",))
            db.execute("ATTACH DATABASE ? AS old", (str(old) if old else ":memory:",))
            report = merge_live(db, has_old=old is not None)
            db.execute("DETACH DATABASE live")
            db.execute("DETACH DATABASE old")
        db.close()
        before = _aside(db_file, "before", copy=True)
        os.replace(new, db_file)
        fsync_dir(db_file.parent)
    finally:
        new.unlink(missing_ok=True)
        if old is not None:
            old.unlink(missing_ok=True)
    log.warning(
        "the domain's orders.sql changed: the order database now holds the new data, with "
        "the %d rows conversations changed or added kept and %d they deleted left out%s; the "
        "previous database is kept as %s",
        report.kept,
        report.deleted,
        _losses(report),
        before.name,
    )
    return report


def _losses(report: MergeReport) -> str:
    parts = []
    if report.dropped:
        parts.append(f"{report.dropped} rows that no longer fit the new tables were not carried")
    if report.tables_gone:
        parts.append(f"tables no longer in the SQL: {', '.join(report.tables_gone)}")
    return f" ({'; '.join(parts)})" if parts else ""


def open_orders_db(sql_file: Path, db_file: Path) -> sqlite3.Connection:
    """A connection to ``db_file``, first built from ``sql_file`` if missing, or brought up to
    a changed ``sql_file`` with what conversations changed kept (see the module doc)."""
    sql = sql_file.read_text(encoding="utf-8")
    recorded = _built_from(db_file) if db_file.is_file() else None
    if db_file.is_file() and recorded is None:
        aside = _aside(db_file, "damaged", copy=False)
        log.warning("the order database could not be read; kept as %s, built anew", aside.name)
    if not db_file.is_file():
        os.replace(_build(sql, db_file, "new"), db_file)
        fsync_dir(db_file.parent)
    elif recorded is not None and recorded[0] != _sql_hash(sql):
        _merge(sql, db_file, recorded[1])
    db = sqlite3.connect(db_file, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db


def memory_orders_db(sql_file: Path) -> sqlite3.Connection:
    """A throw-away in-memory copy (benchmarks, dry runs of a domain check)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    run_script(db, sql_file.read_text(encoding="utf-8"))
    db.row_factory = sqlite3.Row
    return db
