"""The cockpit's local cache: SQLite through SQLAlchemy, one file per server and user.

Holds the latest state (a snapshot plus the events after it), the session token and the
outbox of commands not yet acknowledged. Every method is synchronous and is called on the
session's single cache thread, never on the UI thread.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Float, Integer, String, Text, create_engine, delete, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from models.state import from_wire, to_wire, apply


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Snapshot(Base):
    __tablename__ = "snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(Text)


class CachedEvent(Base):
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)


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


def default_cache_path(server_url: str, user: str) -> Path:
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{server_url.split('://')[-1]}-{user}").strip("_")
    return Path(user_data_dir("xiaonao", appauthor=False)) / "cache" / f"{key}.db"


class Cache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{self.path}")

        @event.listens_for(self.engine, "connect")
        def _pragmas(conn, _rec):
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=3000")
            cur.close()

        Base.metadata.create_all(self.engine)
        for suffix in ("", "-wal", "-shm"):     # the token lives here: readable by the user only
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.chmod(p, 0o600)

    def close(self) -> None:
        self.engine.dispose()

    # ---- state -------------------------------------------------------------
    def load(self) -> tuple[dict | None, float | None]:
        """The cached state (snapshot + events after it) and when it was last saved."""
        with Session(self.engine) as s:
            snap = s.get(Snapshot, 1)
            if snap is None:
                return None, None
            state = from_wire(json.loads(snap.state))
            state["seq"] = snap.seq
            saved = snap.saved_at
            for row in s.scalars(select(CachedEvent).where(CachedEvent.seq > snap.seq).order_by(CachedEvent.seq)):
                ev = json.loads(row.body)
                if ev["seq"] != state["seq"] + 1:
                    break
                apply(state, ev)
            saved_meta = s.get(Meta, "saved_at")
            if saved_meta:
                saved = max(saved, float(saved_meta.value))
            return state, saved

    def save_snapshot(self, seq: int, state_json: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.merge(Snapshot(id=1, seq=seq, saved_at=time.time(), state=state_json))
            s.execute(delete(CachedEvent))
            s.merge(Meta(key="saved_at", value=str(time.time())))

    def append_events(self, events: list[dict]) -> None:
        with Session(self.engine) as s, s.begin():
            for ev in events:
                s.merge(CachedEvent(seq=ev["seq"], body=json.dumps(ev, ensure_ascii=False)))
            s.merge(Meta(key="saved_at", value=str(time.time())))

    @staticmethod
    def state_json(state: dict) -> str:
        return json.dumps(to_wire(state), ensure_ascii=False)

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
