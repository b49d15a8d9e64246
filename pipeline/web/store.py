"""Turn the web app's records into rows of its SQLite database, and back.

The database lives in the data folder (`hoso.sqlite3`) beside the files it describes.
Its schema is created and migrated by the app itself: `MIGRATIONS` is an append-only
list of SQL scripts, `PRAGMA user_version` says how many have run, and each runs in one
transaction, so a database of any earlier version opens as the newest. Never edit a
published migration; add the next one.

Every read returns frozen records; nothing outside this module writes SQL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DATABASE = "hoso.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    # 1: accounts, the clerk's units and their build jobs
    """
    CREATE TABLE account (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('clerk', 'receiver')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE unit (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        owner_id INTEGER REFERENCES account(id),
        created_at TEXT NOT NULL
    );
    CREATE TABLE job (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL REFERENCES unit(id),
        kind TEXT NOT NULL CHECK (kind IN ('build', 'prepare')),
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        stage TEXT NOT NULL DEFAULT '',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        label TEXT NOT NULL DEFAULT '',
        exit_code INTEGER,
        pages INTEGER,
        messages TEXT NOT NULL DEFAULT '[]',
        started_at TEXT NOT NULL,
        finished_at TEXT
    );
    -- one build or prepare of a unit at a time: a second start fails on this index
    CREATE UNIQUE INDEX job_one_running ON job(unit_id) WHERE state = 'running';
    """,
    # 2: the receipt desk: the register of expected units, deadlines and submissions
    """
    CREATE TABLE expected (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        contact TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE TABLE deadline (
        kind TEXT PRIMARY KEY,
        due TEXT NOT NULL
    );
    CREATE TABLE submission (
        id INTEGER PRIMARY KEY,
        expected_id INTEGER NOT NULL REFERENCES expected(id),
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_by TEXT NOT NULL,
        received_at TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('complete', 'incomplete', 'failed')),
        missing TEXT NOT NULL DEFAULT '[]',
        report TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX submission_by_expected ON submission(expected_id, received_at);
    """,
)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password_hash: str
    role: str  # clerk | receiver


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    kind: str
    owner_id: int | None
    created_at: str


@dataclass(frozen=True)
class Job:
    id: int
    unit_id: int
    kind: str  # build | prepare
    state: str  # running | done | failed
    stage: str
    done: int
    total: int
    label: str
    exit_code: int | None
    pages: int | None
    messages: tuple[str, ...]
    started_at: str
    finished_at: str | None

    @property
    def percent(self) -> int:
        if self.state != "running":
            return 100
        if self.stage != "render" or not self.total:
            return 95 if self.stage in {"bind", "write"} else 0
        return int(90 * self.done / self.total)


@dataclass(frozen=True)
class Expected:
    id: int
    name: str
    kind: str
    contact: str


@dataclass(frozen=True)
class Submission:
    id: int
    expected_id: int
    sha256: str
    size: int
    received_by: str
    received_at: str
    verdict: str  # complete | incomplete | failed
    missing: tuple[str, ...]
    report: str


class Busy(Exception):
    """A build or prepare of this unit is already running."""


class Store:
    """The database of one data folder; safe to share between the server's threads."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DATABASE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        migrate(self._db)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _all(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args))

    # accounts ---------------------------------------------------------------------
    def add_account(self, username: str, password_hash: str, role: str, now: datetime) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO account (username, password_hash, role, created_at) "
                "VALUES (?, ?, ?, ?)", (username, password_hash, role, now.isoformat()))
            return int(cursor.lastrowid or 0)

    def set_password(self, username: str, password_hash: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE account SET password_hash = ? WHERE username = ?",
                       (password_hash, username))

    def account(self, *, username: str | None = None, id: int | None = None) -> Account | None:
        column, value = ("username", username) if username is not None else ("id", id)
        rows = self._all(f"SELECT id, username, password_hash, role FROM account "
                         f"WHERE {column} = ?", value)
        return Account(*rows[0]) if rows else None  # type: ignore[arg-type]

    def accounts(self) -> list[Account]:
        return [Account(*r) for r in self._all(  # type: ignore[arg-type]
            "SELECT id, username, password_hash, role FROM account ORDER BY username")]

    # units ------------------------------------------------------------------------
    def add_unit(self, name: str, kind: str, owner_id: int | None, now: datetime) -> int:
        with self._tx() as db:
            cursor = db.execute("INSERT INTO unit (name, kind, owner_id, created_at) "
                                "VALUES (?, ?, ?, ?)", (name, kind, owner_id, now.isoformat()))
            return int(cursor.lastrowid or 0)

    def rename_unit(self, unit_id: int, name: str, kind: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE unit SET name = ?, kind = ? WHERE id = ?", (name, kind, unit_id))

    def unit(self, unit_id: int) -> UnitRow | None:
        rows = self._all("SELECT id, name, kind, owner_id, created_at FROM unit WHERE id = ?",
                         unit_id)
        return UnitRow(*rows[0]) if rows else None  # type: ignore[arg-type]

    def units(self, owner_id: int | None = None) -> list[UnitRow]:
        sql = "SELECT id, name, kind, owner_id, created_at FROM unit"
        rows = (self._all(sql + " ORDER BY id") if owner_id is None
                else self._all(sql + " WHERE owner_id = ? ORDER BY id", owner_id))
        return [UnitRow(*r) for r in rows]  # type: ignore[arg-type]

    # jobs -------------------------------------------------------------------------
    _JOB = ("SELECT id, unit_id, kind, state, stage, done, total, label, exit_code, pages, "
            "messages, started_at, finished_at FROM job")

    def start_job(self, unit_id: int, kind: str, now: datetime) -> int:
        """A new running job; Busy if one of this unit is running already."""
        try:
            with self._tx() as db:
                cursor = db.execute("INSERT INTO job (unit_id, kind, state, started_at) "
                                    "VALUES (?, ?, 'running', ?)",
                                    (unit_id, kind, now.isoformat()))
                return int(cursor.lastrowid or 0)
        except sqlite3.IntegrityError:
            raise Busy from None

    def progress(self, job_id: int, stage: str, done: int, total: int, label: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE job SET stage = ?, done = ?, total = ?, label = ? "
                       "WHERE id = ? AND state = 'running'", (stage, done, total, label, job_id))

    def finish_job(self, job_id: int, state: str, now: datetime, exit_code: int | None,
                   pages: int | None, messages: list[str]) -> None:
        with self._tx() as db:
            db.execute("UPDATE job SET state = ?, exit_code = ?, pages = ?, messages = ?, "
                       "finished_at = ? WHERE id = ? AND state = 'running'",
                       (state, exit_code, pages, json.dumps(messages, ensure_ascii=False),
                        now.isoformat(), job_id))

    def fail_abandoned_jobs(self, now: datetime) -> None:
        """Jobs left running by a server that stopped: they never finish now."""
        with self._tx() as db:
            db.execute("UPDATE job SET state = 'failed', finished_at = ?, messages = ? "
                       "WHERE state = 'running'",
                       (now.isoformat(), json.dumps(["Máy chủ đã dừng khi đang dựng; hãy "
                                                     "dựng lại."], ensure_ascii=False)))

    def job(self, job_id: int) -> Job | None:
        rows = self._all(self._JOB + " WHERE id = ?", job_id)
        return _job(rows[0]) if rows else None

    def last_job(self, unit_id: int, kind: str) -> Job | None:
        rows = self._all(self._JOB + " WHERE unit_id = ? AND kind = ? ORDER BY id DESC "
                         "LIMIT 1", unit_id, kind)
        return _job(rows[0]) if rows else None

    # receipt desk -----------------------------------------------------------------
    def add_expected(self, name: str, kind: str, contact: str, now: datetime) -> int:
        with self._tx() as db:
            cursor = db.execute("INSERT INTO expected (name, kind, contact, created_at) "
                                "VALUES (?, ?, ?, ?)", (name, kind, contact, now.isoformat()))
            return int(cursor.lastrowid or 0)

    def expected(self) -> list[Expected]:
        return [Expected(*r) for r in self._all(  # type: ignore[arg-type]
            "SELECT id, name, kind, contact FROM expected ORDER BY id")]

    def expected_one(self, expected_id: int) -> Expected | None:
        rows = self._all("SELECT id, name, kind, contact FROM expected WHERE id = ?",
                         expected_id)
        return Expected(*rows[0]) if rows else None  # type: ignore[arg-type]

    def deadlines(self) -> dict[str, date]:
        return {str(kind): date.fromisoformat(str(due))
                for kind, due in self._all("SELECT kind, due FROM deadline")}

    def set_deadline(self, kind: str, due: date) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO deadline (kind, due) VALUES (?, ?) ON CONFLICT(kind) "
                       "DO UPDATE SET due = excluded.due", (kind, due.isoformat()))

    def add_submission(self, expected_id: int, sha256: str, size: int, received_by: str,
                       now: datetime, verdict: str, missing: list[str], report: str) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO submission (expected_id, sha256, size, received_by, received_at, "
                "verdict, missing, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (expected_id, sha256, size, received_by, now.isoformat(), verdict,
                 json.dumps(missing, ensure_ascii=False), report))
            return int(cursor.lastrowid or 0)

    _SUBMISSION = ("SELECT id, expected_id, sha256, size, received_by, received_at, "
                   "verdict, missing, report FROM submission")

    def submissions(self, expected_id: int | None = None) -> list[Submission]:
        sql = self._SUBMISSION
        rows = (self._all(sql + " ORDER BY received_at, id") if expected_id is None else
                self._all(sql + " WHERE expected_id = ? ORDER BY received_at, id", expected_id))
        return [_submission(r) for r in rows]

    def submission(self, submission_id: int) -> Submission | None:
        rows = self._all(self._SUBMISSION + " WHERE id = ?", submission_id)
        return _submission(rows[0]) if rows else None


def _submission(row: tuple[object, ...]) -> Submission:
    values = list(row)
    values[7] = tuple(json.loads(str(values[7])))
    return Submission(*values)  # type: ignore[arg-type]


def _job(row: tuple[object, ...]) -> Job:
    values = list(row)
    values[10] = tuple(json.loads(str(values[10])))
    return Job(*values)  # type: ignore[arg-type]


def migrate(db: sqlite3.Connection) -> int:
    """Run the migrations this database has not seen; return its version."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise RuntimeError(f"cơ sở dữ liệu ở phiên bản {version}, mới hơn phiên bản hoso "
                           f"này biết ({len(MIGRATIONS)}); hãy cập nhật hoso")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """The statements of a migration, split on the semicolons that end them (a
    migration holds no string literal with a semicolon)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
