"""The durable event log and accounts, through SQLAlchemy (SQLite by default, PostgreSQL by URL).

All methods are synchronous; the server calls them on one worker thread so the event loop
never blocks and writes stay in order. An event is committed before anyone sees it.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy import types as sa_types
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    StatementError,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

log = logging.getLogger("xiaonao.server")

SCHEMA_VERSION = "1"
LEASE_KEY = 0x5869616F6E616F     # "Xiaonao": the advisory lock a serving server holds on PostgreSQL
PG_CONNECT_TIMEOUT = 5          # s
PG_STATEMENT_TIMEOUT_MS = 10_000
PG_LOCK_TIMEOUT_MS = 4_000
SQLITE_BUSY_TIMEOUT_MS = 4_000
WRITE_TURN_TIMEOUT = SQLITE_BUSY_TIMEOUT_MS / 1000   # s a writer of this process waits for its turn (_Writers)
WAL_RESTART_BYTES = 64 * 2**20   # SQLite: a log this long is started over by the next checkpoint (EventStore.checkpoint)
WAL_RESTART_WAIT_MS = 100        # ... which waits this long at most for readers of its old frames


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str | None] = mapped_column(String(60))
    command_id: Mapped[str | None] = mapped_column(String(80))   # (no index: resends are found in `commands`)
    data: Mapped[str] = mapped_column(Text)


class CommandRow(Base):
    """Every acknowledged command id, so that a resend is acknowledged again and appends nothing.
    Ids are scoped to the account that sent them; `digest` (of the name and arguments)
    tells a resend from a reuse of the id for something else."""
    __tablename__ = "commands"
    actor: Mapped[str] = mapped_column(String(60), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    peer: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[str] = mapped_column(String(30))
    digest: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (Index("ix_commands_seq", "seq"),)   # the newest ids, read at start


STATS_COLUMNS = ("reported", "category", "area", "squad", "status", "sla", "rating", "on_scene", "merged", "closed",
                 "dispatch_ok", "arrival_s", "repeat_calls")
CLOSED_COLUMNS = ("closed", "merged", "on_scene", "rating", "category", "area", "squad")   # what is counted of closings


class CaseRow(Base):
    """The cases projection: one row per case, as the reducer left it after the newest event
    that changed it (written in the same transaction as that event). The server keeps only
    a window of cases in memory; the rest are read from here (archive get, search,
    aggregates, an event on an old case)."""
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    no: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)              # the last event that changed it
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int | None] = mapped_column(Integer)
    area: Mapped[str | None] = mapped_column(String(40))
    grid: Mapped[str | None] = mapped_column(String(40))
    squad: Mapped[str | None] = mapped_column(String(40))  # its squad, or the last it was dispatched to
    reported: Mapped[str] = mapped_column(String(30))
    closed: Mapped[str | None] = mapped_column(String(30))
    updated: Mapped[str] = mapped_column(String(30))
    rating: Mapped[int | None] = mapped_column(Integer)
    sla: Mapped[str | None] = mapped_column(String(10))    # met / late / skipped once closed
    on_scene: Mapped[bool | None] = mapped_column(Boolean)
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    # the rest of the KPI facts (models.kpi.case_facts): the aggregates over years read these
    dispatch_ok: Mapped[bool | None] = mapped_column(Boolean)      # dispatched within its limit
    arrival_s: Mapped[float | None] = mapped_column(Float)         # call to on scene, s
    repeat_calls: Mapped[int | None] = mapped_column(Integer)
    words: Mapped[str] = mapped_column(Text)               # what a search matches, pinyin initials included
    body: Mapped[str] = mapped_column(Text)                # the case's JSON
    __table_args__ = (
        Index("ix_cases_status_updated", "status", "updated"),   # the window: open, or closed lately
        Index("ix_cases_reported_words", "reported", "id", "words"),  # search, newest first (covering)
        Index("ix_cases_closed", *CLOSED_COLUMNS),
        # the aggregates read this index only, not the rows (a year: 180k entries of ~70 bytes)
        Index("ix_cases_stats", *STATS_COLUMNS),
    )


class _KpiSums:
    """The sixteen sums both KPI tables keep (after their keys), added up in
    server/kpihours.py."""
    n: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    n_closed: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    repeat_calls: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    dispatched: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    dispatch_ok: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    arrived: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    arr180: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    arr300: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    arr480: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    arr600: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    on_scene: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    sla_met: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    sla_judged: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    rated: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    satisfied: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, sort_order=10)


class KpiHourRow(_KpiSums, Base):
    """The cases' KPI facts added up by UTC hour, for the aggregates by day (server/kpihours.py):
    kind `r` counts the cases reported in the hour, `c` those closed in it. Kept in the same
    transaction as the case rows."""
    __tablename__ = "kpi_hours"
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    hour: Mapped[str] = mapped_column(String(13), primary_key=True)      # 2026-12-02T03 (UTC)


class KpiGroupDayRow(_KpiSums, Base):
    """The cases' KPI facts added up by group and UTC day, for the aggregates by category,
    area and squad (server/kpihours.py): `dim` is the column (category, area, squad), `key`
    its value ('' for none); kind `r` counts the cases reported that day, `c` those closed.
    Kept in the same transaction as the case rows."""
    __tablename__ = "kpi_group_days"
    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)       # 2026-12-02 (UTC)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)


@event.listens_for(CaseRow.__table__, "after_create")
def _search_index(_table, connection, **_kw) -> None:
    """A new database gets the archive's search index with its cases table (server/searchindex.py;
    an existing one through migration 0005)."""
    from . import searchindex
    searchindex.install(connection, build=False)


class RoomRow(Base):
    """Everything of the state but the cases, at `seq` (written with every batch of events):
    with the window of the cases projection, the state a restart starts from."""
    __tablename__ = "room"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(Text)                # mode, profile, next case no (teams: TeamRow)
    street: Mapped[str | None] = mapped_column(Text)


class TeamRow(Base):
    """Each squad as the reducer left it (written with the batch that changed it)."""
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class UserRow(Base):
    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(300))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str | None] = mapped_column(String(40))    # a department account's department
    grids: Mapped[str | None] = mapped_column(String(400))        # a community account's grids, "G01,G02"


class LoginCodeRow(Base):
    """A one-time login code (`xiaonao-server user code`): its SHA-256, never the code."""
    __tablename__ = "login_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    created: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float)
    used: Mapped[float | None] = mapped_column(Float)        # when it logged in (it works once)


class TokenRow(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    expires: Mapped[float] = mapped_column(Float)


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(Text)


class CheckpointRow(Base):
    """The room without its cases (mode, profile, squads: the room row and the teams rows)
    as it stood at `seq`, copied every half hour of the log's time (server/replay.py): a
    replay of a past shift starts from the newest one before it, not from the log's start."""
    __tablename__ = "checkpoints"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(30), index=True)   # the time of event `seq`
    body: Mapped[str] = mapped_column(Text)                    # the room head with its teams (JSON)


class AuditRow(Base):
    """Logins and session events: who, what, when, from where (commands are in `commands`)."""
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    user: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    peer: Mapped[str | None] = mapped_column(String(80))


class FileRow(Base):
    """An uploaded file (docs/protocol.md, Evidence): its bytes are in the content store under
    the data directory, named by `id` (their SHA-256); a row exists only once they are there."""
    __tablename__ = "files"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))          # photo, clip, document
    type: Mapped[str] = mapped_column(String(40))          # the MIME type read from the content
    size: Mapped[int] = mapped_column(sa_types.BigInteger)
    name: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[str | None] = mapped_column(String(30))   # EXIF capture time (UTC when known)
    lat: Mapped[float | None] = mapped_column(Float)            # EXIF GPS
    lon: Mapped[float | None] = mapped_column(Float)
    created: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(60))
    case_hint: Mapped[str | None] = mapped_column(String(40))   # the case named at the first upload


class FileUploadRow(Base):
    """Who uploaded which bytes (each account once): an uploader may fetch its own upload."""
    __tablename__ = "file_uploads"
    file_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[float] = mapped_column(Float)


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


