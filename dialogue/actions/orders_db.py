"""The domain's order database: ``orders.sql`` loaded once into a SQLite file in the user's
data folder, so changes (a cancelled order, a new address) persist between sessions.

The file remembers the hash of the SQL it was built from; when the domain ships new SQL the
file is rebuilt (the demo data wins over earlier changes, which is logged).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

_META_TABLE = "wenda_source"


def _sql_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def _built_from(path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute(f"SELECT sha256 FROM {_META_TABLE}").fetchone()
            return row[0] if row else None
    except sqlite3.Error:
        return None


def open_orders_db(sql_file: Path, db_file: Path) -> sqlite3.Connection:
    """A connection to ``db_file``, first built from ``sql_file`` if missing or outdated."""
    sql = sql_file.read_text(encoding="utf-8")
    digest = _sql_hash(sql)
    if not db_file.is_file() or _built_from(db_file) != digest:
        if db_file.is_file():
            log.info("order database %s is from other demo data; rebuilding", db_file.name)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = db_file.with_name(f".{db_file.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(tmp) as db:
            db.executescript(sql)
            db.execute(f"CREATE TABLE {_META_TABLE} (sha256 TEXT NOT NULL)")
            db.execute(f"INSERT INTO {_META_TABLE} VALUES (?)", (digest,))
        db.close()
        os.replace(tmp, db_file)
    db = sqlite3.connect(db_file, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db


def memory_orders_db(sql_file: Path) -> sqlite3.Connection:
    """A throw-away in-memory copy (benchmarks, dry runs of a domain check)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(sql_file.read_text(encoding="utf-8"))
    db.row_factory = sqlite3.Row
    return db
