"""What Wenda remembers about a user, in SQLite in the user's data folder.

Per user: a profile (name, preferences, orders asked about) and the conversation history.
Every turn is written in one transaction with WAL and ``synchronous=FULL``: after a crash
(power loss, kill -9) the file holds every completed turn and nothing of a half-written one.
Privacy: with history off nothing at all is stored; ``forget`` deletes everything of a user
(with ``secure_delete`` so the bytes are overwritten, and the WAL truncated) and the files
Wenda wrote for them (exports, audio: :meth:`Memory.remember_file`) while they still hold
what Wenda wrote; ``export`` returns all of it as JSON-ready data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.files import sha256_file
from dialogue.state import Profile

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS preferences (
    user_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE TABLE IF NOT EXISTS orders_asked (
    user_id  TEXT NOT NULL,
    order_id TEXT NOT NULL,
    last_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, order_id)
);
CREATE TABLE IF NOT EXISTS turns (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    turn       INTEGER NOT NULL,
    at         TEXT NOT NULL,
    language   TEXT NOT NULL,
    user_text  TEXT NOT NULL,
    reply      TEXT NOT NULL,
    intent     TEXT NOT NULL,
    emotion    TEXT NOT NULL,
    action     TEXT NOT NULL,
    slots      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_turns_user ON turns (user_id, id);
CREATE TABLE IF NOT EXISTS user_files (
    user_id TEXT NOT NULL,
    path    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (user_id, path)
);
"""


@dataclass(frozen=True)
class TurnRecord:
    """One completed turn as stored in the history."""

    session_id: str
    turn: int
    language: str
    user_text: str
    reply: str
    intent: str = ""
    emotion: str = "neutral"
    action: str = ""
    slots: dict[str, str] = field(default_factory=dict)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Memory:
    """The memory database; one connection, used from one thread at a time (lock inside)."""

    def __init__(self, path: Path, history: bool = True) -> None:
        self.path = Path(path)
        self.history = history
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA secure_delete = ON")
        self.db.execute("PRAGMA busy_timeout = 5000")
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def profile(self, user: str) -> Profile:
        """The stored profile of ``user`` (empty for someone new)."""
        with self._lock:
            row = self.db.execute("SELECT name FROM users WHERE user_id = ?", (user,)).fetchone()
            prefs = self.db.execute("SELECT key, value FROM preferences WHERE user_id = ?", (user,))
            orders = self.db.execute(
                "SELECT order_id FROM orders_asked WHERE user_id = ? ORDER BY last_at, order_id",
                (user,),
            )
            return Profile(row[0] if row else "", dict(prefs.fetchall()), [r[0] for r in orders])

    def record_turn(self, user: str, record: TurnRecord, profile: Profile) -> None:
        """Store the turn and the profile in one transaction; nothing when history is off."""
        if not self.history:
            return
        now = _now()
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "INSERT INTO users (user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, updated_at = "
                    "excluded.updated_at",
                    (user, profile.name, now, now),
                )
                self.db.executemany(
                    "INSERT OR REPLACE INTO preferences (user_id, key, value) VALUES (?, ?, ?)",
                    [(user, k, v) for k, v in profile.preferences.items()],
                )
                self.db.executemany(
                    "INSERT INTO orders_asked (user_id, order_id, last_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id, order_id) DO NOTHING",
                    [(user, order_id, now) for order_id in profile.orders],
                )
                self.db.execute(
                    "INSERT INTO turns (user_id, session_id, turn, at, language, user_text, "
                    "reply, intent, "
                    "emotion, action, slots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        user,
                        record.session_id,
                        record.turn,
                        now,
                        record.language,
                        record.user_text,
                        record.reply,
                        record.intent,
                        record.emotion,
                        record.action,
                        json.dumps(record.slots, ensure_ascii=False),
                    ),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def set_reply(self, user: str, session_id: str, turn: int, reply: str) -> bool:
        """Replace the stored reply of one turn (the part the user heard after a barge-in);
        False when there is no such turn (history off, or forgotten)."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE turns SET reply = ? WHERE id = (SELECT MAX(id) FROM turns "
                "WHERE user_id = ? AND session_id = ? AND turn = ?)",
                (reply, user, session_id, turn),
            )
            return cursor.rowcount > 0

    def history_of(self, user: str, limit: int = 0) -> list[dict[str, Any]]:
        """Stored turns of ``user``, oldest first (the last ``limit`` when given)."""
        with self._lock:
            rows = self.db.execute(
                "SELECT session_id, turn, at, language, user_text, reply, intent, emotion, "
                "action, slots "
                "FROM turns WHERE user_id = ? ORDER BY id",
                (user,),
            ).fetchall()
        keys = (
            "session_id",
            "turn",
            "at",
            "language",
            "user_text",
            "reply",
            "intent",
            "emotion",
            "action",
            "slots",
        )
        turns = [dict(zip(keys, row, strict=True)) for row in rows]
        for turn in turns:
            turn["slots"] = json.loads(turn["slots"])
        return turns[-limit:] if limit else turns

    def export(self, user: str) -> dict[str, Any]:
        """Everything stored about ``user``, ready for ``json.dumps``."""
        profile = self.profile(user)
        return {
            "user": user,
            "exported_at": _now(),
            "profile": {
                "name": profile.name,
                "preferences": profile.preferences,
                "orders": profile.orders,
            },
            "history": self.history_of(user),
        }

    def remember_file(self, user: str, path: Path, kind: str = "export") -> None:
        """Note a file Wenda wrote with ``user``'s data, so forgetting them deletes it too."""
        if not self.history:
            return
        digest = sha256_file(path)
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO user_files (user_id, path, kind, sha256, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user, str(Path(path).absolute()), kind, digest, _now()),
            )

    def _delete_files(self, user: str) -> int:
        """Delete the files Wenda wrote for ``user`` that still hold what it wrote (a file
        changed since is the user's own now); returns how many were deleted."""
        rows = self.db.execute(
            "SELECT path, sha256 FROM user_files WHERE user_id = ?", (user,)
        ).fetchall()
        deleted = 0
        for name, digest in rows:
            path = Path(name)
            try:
                if path.is_file() and sha256_file(path) == digest:
                    path.unlink()
                    deleted += 1
                elif path.exists():
                    log.warning("kept a file written for a forgotten user: it was changed since")
            except OSError as e:
                log.warning("could not delete a file written for a forgotten user: %s", e.strerror)
        return deleted

    def forget(self, user: str) -> int:
        """Delete every row of ``user`` and the files Wenda wrote for them; returns how many
        turns were deleted."""
        with self._lock:
            files = self._delete_files(user)
            self.db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self.db.execute("DELETE FROM turns WHERE user_id = ?", (user,)).rowcount
                for table in ("users", "preferences", "orders_asked", "user_files"):
                    self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no copy left in the WAL
        log.info("forgot a user (%d turns, %d files deleted)", deleted, files)
        return deleted

    def users(self) -> list[str]:
        with self._lock:
            rows = self.db.execute(
                "SELECT user_id FROM users UNION SELECT DISTINCT user_id FROM turns"
            )
            return sorted(r[0] for r in rows)
