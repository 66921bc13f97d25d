"""The server's window and archive: the cases projection, restart from it, events on cases
outside the window, the schema's migrations (Alembic) from the first release's database."""
from __future__ import annotations

import json
import time

import pytest

from .conftest import RawClient, drop_pg, fresh_pg_url, pg_available, ws_url
from .history import History, write_first_release

DAY = 86400.0
BACKENDS = ("sqlite", "postgres")          # the server's database matters here


@pytest.fixture
def empty_url(tmp_path, backend):
    if backend == "postgres":
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        url = fresh_pg_url()
        yield url
        drop_pg(url)
    else:
        yield f"sqlite:///{tmp_path}/server.db"


def two_years() -> History:
    """About 150 closed cases over the last two years, then two open ones today."""
    now = time.time()
    h = History(now - 730 * DAY)
    h.old = h.case(title="两年前的井盖破损", address="九堡大道1号")     # the oldest case, two years old
    h.spread(150, now - 2 * DAY)
    h.now = now - 3600
    h.open = [h.case(close=False), h.case(close=False)]
    h.recent = h.case()
    return h


async def test_a_first_release_database_upgrades_and_serves_its_data(empty_url, capsys):
    """A database written the way the first release wrote it (no alembic_version, snapshot
    blobs, two years of cases) is refused by `serve` naming the upgrade command; `upgrade`
    builds the cases projection; the server then serves the same state, its window only in
    memory, and the old cases from the archive."""
    from models.state import apply, empty_state
    from server.app import XiaonaoServer
    from server.cli import main
    from server.store import EventStore, StoreError
    h = two_years()
    write_first_release(empty_url, h)
    store = EventStore(empty_url)
    with pytest.raises(StoreError, match="xiaonao-server upgrade --db"):
        store.check_initialised()
    store.dispose()
    assert main(["upgrade", "--db", empty_url]) == 0
    assert "0001 -> 0002" in capsys.readouterr().out
    assert main(["upgrade", "--db", empty_url]) == 0
    assert "up to date" in capsys.readouterr().out
    full = empty_state()
    for ev in h.events:
        apply(full, json.loads(json.dumps(ev)))
    full = json.loads(json.dumps(full))
    srv = XiaonaoServer(empty_url, "127.0.0.1", 0)
    await srv.start()
    try:
        st = json.loads(json.dumps(srv.hub.state))
        assert st["seq"] == full["seq"] and st["teams"] == full["teams"] and st["street"] == full["street"]
        for cid in h.open + [h.recent]:
            assert st["cases"][cid] == full["cases"][cid]
        assert h.old not in st["cases"]                       # two years old: in the archive only
        assert len(st["cases"]) < len(full["cases"]) / 4
        # the window plus the archive is the whole state
        archive = await srv.hub.run_db(srv.store.get_case_texts, list(full["cases"]))
        assert {cid: json.loads(t) for cid, (t, _s) in archive.items()} == full["cases"]
        c = await RawClient.connect(ws_url(srv), "op")
        snap = await c.recv()
        assert snap["seq"] == full["seq"] and h.old not in {x["id"] for x in snap["state"]["cases"]}
        # a command id of the first release is still answered with its seq
        first = h.commands[0]
        ack, _ = await c.command("case.report", {}, cid=first["id"])
        assert ack == {"type": "ack", "id": first["id"], "seq": first["seq"]}
        await c.close()
    finally:
        await srv.stop()


def test_migrations_build_the_schema_the_models_describe(empty_url):
    """Run from nothing, the migrations make exactly the tables and indexes of server/store.py
    (so a schema change without its migration fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from server import schema
    from server.store import Base, make_engine
    engine = make_engine(empty_url)
    try:
        schema.upgrade(engine, empty_url)
        with engine.connect() as conn:
            assert schema.current_revision(conn) == schema.head_revision()
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_serve_refuses_a_database_ahead_of_it(db_url):
    from sqlalchemy import text

    from server.store import EventStore, StoreError
    store = EventStore(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer xiaonao-server"):
        store.check_initialised()
    store.dispose()


async def test_events_on_cases_outside_the_window(db_url):
    """A case closed long ago is not in the server's memory nor in a new cockpit's snapshot;
    a rating, a note and a reopen on it work: the server reads it back first, and every
    client is sent the case as it was just before the event (then the event)."""
    from server.app import XiaonaoServer
    from server.store import EventStore
    now = time.time()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, clock=lambda: now - 400 * DAY)
    await srv.start()
    c = await RawClient.connect(ws_url(srv), "op")
    await c.recv()
    ack, seen = await c.command("case.report", {"title": "路灯不亮", "category": "city_management",
                                                "source": "12345", "priority": 3,
                                                "location": {"address": "九环路3号"}})
    old = next(e for e in seen + [ack] if e.get("name") == "case.reported")["data"]["case_id"]
    for name, args in [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
                       ("case.arrive", {}), ("case.feedback", {"note": "已修复"}),
                       ("case.close", {"resolution": "已修复"})]:
        ack, _ = await c.command(name, {"case_id": old, **args})
        assert ack["type"] == "ack", ack
    await c.close()
    await srv.stop()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)               # a year later
    await srv.start()
    try:
        assert old not in srv.hub.state["cases"]
        watcher = await RawClient.connect(ws_url(srv), "wall")
        snap = await watcher.recv()
        assert old not in {x["id"] for x in snap["state"]["cases"]}
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        ack, seen = await op.command("case.rate", {"case_id": old, "rating": 4})
        assert ack["type"] == "ack", ack
        first = await watcher.recv()
        assert first["type"] == "archive.case" and first["case"]["id"] == old and first["case"]["rating"] is None
        rated = await watcher.recv()
        assert rated["name"] == "case.rated" and rated["seq"] == ack["seq"]
        assert srv.hub.state["cases"][old]["rating"] == 4
        ack, _ = await op.command("case.note", {"case_id": old, "note": "回访满意"})
        assert ack["type"] == "ack"
        assert (await watcher.recv())["name"] == "case.noted"      # in memory now: no second copy
        srv.hub.prune()                                             # read back lately: stays
        assert old in srv.hub.state["cases"]
        ack, _ = await op.command("case.reopen", {"case_id": old, "reason": "又坏了"})
        assert ack["type"] == "ack"
        assert srv.hub.state["cases"][old]["status"] == "accepted"
        for x in (op, watcher):
            await x.close()
    finally:
        await srv.stop()
    # restarted, the reopened case is open: in the window
    store = EventStore(db_url)
    assert json.loads(store.get_case_texts([old])[old][0])["status"] == "accepted"
    store.dispose()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        assert srv.hub.state["cases"][old]["reopen_count"] == 1
        assert [n["text"] for n in srv.hub.state["cases"][old]["notes"]][-1] == "回访满意"
    finally:
        await srv.stop()