CommandKey = tuple[str, str]            # (account, command id)
Known = tuple[int, "str | None"]         # (seq, digest)


class LogAhead(Exception):
    """The log already holds the seqs a batch was given: another writer appended."""


def _grids(text: str | None) -> list[str]:
    return [g for g in (text or "").split(",") if g]


def _loads(text: str):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:         # (an integer beyond 64 bits in a free-form field)
        return json.loads(text)


class DuplicateCommand(Exception):
    """A batch held a command id that the log already has (older than the hub remembers)."""


class Unstorable(Exception):
    """The database refused a value of the batch (not unavailable: it refused what it was given)."""


def is_full(e: BaseException) -> bool:
    """A database error that means its disk is full (SQLite's SQLITE_FULL, PostgreSQL's ENOSPC)."""
    msg = str(getattr(e, "orig", e)).lower()
    return "database or disk is full" in msg or "no space left on device" in msg or "could not extend file" in msg


def is_damage(e: BaseException) -> bool:
    """A database error that means the file or its pages cannot be read (not: unavailable)."""
    msg = str(getattr(e, "orig", e)).lower()
    return any(m in msg for m in ("malformed", "file is not a database", "database corrupt",
                                  "invalid page", "could not read block", "invalid memory alloc"))


class StoreError(Exception):
    """A database that cannot be used, with a message for a person."""


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class _Writers:
    """SQLite: the process's writers (the command pipeline's commits, a login's token and
    audit rows, an upload's file row, retention ...) take turns on a lock of this process
    instead of meeting SQLite's write lock. SQLite's busy handler polls a held lock with
    sleeps of 1, 2, 5 ... 100 ms, so a commit that came a moment after a login's write slept
    50-120 ms after that write had ended (measured in bench/window.py's burst, where the
    burst's client logs in); waiting here it goes on as soon as the other has committed.

    A connection takes the lock before its first writing statement and gives it back once
    it no longer holds a transaction (its commit or rollback, a statement that committed by
    itself, its close). The wait is bounded (WRITE_TURN_TIMEOUT), after which the statement
    goes to SQLite as before (other processes still meet SQLite's own lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: sqlite3.Connection | None = None        # the DBAPI connection that holds it

    def before(self, dbapi: sqlite3.Connection, statement: str) -> None:
        if self.owner is dbapi or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if self.lock.acquire(timeout=WRITE_TURN_TIMEOUT):
            self.owner = dbapi

    def done(self, dbapi: sqlite3.Connection) -> None:
        """After a statement: given back if the connection holds no transaction."""
        if self.owner is dbapi and not dbapi.in_transaction:
            self.release(dbapi)

    def release(self, dbapi: sqlite3.Connection) -> None:
        if self.owner is dbapi:
            self.owner = None
            self.lock.release()


def _sqlite_connection_class(writers: _Writers) -> type:
    class Connection(sqlite3.Connection):
        """sqlite3's connection that gives the process's write turn back once its
        transaction has ended (see _Writers)."""

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                writers.done(self)

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                writers.done(self)

        def close(self) -> None:
            try:
                super().close()
            finally:
                writers.release(self)
    return Connection


_WRITERS: weakref.WeakKeyDictionary[Engine, _Writers] = weakref.WeakKeyDictionary()   # SQLite engines' turns


def make_engine(url: str) -> Engine:
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r} (try sqlite:///path/to/xiaonao.db or "
                         "postgresql+psycopg://user@host/dbname)") from None
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    connect_args: dict = {}
    writers = _Writers() if u.get_backend_name() == "sqlite" else None
    if writers is not None:
        connect_args = {"factory": _sqlite_connection_class(writers)}
    if u.get_backend_name() == "postgresql":
        # a database that does not answer must not hold a command for long: a connection
        # attempt, a statement, a lock wait and a silent peer all have a bound
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT, "keepalives": 1, "keepalives_idle": 10,
                        "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 15000,
                        "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} "
                                   f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} "
                                   "-c idle_in_transaction_session_timeout=60000"}
    try:
        engine = create_engine(u, future=True, pool_pre_ping=True, connect_args=connect_args)
    except Exception as e:  # missing driver and the like
        raise StoreError(f"cannot use database {url!r}: {e}") from None
    if u.get_backend_name() == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _rec):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    if writers is not None:
        @event.listens_for(engine, "before_cursor_execute")
        def _write_turn(_conn, cursor, statement, _params, _context, _many):
            writers.before(cursor.connection, statement)

        @event.listens_for(engine, "after_cursor_execute")
        def _write_done(_conn, cursor, _statement, _params, _context, _many):
            writers.done(cursor.connection)

        @event.listens_for(engine, "handle_error")
        def _write_failed(ctx):
            with contextlib.suppress(Exception):
                writers.done(ctx.connection.connection.dbapi_connection)
        _WRITERS[engine] = writers
    return engine


def _private_sqlite_file(engine: Engine) -> None:
    """The server's SQLite file (accounts, token hashes, personal data) is readable by its
    owner only: created 0600, and an existing looser file tightened. SQLite gives its -wal
    and -shm files the database file's mode."""
    u = engine.url
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or \
            u.database.startswith("file:"):
        return
    path = u.database
    try:
        if not os.path.exists(path):
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for suffix in ("", "-wal", "-shm"):
            p = path + suffix
            if os.path.exists(p) and os.stat(p).st_mode & 0o077:
                os.chmod(p, 0o600)
    except OSError:
        pass    # a directory that does not exist: opening it says so clearly


class _OnConnection:
    """An engine stand-in whose `begin` and `connect` hand out one open connection (inside
    a migration's transaction)."""

    def __init__(self, conn):
        self.conn = conn
        self.url = conn.engine.url

    @contextmanager
    def begin(self):
        yield self.conn

    @contextmanager
    def connect(self):
        yield self.conn

    def dispose(self) -> None:
        pass


def _json_bytes(obj) -> bytes:
    """As `_json_text`, as UTF-8 (SQLite stores it as it is: `_AS_TEXT`)."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False).encode()


# (SQLite) the columns whose JSON comes as UTF-8 bytes (orjson's, `projection.case_json`'s),
# bound as a blob and stored as the text they are: no str made of them for the driver to
# encode again (a case's ~1 KB and an event's ~0.5 KB: ~6 % of an import's commit)
_AS_TEXT = {("events", "data"), ("cases", "body")}


def _text_bodies(rows: list[dict]) -> list[dict]:
    """Case rows whose JSON came as UTF-8 bytes (`projection.case_json`) with it as str: for
    databases other than SQLite."""
    if not any(isinstance(r.get("body"), bytes) for r in rows):
        return rows
    return [dict(r, body=r["body"].decode()) if isinstance(r.get("body"), bytes) else r for r in rows]


def _json_text(obj) -> str:
    """JSON text of an event's data: orjson (~5x json here), json for what orjson refuses
    (an integer beyond 64 bits in a free-form field; a lone surrogate fails either way)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=False)


def driver_sql(conn, sql: str, params: tuple | list = (), many: bool = False) -> sqlite3.Cursor:
    """SQLite: one of a commit's own statements on the driver's cursor of `conn`'s connection
    (its transaction), past SQLAlchemy's execution (its events, context and result: ~20k
    instructions a statement, 6 % of an import batch's commit with its ~16 statements). The
    process's write turn is taken as for any statement (_Writers), and the driver's errors
    come as SQLAlchemy's (IntegrityError and the rest), as the callers expect them."""
    dbapi = conn.connection.dbapi_connection
    writers = _WRITERS.get(conn.engine)
    if writers is not None:
        writers.before(dbapi, sql)
    cur = dbapi.cursor()
    try:
        if many:
            cur.executemany(sql, params)
        else:
            cur.execute(sql, params)
    except sqlite3.Error as e:
        raise DBAPIError.instance(sql, params, e, sqlite3.Error, dialect=conn.dialect) from e
    finally:
        if writers is not None:
            writers.done(dbapi)
    return cur


SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999   # (SQLite's default limit)
# rows in one statement (sqlite_rows): any batch in at most a statement a binary digit (an
# 80-row batch: 64 + 16, two steps a table, each giving the GIL up once; with 256, 32, 4, 1
# it was six), ~9 statements a table for the driver's statement cache (128)
MULTI_ROWS = (256, 128, 64, 32, 16, 8, 4, 2, 1)
_multi_sql: dict[tuple, str] = {}


def sqlite_rows(conn, head: str, tail: str, width: int, values: list, marks: tuple[str, ...] | None = None) -> None:
    """SQLite: `head VALUES (?, ...), (?, ...) ... tail` for rows of `width` values each
    (`values`: the rows' values one after the other), as few statements as MULTI_ROWS's sizes
    allow, each size's statements through one executemany. The driver steps a statement
    once a row of an executemany and gives the GIL up at each step: an 80-row batch's
    events, commands and case rows were 240 steps, each waiting for the loop's thread to
    give the GIL back (bench/gil_handover.py); now ~10. A multi-row statement is one
    statement: a row it cannot store fails it and the transaction as executemany's did (the
    hub retries a refused batch in halves), and an ON CONFLICT upsert applies to its rows in
    order (a later row of the same key updates the earlier). `marks`: each column's
    placeholder, if not `?` (e.g. `CAST(? AS TEXT)`)."""
    n = len(values) // width
    most = max(1, SQLITE_MAX_VARIABLES // width)
    done = 0
    for size in MULTI_ROWS:
        size = min(size, most)
        k = (n - done) // size
        if not k:
            continue
        sql = _multi_sql.get((head, tail, width, size, marks))
        if sql is None:
            one = "(" + ", ".join(marks or "?" * width) + ")"
            sql = _multi_sql[(head, tail, width, size, marks)] = f"{head} VALUES {', '.join([one] * size)}{tail}"
        step = size * width
        start = done * width
        if k == 1:
            driver_sql(conn, sql, tuple(values[start:start + step]))
        else:
            driver_sql(conn, sql, [tuple(values[i:i + step]) for i in range(start, start + k * step, step)], many=True)
        done += k * size


class EventStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        _private_sqlite_file(self.engine)
        self._lease: Any = None         # the lease file's descriptor (SQLite) or its own connection (PostgreSQL)
        self._lease_holder = ""
        # every DBAPI connection the engine opened, so that `interrupt` can reach them
        self._dbapi: dict[int, object] = {}
        event.listen(self.engine, "connect", lambda conn, _rec: self._dbapi.__setitem__(id(conn), conn))
        event.listen(self.engine, "close", lambda conn, _rec: self._dbapi.pop(id(conn), None))
        event.listen(self.engine, "close_detached", lambda conn: self._dbapi.pop(id(conn), None))

    def checkpoint_in_background(self) -> bool:
        """SQLite: from now on the commits no longer copy the log into the database file
        (`wal_autocheckpoint=0` on every connection); whoever calls this runs `checkpoint()`
        from a thread of its own, so a commit (a batch of events) is never the one that pays
        for a checkpoint's writes and flush (hundreds of ms on a busy disk). False for
        PostgreSQL (nothing to do)."""
        if self.engine.url.get_backend_name() != "sqlite":
            return False

        @event.listens_for(self.engine, "connect")
        def _no_autocheckpoint(dbapi_conn, _rec):
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
        self.engine.dispose()              # (the pooled connections: opened again with it)
        return True

    def checkpoint(self) -> bool:
        """Copy what the log (WAL) holds into the database file without waiting for, or
        holding back, writers and readers (SQLite's PASSIVE checkpoint). Once the log holds
        WAL_RESTART_BYTES, also start it over: SQLite writes the log from its beginning again
        only after a checkpoint found every frame copied, which the commits beside a PASSIVE
        checkpoint every second never let happen while the server is busy (an import's log
        grew to 3.6 GB). So, between two commits (the process's write turn held, `_Writers`),
        the rest is copied and the log restarted (RESTART), waiting at most
        WAL_RESTART_WAIT_MS for readers of the old frames. Returns whether it restarted."""
        with self.engine.connect() as c:
            _busy, frames, _copied = c.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            writers = _WRITERS.get(self.engine)
            if writers is None or frames * (self._page_size(c) + 24) < WAL_RESTART_BYTES:
                return False
            if not writers.lock.acquire(timeout=WRITE_TURN_TIMEOUT):
                return False
            t0 = time.perf_counter()
            try:     # (the turn held with no owner: this connection's statements do not give it back)
                c.exec_driver_sql(f"PRAGMA busy_timeout={WAL_RESTART_WAIT_MS}")
                try:
                    busy, rest, _copied = c.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)").one()
                finally:
                    c.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            finally:
                writers.lock.release()
            log.debug("checkpoint: the log of %d frames %s; %d copied with the write turn held %.0f ms", frames,
                      "held back by a reader" if busy else "started over", rest, (time.perf_counter() - t0) * 1e3)
            return not busy

    _page: int = 0

    def _page_size(self, c) -> int:
        if not self._page:
            self._page = c.exec_driver_sql("PRAGMA page_size").scalar() or 4096
        return self._page

    def interrupt(self) -> None:
        """Make whatever the store's connections are waiting for fail now (called from
        another thread when a call overran its time): SQLite's interrupt, or a shutdown of a
        PostgreSQL connection's socket (psycopg then raises; the pool drops the connection)."""
        for conn in list(self._dbapi.values()):
            try:
                if hasattr(conn, "interrupt"):
                    conn.interrupt()
                    continue
                fd = getattr(conn, "pgconn").socket
                s = socket.socket(fileno=os.dup(fd))
                try:
                    s.shutdown(socket.SHUT_RDWR)
                finally:
                    s.close()
            except Exception:  # closed already, or not a connection we know how to cut
                pass

    @classmethod
    def on_connection(cls, conn) -> "EventStore":
        """A store working inside an open connection's transaction (migrations)."""
        store = cls.__new__(cls)
        store.url = str(conn.engine.url)
        store.engine = _OnConnection(conn)  # type: ignore[assignment]
        return store

    # ---- schema ----------------------------------------------------------
    def create(self) -> None:
        """Create the schema in an empty database, stamped with the newest migration; a
        database that has one already is left as it is (see `check_initialised`)."""
        from . import schema
        try:
            with self.engine.connect() as conn:
                rev = schema.current_revision(conn)
            if rev is None:
                Base.metadata.create_all(self.engine)
                schema.stamp_head(self.engine)
        except OperationalError as e:
            raise StoreError(f"cannot open database {self.url!r}: {e.orig}") from None
        with Session(self.engine) as s, s.begin():
            if s.get(MetaRow, "schema") is None:
                s.add(MetaRow(key="schema", value=SCHEMA_VERSION))

    def check_initialised(self) -> None:
        from . import schema
        try:
            with Session(self.engine) as s:
                row = s.get(MetaRow, "schema")
                head = s.scalar(select(func.max(EventRow.seq)))
        except OperationalError as e:
            msg = str(e.orig)
            if "no such table" in msg or "does not exist" in msg:
                raise StoreError(f"database {self.url!r} is not initialised: run "
                                 f"'xiaonao-server init --db {self.url} --street demo' first") from None
            if is_damage(e):
                raise StoreError(self.damaged(msg)) from None
            raise StoreError(f"cannot open database {self.url!r}: {msg}") from None
        except DatabaseError as e:
            raise StoreError(self.damaged(str(e.orig))) from None
        if row is None or not head:
            raise StoreError(f"database {self.url!r} is not initialised: run "
                             f"'xiaonao-server init --db {self.url} --street demo' first")
        try:
            schema.check(self.engine, self.url)
        except schema.SchemaMismatch as e:
            raise StoreError(str(e)) from None

    # ---- the lease: one server per database ------------------------------
    def acquire_lease(self, holder: str) -> None:
        """Take the database for this server alone, or StoreError naming who has it.
        SQLite: an exclusive lock on `<file>-lease` (the kernel drops it when the process
        dies, kill -9 included); PostgreSQL: a session advisory lock on a connection of its
        own. The holder's description is written where a second server reads it."""
        if self.engine.dialect.name == "sqlite":
            path = self.engine.url.database
            if not path or path == ":memory:":
                return
            fd = os.open(f"{path}-lease", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                who = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                raise StoreError(self._in_use(who)) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.encode() + b"\n", 0)
            self._lease = fd
            return
        self._lease = self._pg_lease(holder)

    def _pg_lease(self, holder: str):
        conn = self.engine.raw_connection()
        conn.detach()                      # its own, for as long as the server runs
        raw: Any = conn.dbapi_connection
        raw.rollback()
        raw.autocommit = True
        try:
            got = raw.execute("SELECT pg_try_advisory_lock(%s)", (LEASE_KEY,)).fetchone()[0]
            if not got:
                row = raw.execute("SELECT value FROM meta WHERE key = 'lease'").fetchone()
                raise StoreError(self._in_use(row[0] if row else "another session"))
            raw.execute("INSERT INTO meta (key, value) VALUES ('lease', %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (holder,))
        except BaseException:
            # (no meta table yet, say: the session and the lock it took go, not kept open by nobody)
            with contextlib.suppress(Exception):
                raw.close()
            raise
        self._lease_holder = holder
        return conn

    def check_lease(self) -> None:
        """After the database came back: is the lease still this server's? A PostgreSQL
        session that was cut lost its advisory lock: take it again, or StoreError."""
        if self.engine.dialect.name == "sqlite" or self._lease is None:
            return
        try:
            self._lease.dbapi_connection.execute("SELECT 1")
            return
        except Exception:
            with contextlib.suppress(Exception):
                self._lease.dbapi_connection.close()
            self._lease = None
        self._lease = self._pg_lease(self._lease_holder)

    def release_lease(self) -> None:
        lease, self._lease = self._lease, None
        if lease is None:
            return
        if isinstance(lease, int):
            with contextlib.suppress(OSError):
                os.ftruncate(lease, 0)
            os.close(lease)
            return
        with contextlib.suppress(Exception):
            lease.dbapi_connection.close()        # the session ends: its advisory lock goes

    def damaged(self, detail: str) -> str:
        """The message for a database whose file or log cannot be read."""
        return (f"database {self.url!r} is damaged ({detail.strip().splitlines()[0][:200]}): the server cannot "
                "read its log. Stop everything that uses it, keep a copy of the file as it is, and follow "
                "'A damaged database' in docs/operations.md: restore the newest backup "
                "('xiaonao-server restore'), or salvage what SQLite can still read (sqlite3 .recover)")

    def _in_use(self, who: str) -> str:
        return (f"database {self.engine.url.render_as_string()} is in use by another xiaonao-server "
                f"({who}); stop that one first, or serve another database")

    def lease_holder(self) -> str | None:
        """Who holds the database's lease now (None: nobody), without taking it."""
        try:
            self.acquire_lease("(checking)")
        except StoreError as e:
            return str(e).split("(", 1)[-1].rsplit(")", 1)[0]
        self.release_lease()
        return None

    def upgrade(self) -> tuple[str | None, str]:
        from . import schema
        try:
            return schema.upgrade(self.engine, self.url)
        except schema.SchemaMismatch as e:
            raise StoreError(str(e)) from None

    def dispose(self) -> None:
        self.release_lease()
        self.engine.dispose()

    # ---- events ----------------------------------------------------------
    def head(self) -> int:
        with Session(self.engine) as s:
            return s.scalar(select(func.max(EventRow.seq))) or 0

    def append(self, events: list[dict], commands: list[dict], cases: list[dict] | None = None,
               room: tuple | None = None) -> None:
        """Commit events, the command ids that caused them, the projection rows of the cases
        they changed and the room row (seq, head, street if it changed, the squads that
        changed as {id: JSON}) in one transaction.
        A command id that is already stored raises `DuplicateCommand` and commits nothing."""
        try:
            with self.engine.begin() as conn:
                data = _json_bytes if conn.dialect.name == "sqlite" else _json_text
                self._insert(conn, EventRow.__table__, [
                    {"seq": e["seq"], "at": e["at"], "name": e["name"], "actor": e.get("actor"),
                     "command_id": e.get("command_id"),
                     "data": data(e.get("data") or {})} for e in events])
                if commands:
                    self._insert(conn, CommandRow.__table__, commands)
                self._project(conn, cases, room)
        except IntegrityError as e:
            if commands and self.known_commands((c["actor"], c["id"]) for c in commands):
                raise DuplicateCommand(str(e.orig)) from None
            if self.head() >= events[0]["seq"]:
                # another writer appended these seqs: not this batch's fault (see the lease)
                raise LogAhead(f"the log already holds seq {events[0]['seq']}") from None
            raise Unstorable(str(e.orig).splitlines()[0]) from None
        except DataError as e:                      # e.g. a NUL in a PostgreSQL text field
            raise Unstorable(str(e.orig).splitlines()[0]) from None
        except StatementError as e:                 # raised while binding: a value the driver cannot encode
            if isinstance(e.orig, (UnicodeError, ValueError)) and not isinstance(e, DBAPIError):
                raise Unstorable(str(e.orig)) from None
            raise
        except (UnicodeError, ValueError) as e:
            raise Unstorable(str(e)) from None

    def commands_after(self, seq: int) -> list[tuple[CommandKey, Known]]:
        """The commands committed after `seq`: ((account, id), (seq, digest)), oldest first."""
        with Session(self.engine) as s:
            rows = s.execute(select(CommandRow.actor, CommandRow.id, CommandRow.seq, CommandRow.digest)
                             .where(CommandRow.seq > seq).order_by(CommandRow.seq)).all()
        return [((r[0], r[1]), (r[2], r[3])) for r in rows]

    # ---- the cases projection and the room row --------------------------------
    _upserts: dict = {}

    _driver_sql: dict = {}

    def _insert(self, conn, table, rows: list[dict], key: str | None = None) -> None:
        """Insert rows (all with the same keys); `key`: ON CONFLICT (key) DO UPDATE. On SQLite
        as the driver's own multi-row statements (`sqlite_rows`; SQLAlchemy's compiled
        executemany spent ~20 us a case row binding parameters: a fifth of an import's
        commit); elsewhere through SQLAlchemy (psycopg's batched inserts)."""
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            if table.name == "cases":
                rows = _text_bodies(rows)
            if key is None:
                conn.execute(insert(table), rows)
            else:
                self._upsert(conn, table, rows, key)
            return
        names = tuple(rows[0])
        parts = self._driver_sql.get((table.name, names, key))
        if parts is None:
            cols = ", ".join(f'"{c}"' for c in names)
            head = f'INSERT INTO "{table.name}" ({cols})'
            tail = ""
            if key is not None:
                tail = f' ON CONFLICT ("{key}") DO UPDATE SET ' + ", ".join(
                    f'"{c}" = excluded."{c}"' for c in names if c != key)
            marks = tuple("CAST(? AS TEXT)" if (table.name, c) in _AS_TEXT else "?" for c in names)
            parts = self._driver_sql[(table.name, names, key)] = (head, tail, marks)
        sqlite_rows(conn, parts[0], parts[1], len(names), [r.get(c) for r in rows for c in names], parts[2])

    def _upsert(self, conn, table, rows: list[dict], key: str) -> None:
        """INSERT ... ON CONFLICT (key) DO UPDATE, the statement built once per table."""
        if not rows:
            return
        names = tuple(rows[0])
        q = self._upserts.get((conn.dialect.name, table.name, names))
        if q is None:
            from sqlalchemy.dialects import postgresql, sqlite
            q = (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))
            q = q.on_conflict_do_update(index_elements=[key],
                                        set_={c.name: q.excluded[c.name] for c in table.columns
                                              if c.name != key and c.name in names})
            self._upserts[(conn.dialect.name, table.name, names)] = q
        from . import kpihours, searchindex
        sqlite = conn.dialect.name == "sqlite"
        cases = table.name == "cases"
        # (SQLite) the rows inserted come after it: the search index's and the sums' new rows
        after = searchindex.last_rowid(conn) if cases and sqlite else None
        kpi = cases and self._kpi_hours(conn)
        groups = kpi and self._kpi_groups(conn)
        if kpi:         # the hours' and the groups' sums follow the rows (server/kpihours.py)
            kpihours.written(conn, rows, groups, after)
        if sqlite:
            self._insert(conn, table, rows, key)
        else:
            conn.execute(q, _text_bodies(rows) if cases else rows)
        if after is not None:
            if kpi:
                kpihours.added(conn, after, groups)
            if self._search_indexed(conn):    # the new rows into the search index, all at once
                searchindex.index_new(conn, after)

    def _project(self, conn, cases: list[dict] | None, room: tuple | None) -> None:
        if cases:
            self._upsert(conn, CaseRow.__table__, cases, "id")
        if room is not None:
            seq, head, street, teams = room
            if teams:
                self._upsert(conn, TeamRow.__table__, [{"id": k, "body": v} for k, v in teams.items()], "id")
            if street is not None:
                row = {"id": 1, "seq": seq, "head": _json_text(head), "street": json.dumps(street, ensure_ascii=False)}
                self._upsert(conn, RoomRow.__table__, [row], "id")
            else:       # (the driver's own statement: an update() built and compiled a batch was
                        # ~6 % of the database thread at an import's small batches)
                if conn.dialect.name == "sqlite":     # (the head as UTF-8: see _AS_TEXT)
                    done = driver_sql(conn, "UPDATE room SET seq = ?, head = CAST(? AS TEXT) WHERE id = 1",
                                      (seq, _json_bytes(head)))     # (every batch: orjson, ~5x json)
                else:
                    done = conn.exec_driver_sql("UPDATE room SET seq = %s, head = %s WHERE id = 1",
                                                (seq, _json_text(head)))
                if done.rowcount == 0:
                    conn.execute(insert(RoomRow), [{"id": 1, "seq": seq, "head": _json_text(head), "street": None}])

    def write_projection(self, cases: list[dict], seq: int, head: dict, street: dict | None,
                         teams: dict[str, str]) -> None:
        with self.engine.begin() as conn:
            if cases:          # (a migration before the newest writes the columns its table has)
                from sqlalchemy import inspect
                have = {c["name"] for c in inspect(conn).get_columns("cases")}
                if not have.issuperset(cases[0]):
                    cases = [{k: v for k, v in r.items() if k in have} for r in cases]
            for i in range(0, len(cases), 5000):
                self._upsert(conn, CaseRow.__table__, cases[i:i + 5000], "id")
            self._project(conn, None, (seq, head, street, teams))

    def load_room(self) -> tuple[int, dict, dict | None] | None:
        """(seq, head with its teams, street) of the room row, or None."""
        t = RoomRow.__table__
        tt = TeamRow.__table__
        with self.engine.connect() as c:
            r = c.execute(select(t.c.seq, t.c.head, t.c.street).where(t.c.id == 1)).first()
            if r is None:
                return None
            teams = [orjson.loads(b) for (b,) in c.execute(select(tt.c.body).order_by(tt.c.id))]
        head = orjson.loads(r[1])
        order = head.pop("team_order", None) or [x["id"] for x in teams]
        by_id = {x["id"]: x for x in teams}
        head["teams"] = [by_id[i] for i in order if i in by_id]
        return r[0], head, (orjson.loads(r[2]) if r[2] else None)

    def get_case_texts(self, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Case id -> (its JSON, the seq of the last event that changed it)."""
        ids = [i for i in ids if isinstance(i, str)]
        if not ids:
            return {}
        t = CaseRow.__table__
        out = {}
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                for r in c.execute(select(t.c.id, t.c.body, t.c.seq).where(t.c.id.in_(ids[i:i + 500]))):
                    out[r[0]] = (r[1], r[2])
        return out

    def window_rows(self, since: str, open_statuses: Iterable[str]) -> list[tuple[str, str, str, str]]:
        """(id, JSON, status, last update) of the window's cases: open ones, and closed ones
        updated since `since`."""
        t = CaseRow.__table__
        cols = (t.c.id, t.c.body, t.c.status, t.c.updated)
        with self.engine.connect() as c:
            rows = list(c.execute(select(*cols).where(t.c.status.in_(list(open_statuses)))))
            rows += c.execute(select(*cols).where(t.c.status == "closed", t.c.updated >= since))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def search_cases(self, words: list[str], before: tuple[str, str] | None = None, limit: int = 50,
                     closed_before: str | None = None) -> tuple[list[tuple[str, int]], bool]:
        """Cases whose search words hold every one of `words` (lower case), newest reported
        first, after the cursor `before` (reported, id); at most `limit`. Returns ((JSON,
        seq) of each, whether there are more). The words of 3 characters or more are looked
        up in the search index (server/searchindex.py) when the database has one."""
        from . import searchindex
        t = CaseRow.__table__
        q = select(t.c.body, t.c.seq, t.c.reported, t.c.id)
        pg = self.engine.url.get_backend_name() == "postgresql"
        for w in words:             # a substring test, not a LIKE pattern (2-3x faster on SQLite)
            q = q.where((func.strpos(t.c.words, w) if pg else func.instr(t.c.words, w)) > 0)
        if before is not None:
            q = q.where((t.c.reported < before[0]) | ((t.c.reported == before[0]) & (t.c.id < before[1])))
        if closed_before is not None:
            q = q.where(t.c.status == "closed", t.c.updated < closed_before)
        q = q.order_by(t.c.reported.desc(), t.c.id.desc()).limit(limit + 1)
        long = [w for w in words if len(w) >= searchindex.MIN_WORD]
        with self.engine.connect() as c:
            if long and self._search_indexed(c):
                if pg:      # LIKE on the trigram GIN index; the planner weighs it against the newest-first scan
                    for w in long:
                        q = q.where(t.c.words.like(searchindex.like_pattern(w), escape="\\"))
                else:
                    # a page among the newest cases first (words as common as one title's:
                    # the FTS5 lookup would intersect long doclists only to find more than
                    # its cap, 0.4-0.6 s with the index out of the cache at 1M cases)
                    page = self._newest_page(c, words, before, limit) if closed_before is None else None
                    if page is not None:
                        return page, True
                    # the FTS5 table's candidates: few are read, checked, sorted and paged
                    cap = searchindex.CANDIDATES
                    found = [r[0] for r in c.execute(
                        text(f"SELECT rowid FROM {searchindex.FTS} WHERE {searchindex.FTS} MATCH :m LIMIT :n"),
                        {"m": searchindex.fts_query(long), "n": cap + 1})]
                    if not found:
                        return [], False
                    if len(found) <= cap:     # more: a common word, the newest-first scan finds a page at once
                        q = q.where(literal_column("cases.rowid").in_(found))
            rows = c.execute(q).all()
        return [(r[0], r[1]) for r in rows[:limit]], len(rows) > limit

    PROBE = 20_000      # the newest cases a search looks at before asking the search index

    def _newest_page(self, conn, words: list[str], before: tuple[str, str] | None,
                     limit: int) -> list[tuple[str, int]] | None:
        """The search's page when the PROBE cases that come first in its order (newest
        reported first, after the cursor `before`) hold more than `limit` matches: they are
        then the first of all its matches. Read from the reported index alone (reported, id,
        words), then the page's bodies by key. None when they hold fewer."""
        t = CaseRow.__table__
        pre = select(t.c.id, t.c.reported, t.c.words)
        if before is not None:
            pre = pre.where((t.c.reported < before[0]) | ((t.c.reported == before[0]) & (t.c.id < before[1])))
        newest = pre.order_by(t.c.reported.desc(), t.c.id.desc()).limit(self.PROBE).subquery()
        q = select(newest.c.id)
        for w in words:
            q = q.where(func.instr(newest.c.words, w) > 0)
        ids = [r[0] for r in conn.execute(q.order_by(newest.c.reported.desc(), newest.c.id.desc()).limit(limit + 1))]
        if len(ids) <= limit:
            return None
        rows = conn.execute(select(t.c.body, t.c.seq).where(t.c.id.in_(ids[:limit]))
                            .order_by(t.c.reported.desc(), t.c.id.desc())).all()
        return [(r[0], r[1]) for r in rows]

    _indexed: bool | None = None
    _hours: bool = False
    _groups: bool = False

    def _kpi_hours(self, conn) -> bool:
        """Whether the database has the KPI hours (server/kpihours.py; an older schema, before
        migration 0013, does not: asked again until it has)."""
        if not self._hours:
            from . import kpihours
            self._hours = kpihours.present(conn)
        return self._hours

    def _kpi_groups(self, conn) -> bool:
        """Whether the database has the groups' days (server/kpihours.py; before migration
        0014 it does not: asked again until it has)."""
        if not self._groups:
            from . import kpihours
            self._groups = kpihours.groups_present(conn)
        return self._groups

    def _search_indexed(self, conn) -> bool:
        if self._indexed is None:
            from . import searchindex
            self._indexed = searchindex.indexed(conn)
        return self._indexed

    def kpi_counts(self, lo: str, hi: str, target_s: float, by: str | None = None,
                   prefix: int = 13) -> tuple[list[tuple], list[tuple]]:
        """models.kpi.fold in SQL, over the projection's KPI columns (covering indexes: a
        year is index entries, no case read), grouped by the first `prefix` characters of
        the time (13: the UTC hour, 16: the minute; 0: not by time) and the `by` column: (rows of the cases
        reported in [lo, hi): (time, key, reported, reported_closed, repeat_calls,
        dispatched, dispatch_ok, arrived, arrived_8min, arrived_target, on_scene_closed,
        sla_met, sla_judged, rated, satisfied, rating_sum), rows of the cases closed in it:
        (time, key, closed, on_scene, rated, satisfied)). kpi.COUNTS names them; the caller
        adds the groups into its periods and gives them to kpi.figures."""
        from sqlalchemy import Integer as Int
        from sqlalchemy import case as when
        from sqlalchemy import cast
        t = CaseRow.__table__
        col: Any = {"category": t.c.category, "area": t.c.area, "squad": t.c.squad}.get(by or "")
        key = col if col is not None else literal_column("NULL")
        one: Any = literal_column("1")
        width: Any = literal_column(str(int(prefix)))

        def n(cond):
            return func.coalesce(func.sum(when((cond, 1), else_=0)), 0)
        rk = func.substr(t.c.reported, one, width) if prefix else literal_column("NULL")
        q1 = (select(rk, key, func.count(), n(t.c.status == "closed"), func.coalesce(func.sum(t.c.repeat_calls), 0),
                     func.count(t.c.dispatch_ok), n(t.c.dispatch_ok == True),  # noqa: E712
                     func.count(t.c.arrival_s), n(t.c.arrival_s <= 480.0), n(t.c.arrival_s <= float(target_s)),
                     n(t.c.on_scene == True), n(t.c.sla == "met"), n(t.c.sla.in_(("met", "late"))),  # noqa: E712
                     func.count(t.c.rating), n(t.c.rating >= 4), func.coalesce(func.sum(cast(t.c.rating, Int)), 0))
              .where(t.c.reported >= lo, t.c.reported < hi)
              .group_by(*([rk] if prefix else []), *([col] if col is not None else [])))
        ck = func.substr(t.c.closed, one, width) if prefix else literal_column("NULL")
        done = t.c.merged == False  # noqa: E712
        q2 = (select(ck, key, n(done), n(done & (t.c.on_scene == True)), func.count(t.c.rating),  # noqa: E712
                     n(t.c.rating >= 4))
              .where(t.c.closed >= lo, t.c.closed < hi)
              .group_by(*([ck] if prefix else []), *([col] if col is not None else [])))
        with self.engine.connect() as c:        # (PostgreSQL sums are numeric: whole numbers here)
            return ([(r[0], r[1], *(int(x or 0) for x in r[2:])) for r in c.execute(q1)],
                    [(r[0], r[1], *(int(x or 0) for x in r[2:])) for r in c.execute(q2)])

    def sla_profile(self) -> str:
        t = RoomRow.__table__
        with self.engine.connect() as c:
            head = c.execute(select(t.c.head).where(t.c.id == 1)).scalar()
        return (orjson.loads(head).get("sla_profile") if head else None) or "1310"

    def case_stats(self, since: str, until: str, by: str, tz_minutes: int = 480) -> list[dict]:
        """Aggregates over [since, until), grouped by day (local, at tz_minutes from UTC),
        category, area or squad. Of the cases *reported* in it: reported, closed, on-scene
        closures, SLA met / judged, rated, satisfied (4-5), the sum of ratings; and `kpi`,
        the dashboard's figures for the group (models.kpi.figures over `kpi_counts`, the
        projection's KPI facts counted as kpi.fold counts them: each day its own period; a
        category, area or squad over the whole span): the numbers the dashboard and the
        reports give for the same cases."""
        from datetime import datetime, timedelta

        from models import kpi
        from models.sla import PROFILES
        target = kpi.arrival_target_s(PROFILES.get(self.sla_profile(), PROFILES["1310"]))
        prefix = (13 if tz_minutes % 60 == 0 else 16) if by == "day" else 0
        rep, shut = (self._day_counts(since, until, target, tz_minutes) if by == "day" and prefix == 13 else
                     self._group_counts(since, until, target, by) if by != "day" else
                     self.kpi_counts(since, until, target, None, prefix))
        shift = timedelta(minutes=tz_minutes)
        days: dict[str, str] = {}

        def group(at: str, k):
            if by != "day":
                return k
            if len(at) == 10:
                return at       # a day already (the KPI hours, added up by the database)
            d = days.get(at)
            if d is None:       # (by hand: strptime took ~40 us an hour, a year has 8,760 of them twice)
                t = datetime(int(at[:4]), int(at[5:7]), int(at[8:10]), int(at[11:13]),
                             int(at[14:16]) if prefix == 16 else 0) + shift
                d = days[at] = f"{t.year:04d}-{t.month:02d}-{t.day:02d}"
            return d
        fields = ("reported", "closed", "on_scene", "sla_met", "sla_judged", "rated", "satisfied", "rating_sum")
        cohort: dict = {}
        counts: dict = {}
        for (at, k, n, n_closed, calls, disp, disp_ok, arr, arr8, arrt, on_scene, met, judged, rated, sat,
             rsum) in rep:
            g = group(at, k)
            r = cohort.setdefault(g, dict.fromkeys(fields, 0))
            for f, v in zip(fields, (n, n_closed, on_scene, met, judged, rated, sat, rsum)):
                r[f] += v
            c = counts.setdefault(g, dict.fromkeys(kpi.COUNTS, 0))
            for f, v in zip(("reported", "reported_closed", "repeat_calls", "dispatched", "dispatch_ok", "arrived",
                             "arrived_8min", "arrived_target"), (n, n_closed, calls, disp, disp_ok, arr, arr8, arrt)):
                c[f] += v
        for at, k, done, on_scene, rated, sat in shut:
            c = counts.setdefault(group(at, k), dict.fromkeys(kpi.COUNTS, 0))
            for f, v in zip(("closed", "on_scene", "rated", "satisfied"), (done, on_scene, rated, sat)):
                c[f] += v
        return [{"key": g, **(cohort.get(g) or dict.fromkeys(fields, 0)), "kpi": kpi.figures(counts[g], target)}
                for g in sorted(counts, key=lambda x: (x is None, x or ""))]

    def _day_counts(self, since: str, until: str, target: float, tz_minutes: int) -> tuple[list[tuple], list[tuple]]:
        """kpi_counts for the aggregates by day: the whole hours from the KPI hours table
        (server/kpihours.py), added up by local day in the database (rows keyed YYYY-MM-DD), the
        part-hours at either end from the cases by UTC hour; all from the cases without the
        table or for a target it does not count."""
        from . import kpihours
        with self.engine.connect() as c:
            whole = kpihours.split(since, until) if kpihours.usable(target) and self._kpi_hours(c) else None
            if whole is not None:
                rep, shut = kpihours.hours(c, whole[0], whole[1], target, tz_minutes)
        if whole is None:
            return self.kpi_counts(since, until, target, None, 13)
        for lo, hi in ((since, whole[0]), (whole[1], until)):
            r, s = self.kpi_counts(lo, hi, target, None, 13)
            rep += r
            shut += s
        return rep, shut

    def hour_span_sums(self, spans: dict[str, str], target: float) -> dict[str, tuple] | None:
        """For each [lo, hi) of `spans` (ISO bounds on the hour), the KPI hours in it added up
        (server/kpihours.py span_sums: the reported cohort's sums in kpi_counts' order, the
        closed one's); None without the table or for a target it does not count."""
        from . import kpihours
        if not kpihours.usable(target):
            return None
        with self.engine.connect() as c:
            if not self._kpi_hours(c):
                return None
            return {lo: kpihours.span_sums(c, lo[:13], hi[:13], target) for lo, hi in spans.items()}

    def _group_counts(self, since: str, until: str, target: float, by: str) -> tuple[list[tuple], list[tuple]]:
        """kpi_counts by category, area or squad over [since, until): the whole UTC days from
        the groups' days (server/kpihours.py), the part-days at either end from the cases;
        all from the cases without the table or for a target it does not count."""
        from . import kpihours
        whole = None
        with self.engine.connect() as c:
            if kpihours.usable(target) and by in kpihours.DIMS and self._kpi_groups(c):
                whole = kpihours.split_days(since, until)
                if whole is not None:
                    rep, shut = kpihours.group_sums(c, by, whole[0], whole[1], target)
        if whole is None:
            return self.kpi_counts(since, until, target, by, 0)
        for lo, hi in ((since, whole[0]), (whole[1], until)):
            if lo < hi:
                r, s = self.kpi_counts(lo, hi, target, by, 0)
                rep += r
                shut += s
        return rep, shut

    def count_cases(self) -> int:
        with self.engine.connect() as c:
            return c.execute(select(func.count()).select_from(CaseRow.__table__)).scalar() or 0

    def events_after(self, seq: int, upto: int | None = None, limit: int | None = None) -> list[dict]:
        t = EventRow.__table__
        q = select(t.c.seq, t.c.at, t.c.name, t.c.actor, t.c.command_id, t.c.data).where(t.c.seq > seq).order_by(t.c.seq)
        if upto is not None:
            q = q.where(t.c.seq <= upto)
        if limit:
            q = q.limit(limit)
        loads = orjson.loads
        with self.engine.connect() as c:     # plain rows, not ORM objects: 3x faster for a catch-up
            return [{"type": "event", "seq": r[0], "at": r[1], "name": r[2], "actor": r[3], "command_id": r[4],
                     "data": loads(r[5])} for r in c.execute(q)]

    def known_commands(self, keys: Iterable[CommandKey]) -> dict[CommandKey, Known]:
        """Which of these (account, id) the log holds, with their (seq, digest)."""
        keys = set(keys)
        if not keys:
            return {}
        found: dict[CommandKey, Known] = {}
        ids = sorted({k[1] for k in keys})
        with Session(self.engine) as s:
            for i in range(0, len(ids), 500):
                q = select(CommandRow.actor, CommandRow.id, CommandRow.seq, CommandRow.digest).where(
                    CommandRow.id.in_(ids[i:i + 500]))
                for r in s.execute(q):
                    if (r[0], r[1]) in keys:
                        found[(r[0], r[1])] = (r[2], r[3])
        return found

    def recent_commands(self, limit: int) -> list[tuple[CommandKey, Known]]:
        """The newest `limit` commands ((account, id), (seq, digest)), oldest first."""
        t = CommandRow.__table__
        with self.engine.connect() as c:      # plain rows along ix_commands_seq (200k: ~0.2 s)
            rows = c.execute(select(t.c.actor, t.c.id, t.c.seq, t.c.digest)
                             .order_by(t.c.seq.desc()).limit(limit)).all()
        return [((r[0], r[1]), (r[2], r[3])) for r in reversed(rows)]

    def save_snapshot(self, seq: int, state_json: str) -> None:
        """(The first release's whole-state blob; kept for tests of a database made by it.
        The server no longer writes these: the cases projection and the room row are its
        snapshot, written per case with every batch.)"""
        with Session(self.engine) as s, s.begin():
            s.merge(SnapshotRow(seq=seq, state=state_json))
            # keep the three newest
            old = s.scalars(select(SnapshotRow.seq).order_by(SnapshotRow.seq.desc()).offset(3)).all()
            for o in old:
                s.delete(s.get(SnapshotRow, o))

    def latest_snapshot(self) -> tuple[int, dict] | None:
        t = SnapshotRow.__table__
        with self.engine.connect() as c:
            row = c.execute(select(t.c.seq, t.c.state).order_by(t.c.seq.desc()).limit(1)).first()
            return (row[0], _loads(row[1])) if row else None

    # ---- accounts --------------------------------------------------------
    # ---- replay checkpoints (server/replay.py) ------------------------------------
    def write_checkpoint(self) -> tuple[int, str] | None:
        """Copy the room row and the squads, as they stand at the room's seq, into a
        checkpoint (one transaction: both were written by the same commit). Returns (seq,
        at), or None when there is no room row or no event yet."""
        t, tt, e = RoomRow.__table__, TeamRow.__table__, EventRow.__table__
        with self.engine.begin() as c:
            r = c.execute(select(t.c.seq, t.c.head).where(t.c.id == 1)).first()
            if r is None or not r[0]:
                return None
            at = c.execute(select(e.c.at).where(e.c.seq == r[0])).scalar()
            if at is None:
                return None
            if c.execute(select(CheckpointRow.seq).where(CheckpointRow.seq == r[0])).first() is not None:
                return r[0], at
            teams = b",".join(b.encode() for (b,) in c.execute(select(tt.c.body).order_by(tt.c.id)))
            body = b'{"head":' + r[1].encode() + b',"teams":[' + teams + b"]}"
            c.execute(insert(CheckpointRow), [{"seq": r[0], "at": at, "body": body.decode()}])
            return r[0], at

    def checkpoint_at_or_before(self, seq: int) -> tuple[int, str, dict] | None:
        """The newest checkpoint at or before `seq`: (seq, at, {"head", "teams"}), or None."""
        c_ = CheckpointRow.__table__
        with self.engine.connect() as c:
            r = c.execute(select(c_.c.seq, c_.c.at, c_.c.body).where(c_.c.seq <= seq)
                          .order_by(c_.c.seq.desc()).limit(1)).first()
        return None if r is None else (r[0], r[1], orjson.loads(r[2]))

    def latest_checkpoint(self) -> tuple[int, str] | None:
        c_ = CheckpointRow.__table__
        with self.engine.connect() as c:
            r = c.execute(select(c_.c.seq, c_.c.at).order_by(c_.c.seq.desc()).limit(1)).first()
        return None if r is None else (r[0], r[1])

    def first_checkpoint(self) -> tuple[int, str] | None:
        c_ = CheckpointRow.__table__
        with self.engine.connect() as c:
            r = c.execute(select(c_.c.seq, c_.c.at).order_by(c_.c.seq).limit(1)).first()
        return None if r is None else (r[0], r[1])

    def events_by_seq(self, seqs: list[int]) -> list[dict]:
        """The events at these seqs (read by key), in seq order."""
        t = EventRow.__table__
        out: list[dict] = []
        loads = orjson.loads
        with self.engine.connect() as c:
            for i in range(0, len(seqs), 500):
                q = select(t.c.seq, t.c.at, t.c.name, t.c.actor, t.c.command_id, t.c.data).where(
                    t.c.seq.in_(seqs[i:i + 500]))
                out += [{"type": "event", "seq": r[0], "at": r[1], "name": r[2], "actor": r[3],
                         "command_id": r[4], "data": loads(r[5])} for r in c.execute(q)]
        out.sort(key=lambda ev: ev["seq"])
        return out

    def add_user(self, name: str, role: str, password_hash: str, team_id: str | None = None,
                 department: str | None = None, grids: Iterable[str] | None = None) -> None:
        """Add a user, or update one (a new password ends its tokens)."""
        gtext = ",".join(grids) if grids else None
        with Session(self.engine) as s, s.begin():
            row = s.get(UserRow, name)
            if row is None:
                s.add(UserRow(name=name, role=role, team_id=team_id, password_hash=password_hash,
                              disabled=False, department=department, grids=gtext))
            else:
                row.role, row.team_id, row.password_hash = role, team_id, password_hash
                row.department, row.grids = department, gtext
                s.execute(delete(TokenRow).where(TokenRow.user == name))
            self._bump_accounts(s)

    # Every change to an account bumps the `accounts_rev` counter in `meta`, in the same
    # transaction: a running server polls it and ends or refreshes the sessions concerned.
    @staticmethod
    def _bump_accounts(s: Session) -> None:
        row = s.get(MetaRow, "accounts_rev")
        if row is None:
            s.add(MetaRow(key="accounts_rev", value="1"))
        else:
            row.value = str(int(row.value) + 1)

    def accounts_rev(self) -> int:
        with self.engine.connect() as c:
            v = c.execute(select(MetaRow.value).where(MetaRow.key == "accounts_rev")).scalar()
        return int(v) if v else 0

    def _user_row(self, s: Session, name: str) -> UserRow:
        row = s.get(UserRow, name)
        if row is None:
            raise StoreError(f"no user {name!r}")
        return row

    def set_password(self, name: str, password_hash: str) -> None:
        """A new password; every token issued before it stops working."""
        with Session(self.engine) as s, s.begin():
            row = self._user_row(s, name)
            row.password_hash = password_hash
            s.execute(delete(TokenRow).where(TokenRow.user == name))
            self._bump_accounts(s)

    def set_disabled(self, name: str, disabled: bool) -> None:
        with Session(self.engine) as s, s.begin():
            row = self._user_row(s, name)
            row.disabled = disabled
            if disabled:
                s.execute(delete(TokenRow).where(TokenRow.user == name))
            self._bump_accounts(s)

    def set_role(self, name: str, role: str, team_id: str | None, department: str | None = None,
                 grids: Iterable[str] | None = None) -> None:
        with Session(self.engine) as s, s.begin():
            row = self._user_row(s, name)
            row.role, row.team_id = role, team_id
            row.department, row.grids = department, (",".join(grids) if grids else None)
            self._bump_accounts(s)

    # ---- one-time login codes ----------------------------------------------
    def add_login_code(self, code_hash: str, user: str, expires: float) -> None:
        now = time.time()
        with Session(self.engine) as s, s.begin():
            self._user_row(s, user)
            s.add(LoginCodeRow(code_hash=code_hash, user=user, created=now, expires=expires, used=None))
            # codes a day past their end are of no more use to anyone
            s.execute(delete(LoginCodeRow).where(LoginCodeRow.expires < now - 86400))

    def redeem_login_code(self, code_hash: str, now: float, token_hash: str, expires: float,
                          peer: str | None) -> dict | None:
        """A one-time code's login in one transaction: the code marked used (if unused and
        unexpired), the user read, and (for an enabled user) the session token stored and the
        login audited. Returns the user (as get_user) or None; a disabled user's code is used
        up and no token is stored."""
        r = LoginCodeRow
        with Session(self.engine) as s, s.begin():
            done = s.connection().execute(update(r).where(r.code_hash == code_hash, r.used.is_(None),
                                                          r.expires > now).values(used=now))
            if done.rowcount != 1:
                return None
            name = s.execute(select(r.user).where(r.code_hash == code_hash)).scalar()
            u = s.get(UserRow, name)
            if u is None:
                return None
            user = {"name": u.name, "role": u.role, "team_id": u.team_id, "password_hash": u.password_hash,
                    "department": u.department, "grids": _grids(u.grids), "disabled": u.disabled}
            if not u.disabled:
                s.add(TokenRow(token_hash=token_hash, user=u.name, expires=expires))
                s.add(AuditRow(at=time.time(), user=u.name, action="login", detail=f"{u.role} (one-time code)",
                               peer=peer))
            return user

    def list_users(self) -> list[dict]:
        now = time.time()
        with Session(self.engine) as s:
            live = dict(s.execute(select(TokenRow.user, func.count()).where(TokenRow.expires > now)
                                  .group_by(TokenRow.user)).all())
            return [{"name": r.name, "role": r.role, "team_id": r.team_id, "disabled": bool(r.disabled),
                     "department": r.department, "grids": _grids(r.grids), "tokens": live.get(r.name, 0)}
                    for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def users_and_tokens(self, names: list[str]) -> dict[str, tuple[dict, set[str]]]:
        """For each user named that exists: (its row, the hashes of its unexpired tokens)."""
        now = time.time()
        out: dict[str, tuple[dict, set[str]]] = {}
        with Session(self.engine) as s:
            for r in s.scalars(select(UserRow).where(UserRow.name.in_(names))):
                out[r.name] = ({"name": r.name, "role": r.role, "team_id": r.team_id, "disabled": r.disabled,
                                "department": r.department, "grids": _grids(r.grids)},
                               set())
            for user, h in s.execute(select(TokenRow.user, TokenRow.token_hash)
                                     .where(TokenRow.user.in_(names), TokenRow.expires > now)):
                if user in out:
                    out[user][1].add(h)
        return out

    def drop_token(self, token_hash: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(TokenRow).where(TokenRow.token_hash == token_hash))

    def token_info(self, token_hash: str) -> tuple[str, float] | None:
        """(user, expiry) of an unexpired token, else None."""
        with Session(self.engine) as s:
            r = s.get(TokenRow, token_hash)
            if r is None or r.expires < time.time():
                return None
            return r.user, r.expires

    def get_user(self, name: str) -> dict | None:
        with Session(self.engine) as s:
            r = s.get(UserRow, name)
            if r is None:
                return None
            return {"name": r.name, "role": r.role, "team_id": r.team_id, "password_hash": r.password_hash,
                    "department": r.department, "grids": _grids(r.grids),
                    "disabled": r.disabled}

    def add_token(self, token_hash: str, user: str, expires: float) -> None:
        with Session(self.engine) as s, s.begin():
            s.add(TokenRow(token_hash=token_hash, user=user, expires=expires))
            s.execute(TokenRow.__table__.delete().where(TokenRow.expires < time.time()))

    def meta_secret(self, key: str) -> str:
        """A secret of this database (made at the first ask, kept in `meta`): the HMAC key of
        residents' rating links (server/resident.py)."""
        import secrets as _secrets
        with Session(self.engine) as s, s.begin():
            row = s.get(MetaRow, key)
            if row is None:
                row = MetaRow(key=key, value=_secrets.token_hex(32))
                s.add(row)
            return row.value

    def audit(self, user: str | None, action: str, detail: str = "", peer: str | None = None) -> None:
        """Record a login or session event; on a full disk it is logged instead (a login must
        not fail for want of its audit row)."""
        try:
            with Session(self.engine) as s, s.begin():
                s.add(AuditRow(at=time.time(), user=user, action=action, detail=detail, peer=peer))
        except OperationalError as e:
            if not is_full(e):
                raise
            log.warning("disk full: audit not recorded: %s %s from %s", (user or "")[:60], action, peer)

    def audit_rows(self, limit: int = 100) -> list[dict]:
        with Session(self.engine) as s:
            rows = s.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)).all()
            return [{"at": r.at, "user": r.user, "action": r.action, "detail": r.detail, "peer": r.peer}
                    for r in rows]

    def write_probe(self) -> bool:
        """A write that needs room on the disk (a few new pages), committed and removed: it
        fails while the disk is full."""
        with self.engine.begin() as c:
            c.execute(text("DELETE FROM meta WHERE key = 'probe'"))
            c.execute(text("INSERT INTO meta (key, value) VALUES ('probe', :v)"), {"v": os.urandom(6000).hex()})
        with self.engine.begin() as c:
            c.execute(text("DELETE FROM meta WHERE key = 'probe'"))
        return True

    def ping(self) -> bool:
        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))
        return True
