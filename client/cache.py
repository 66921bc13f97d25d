"""The cockpit's local cache: SQLite through SQLAlchemy, one file per server and user.

Holds the latest state and the outbox of commands not yet
acknowledged. The state is kept as one row per case plus a small head (seq, mode, squads)
and the street, so that

- a batch of live events writes only the cases it touched (never the whole state), and
- start-up reads the hot part first (open cases and those updated in the last day: what
  the first screen shows) and streams the closed history after it, in pages;
- closed cases older than the cockpit's window (30 days by default) stay here, out of
  memory: the archive, searched on request (`search_archive`) and read back when an event
  touches one of them (`get_cases`).

Every method is synchronous and is called on the session's single cache thread, never on
the UI thread. Disk full or a locked file raise `sqlalchemy.exc.OperationalError`; the
session keeps working from memory and says the cache is unavailable.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import orjson
from sqlalchemy import Float, Index, Integer, String, Text, create_engine, delete, event, inspect, select, text
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from models.compact import expand_all
from models.domain import OPEN_STATUSES
from models.search import matches_base, search_base, words_of

from .cachefile import COLD_PAGE, HOT_WINDOW, hot_state, last_update

SCHEMA = "2"
ARCHIVE_HITS = 500            # cases one archive search brings into the queue at most


class StageLost(Exception):
    """A snapshot's pages did not all reach the cache (or none was staged): it cannot be
    committed; the cache still holds its previous state, whole."""


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """seq, head (the state without cases and street), street, token, saved_at, schema."""
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, index=True)
    updated: Mapped[float] = mapped_column(Float, index=True)   # epoch seconds
    body: Mapped[str] = mapped_column(Text)
    search: Mapped[str | None] = mapped_column(Text)          # models.search.search_base
    # the archive search reads this index, not the table's bodies (~70 bytes a case, not ~1 KB)
    __table_args__ = (Index("ix_cases_archive", "open", "updated", "search"),)


class OutboxRow(Base):
    """A command the operator issued, kept until the server acknowledges or refuses it."""
    __tablename__ = "outbox"
    order: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    args: Mapped[str] = mapped_column(Text)
    created: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="pending")   # pending | refused
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)


def case_row(case: dict) -> dict:
    """A case as the cache stores it. Called on the loop thread for the few cases a batch
    touched (the dict is the live one), or on the cache thread for a snapshot's own copy."""
    return {"id": case["id"], "open": int(case["status"] in OPEN_STATUSES),
            "updated": last_update(case),
            "body": json.dumps(case, ensure_ascii=False, separators=(",", ":")), "search": search_base(case)}


def state_head(state: dict) -> str:
    """The state without its cases and street (seq, mode, profile, squads): small."""
    return json.dumps({k: v for k, v in state.items() if k not in ("cases", "street")},
                      ensure_ascii=False, separators=(",", ":"))


def cache_engine(path: Path, busy_ms: int = 3000):
    """An engine on the cache file (its folder made): WAL, synchronous=NORMAL, and a busy
    timeout, since the link's cache thread and the evidence thread both write the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _rec):
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.close()
    return engine


class Cache:
    def __init__(self, path: str | Path, busy_ms: int = 3000):
        """`busy_ms`: how long a write waits for another holder of the file before it fails
        (and the operator is told the cache is locked)."""
        self.path = Path(path)
        self.engine = cache_engine(self.path, busy_ms=busy_ms)

        self._migrate()
        Base.metadata.create_all(self.engine)
        for ix in Base.metadata.tables[CaseRow.__tablename__].indexes:   # an older schema lacks the newer ones
            ix.create(self.engine, checkfirst=True)
        for suffix in ("", "-wal", "-shm"):     # the token lives here: readable by the user only
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.chmod(p, 0o600)

    def _migrate(self) -> None:
        """Schema 1 kept one JSON snapshot plus events: drop them (the server refills the
        state); the outbox and the token are kept."""
        tables = set(inspect(self.engine).get_table_names())
        if "snapshot" in tables or "events" in tables:
            with self.engine.begin() as c:
                c.execute(text("DROP TABLE IF EXISTS snapshot"))
                c.execute(text("DROP TABLE IF EXISTS events"))
                c.execute(text("DELETE FROM meta WHERE key IN ('saved_at', 'seq', 'head', 'street')"))
        elif "cases" in tables and "search" not in {col["name"] for col in inspect(self.engine).get_columns("cases")}:
            with self.engine.begin() as c:           # schema 2: rows without it are searched in the body
                c.execute(text("ALTER TABLE cases ADD COLUMN search TEXT"))

    def close(self) -> None:
        self.engine.dispose()

    # ---- state: reading ------------------------------------------------------
    def load_hot(self, now: float | None = None, since: float | None = None) -> tuple[dict | None, float | None]:
        """The cached state with its hot cases only (see client.cachefile.hot_state); the
        rest comes from `load_cold`."""
        now = time.time() if now is None else now
        conn = self.engine.raw_connection()
        try:
            return hot_state(conn, now, since)
        finally:
            conn.close()

    def load_cold(self, now: float, after: tuple[float, int] | None = None, limit: int = COLD_PAGE,
                  since: float | None = None) -> tuple[list[dict], tuple[float, int] | None]:
        """One page of the cases `load_hot` left out (updated at or after `since`, when
        given: older ones are the archive), in order of update along the index, so that a
        window of 30 days in a cache of five years reads only the window. Returns (cases,
        the cursor to pass next); an empty list at the end."""
        lo = -1.0 if since is None else since
        cur_u, cur_r = after if after is not None else (lo, -1)
        with self.engine.connect() as c:      # plain SQL: this runs 20 times at 100k cases
            rows = c.exec_driver_sql(
                "SELECT updated, rowid, body FROM cases WHERE open = 0 AND updated >= ? AND updated < ? "
                "AND (updated, rowid) > (?, ?) ORDER BY updated, rowid LIMIT ?",
                (lo, now - HOT_WINDOW, cur_u, cur_r, limit)).all()
        if not rows:
            return [], after
        loads = orjson.loads
        return [loads(b) for _u, _r, b in rows], (rows[-1][0], rows[-1][1])

    # ---- the archive: closed cases older than the cockpit's window -------------
    def get_cases(self, ids) -> list[dict]:
        """The cached cases with these ids (those the cache has)."""
        ids = list(ids)
        out: list[dict] = []
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                rows = c.exec_driver_sql(
                    f"SELECT body FROM cases WHERE id IN ({','.join('?' * len(part))})", tuple(part)).all()
                out.extend(orjson.loads(r[0]) for r in rows)
        return out

    def search_archive(self, text: str, before: float, limit: int = ARCHIVE_HITS) -> tuple[list[dict], bool]:
        """Closed cases last updated before `before` whose id, title, address, grid, squad or
        business hold every word of `text`, newest first; at most `limit`. Returns (cases,
        whether there were more). SQLite narrows by each word in the stored body; the exact
        rule (models.search, without pinyin) decides."""
        words = words_of(text)
        if not words:
            return [], False
        # rows of an older cache have no search text yet: those are looked for in the body
        sql = "SELECT body FROM cases WHERE open = 0 AND updated < ?" + \
              " AND (instr(search, ?) > 0 OR (search IS NULL AND instr(lower(body), ?) > 0))" * len(words) + \
              " ORDER BY updated DESC"
        out: list[dict] = []
        with self.engine.connect() as c:
            for (body,) in c.exec_driver_sql(sql, (before, *(w for w in words for _ in (0, 1)))):
                case = orjson.loads(body)
                if matches_base(case, words):
                    if len(out) == limit:
                        return out, True
                    out.append(case)
        return out, False

    def count_archive(self, before: float) -> int:
        with self.engine.connect() as c:
            return c.exec_driver_sql("SELECT count(*) FROM cases WHERE open = 0 AND updated < ?",
                                     (before,)).scalar_one()

    def load(self) -> tuple[dict | None, float | None]:
        """The whole cached state at once (tools and tests; the cockpit pages it in)."""
        now = time.time()
        state, saved = self.load_hot(now)
        if state is None:
            return None, None
        after = None
        while True:
            cases, after = self.load_cold(now, after)
            if not cases:
                return state, saved
            state["cases"].update((c["id"], c) for c in cases)

    # ---- state: writing ------------------------------------------------------
    def write(self, seq: int, head: str, rows: list[dict], street: str | None = None) -> None:
        """One batch of live changes: the cases it touched, the head, atomically."""
        with Session(self.engine) as s, s.begin():
            self._upsert(s, rows)
            self._put_meta(s, seq, head, street)

    def replace_all(self, seq: int, head: str, street: str | None, case_pages,
                    rows: Sequence[dict] = ()) -> None:
        """A whole new state (a snapshot from the server): `case_pages` yields lists of
        cases (plain dicts nobody else holds), then `rows` (cases changed since) go over
        them; one transaction."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(CaseRow))
            for cases in case_pages:
                self._upsert(s, [case_row(c) for c in cases])
            self._upsert(s, list(rows))
            self._put_meta(s, seq, head, street)

    # ---- a snapshot written as it arrives: pages into a staging table, then one swap --------
    _stage_error: BaseException | None = StageLost("no snapshot is staged")

    def stage_begin(self) -> None:
        """Start staging a snapshot (an unfinished one is dropped)."""
        self._stage_error = None
        try:
            with self.engine.begin() as c:
                c.exec_driver_sql("DROP TABLE IF EXISTS staged_cases")
                c.exec_driver_sql("CREATE TABLE staged_cases (id VARCHAR(40) PRIMARY KEY, open INTEGER, "
                                  "updated FLOAT, body TEXT, search TEXT)")
        except Exception as e:
            self._stage_error = e
            raise

    def stage_page(self, raw: str | bytes, first: bool) -> None:
        """The cases of one snapshot frame (its raw text: this thread decodes its own copy),
        into the staging table. After a failed page the rest are skipped."""
        if self._stage_error is not None:
            return
        try:
            msg = orjson.loads(raw)
            cases = expand_all((msg["state"].get("cases") or []) if first else (msg.get("cases") or []))
            if cases:
                with self.engine.begin() as c:
                    c.exec_driver_sql(
                        "INSERT OR REPLACE INTO staged_cases (id, open, updated, body, search) "
                        "VALUES (:id, :open, :updated, :body, :search)", [case_row(x) for x in cases])
        except Exception as e:
            self._stage_error = e
            raise

    def stage_commit(self, seq: int, head: str, street: str | None, rows: Sequence[dict] = ()) -> None:
        """The staged snapshot becomes the cached state, with `rows` (cases changed since)
        over it and the head at `seq`: one transaction. StageLost if a page is missing; any
        other error leaves the staged pages for another try."""
        if self._stage_error is not None:
            raise StageLost(f"the snapshot did not reach the cache: {self._stage_error}") from self._stage_error
        with Session(self.engine) as s, s.begin():
            s.execute(delete(CaseRow))
            s.execute(text("INSERT INTO cases (id, open, updated, body, search) "
                           "SELECT id, open, updated, body, search FROM staged_cases"))
            self._upsert(s, list(rows))
            self._put_meta(s, seq, head, street)
            s.execute(text("DROP TABLE staged_cases"))
        self._stage_error = StageLost("no snapshot is staged")

    def probe(self) -> None:
        """A write needing fresh pages (a table, 64 KiB): raises while the cache cannot take it."""
        with self.engine.begin() as c:
            c.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe_space (x BLOB)")
            c.exec_driver_sql("INSERT INTO probe_space VALUES (zeroblob(65536))")
            c.exec_driver_sql("DROP TABLE probe_space")

    def save_state(self, state: dict) -> None:
        """Write a whole state held by the caller (tools, tests, benchmarks)."""
        cases = list(state["cases"].values())
        pages = (cases[i:i + COLD_PAGE] for i in range(0, len(cases), COLD_PAGE))
        street = json.dumps(state["street"], ensure_ascii=False) if state.get("street") else None
        self.replace_all(state["seq"], state_head(state), street, pages)

    @staticmethod
    def _upsert(s: Session, rows: list[dict]) -> None:
        if rows:
            stmt = insert(CaseRow)
            s.execute(stmt.on_conflict_do_update(index_elements=[CaseRow.id], set_={
                "open": stmt.excluded.open, "updated": stmt.excluded.updated, "body": stmt.excluded.body,
                "search": stmt.excluded.search}), rows)

    @staticmethod
    def _put_meta(s: Session, seq: int, head: str, street: str | None) -> None:
        pairs = {"seq": str(seq), "head": head, "saved_at": str(time.time()), "schema": SCHEMA}
        if street is not None:
            pairs["street"] = street
        for k, v in pairs.items():
            s.merge(Meta(key=k, value=v))

    # ---- token -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with Session(self.engine) as s:
            row = s.get(Meta, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        with Session(self.engine) as s, s.begin():
            if value is None:
                s.execute(delete(Meta).where(Meta.key == key))
            else:
                s.merge(Meta(key=key, value=value))

    def forget_token(self) -> None:
        """Remove a token an older version kept here, and the copies in the -wal."""
        self.set_meta("token", None)
        with self.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- outbox ------------------------------------------------------------
    def outbox_add(self, cid: str, name: str, args: dict) -> None:
        with Session(self.engine) as s, s.begin():
            s.add(OutboxRow(id=cid, name=name, args=json.dumps(args, ensure_ascii=False), created=time.time(),
                            status="pending"))

    def outbox_done(self, cid: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(OutboxRow).where(OutboxRow.id == cid))

    def outbox_refused(self, cid: str, code: str, message: str) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.scalars(select(OutboxRow).where(OutboxRow.id == cid)).first()
            if row:
                row.status, row.code, row.message = "refused", code, message

    def outbox_dismiss(self, cid: str) -> None:
        self.outbox_done(cid)

    def outbox(self) -> list[dict]:
        with Session(self.engine) as s:
            return [{"id": r.id, "name": r.name, "args": json.loads(r.args), "created": r.created,
                     "status": r.status, "code": r.code, "message": r.message}
                    for r in s.scalars(select(OutboxRow).order_by(OutboxRow.order))]
