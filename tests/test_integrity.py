"""One account cannot hurt the room: text is checked at the edge, a command the database
refuses to store is refused alone (the rest of its group commit commits), and command ids
are scoped per account (a reuse for another command is a `conflict`). SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import json

import pytest

from models.commands import Actor, CommandError
from models.state import apply, empty_state
from server.app import XiaonaoServer

from .conftest import RawClient, ws_url

BACKENDS = ("sqlite", "postgres")      # what the database will store matters here
REPORT = {"title": "油烟扰民", "category": "environment", "source": "12345", "priority": 3,
          "location": {"address": "红普南路64号"}}


def log_state(store):
    events = store.events_after(0)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    state = empty_state()
    for ev in events:
        apply(state, ev)
    return json.loads(json.dumps(state))


async def test_command_ids_are_scoped_per_account_and_a_reuse_is_a_conflict(db_url, monkeypatch):
    """A field/intake account sending under a predictable id (a future ticket number) does
    not swallow the operator's real report; the same account reusing an id for something
    else is told `conflict`, also after a restart and for ids older than memory holds."""
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        intake = await RawClient.connect(ws_url(srv), "intake")
        op = await RawClient.connect(ws_url(srv), "op")
        await intake.recv()
        await op.recv()
        squat, _ = await intake.command("case.report", dict(REPORT, title="占位"), cid="12345:778")
        real, seen = await op.command("case.report", dict(REPORT, title="火警", priority=1), cid="12345:778")
        assert real["type"] == "ack" and real["seq"] == squat["seq"] + 1
        assert any(e.get("name") == "case.reported" and e["data"]["title"] == "火警" for e in seen)
        again, _ = await op.command("case.report", dict(REPORT, title="火警", priority=1), cid="12345:778")
        assert again == real
        other, _ = await op.command("case.report", dict(REPORT, title="别的事"), cid="12345:778")
        assert other["type"] == "error" and other["code"] == "conflict" and "new id" in other["message"]
        mine, _ = await intake.command("case.report", dict(REPORT, title="占位"), cid="12345:778")
        assert mine == squat
        head = srv.hub.head
        for c in (intake, op):
            await c.close()
    finally:
        await srv.stop()
    from server import hub as hub_mod
    monkeypatch.setattr(hub_mod, "IDEMPOTENCY_CACHE", 1)     # the ids come from the log, not memory
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        await op.command("case.report", REPORT)                # pushes the old id out of memory
        again, _ = await op.command("case.report", dict(REPORT, title="火警", priority=1), cid="12345:778")
        assert again == real
        other, _ = await op.command("case.report", dict(REPORT, title="别的事"), cid="12345:778")
        assert other["code"] == "conflict"
        assert srv.hub.head == head + 1
        assert sorted(c["title"] for c in srv.hub.state["cases"].values()) == ["占位", "油烟扰民", "火警"]
        await op.close()
    finally:
        await srv.stop()


POISON = [
    ('{"title": "坏\\ud800"}', "surrogate"),
    ('{"description": "a\\u0000b"}', "NUL"),
    ('{"location": {"address": "九和路\\u0007号"}}', "control character"),
    ('{"reporter": {"name": "x\\udc00"}}', "surrogate"),
    ('{"title": "\\u200b\\u200c\\ufeff "}', "invisible"),
    ('{"subtags": ["ok", "\\u001b[31m"]}', "control character"),
]


@pytest.mark.parametrize("extra,why", POISON)
async def test_bad_text_is_refused_at_the_edge(shared_server, extra, why):
    c = await RawClient.connect(ws_url(shared_server), "intake")
    await c.recv()
    head = shared_server.hub.head
    args = json.dumps(REPORT)[:-1] + ", " + extra[1:]        # raw JSON: escapes as a client sent them
    await c.ws.send('{"type": "command", "id": "poison-1", "name": "case.report", "args": %s}' % args)
    m = await c.recv()
    assert m["type"] == "error" and m["id"] == "poison-1" and m["code"] == "invalid" and why in m["message"], m
    assert shared_server.hub.head == head
    ack, _ = await c.command("case.report", REPORT)         # the connection is still usable
    assert ack["type"] == "ack" and ack["seq"] == head + 1
    await c.close()


@pytest.mark.parametrize("cid", ["id\\u0000x", "id\\ud800", "id\\u202ex", "id\\u0085"])
async def test_a_command_id_with_bad_text_is_refused(shared_server, cid):
    c = await RawClient.connect(ws_url(shared_server), "op")
    await c.recv()
    head = shared_server.hub.head
    await c.ws.send('{"type": "command", "id": "%s", "name": "case.report", "args": %s}' % (cid, json.dumps(REPORT)))
    m = await c.recv()
    assert m["type"] == "error" and m["code"] == "invalid" and m["id"] == json.loads(f'"{cid}"'), m
    assert shared_server.hub.head == head
    ack, _ = await c.command("case.report", REPORT)
    assert ack["type"] == "ack"
    await c.close()


async def test_bidi_overrides_are_removed(shared_server):
    c = await RawClient.connect(ws_url(shared_server), "op")
    await c.recv()
    ack, seen = await c.command("case.report", dict(REPORT, title="油烟\u202egnp.exe\u202c扰民"))
    assert ack["type"] == "ack"
    ev = next(e for e in seen if e.get("name") == "case.reported")
    assert ev["data"]["title"] == "油烟gnp.exe扰民"
    await c.close()


async def test_a_command_the_database_refuses_is_refused_alone(db_url, monkeypatch):
    """Text that slips past the edge check and that the database will not store: only
    that command is refused; the others of its group commit are committed and acknowledged."""
    from server import hub as hub_mod
    monkeypatch.setattr(hub_mod, "clean_args", lambda args: args)
    monkeypatch.setattr(hub_mod, "check_id", lambda cid: None)
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        op, intake = Actor("op", "operator"), Actor("intake", "intake")
        head = srv.hub.head
        futures = [   # queued in one tick: one batch
            srv.hub.submit(op, "case.report", dict(REPORT, title="第一"), "good-1", "test"),
            srv.hub.submit(intake, "case.report", dict(REPORT, title="坏\ud800", description="a\x00b"), "bad-1", "t"),
            srv.hub.submit(op, "case.report", dict(REPORT, title="第二"), "good-2", "test"),
            srv.hub.submit(intake, "case.report", REPORT, "bad\x00id", "t"),
            srv.hub.submit(op, "case.report", dict(REPORT, title="第三"), "good-3", "test"),
        ]
        results = await asyncio.gather(*futures, return_exceptions=True)
        pg = srv.store.engine.dialect.name == "postgresql"
        assert isinstance(results[1], CommandError) and results[1].code == "invalid"
        if pg:                              # SQLite stores a NUL in an id; PostgreSQL does not
            assert isinstance(results[3], CommandError) and results[3].code == "invalid"
        assert results[0] == head + 1 and results[2] == head + 2 and results[4] == head + (3 if pg else 4)
        assert srv.hub.healthy
        ok, _why = await srv.hub.health()
        assert ok
        assert log_state(srv.store) == json.loads(json.dumps(srv.hub.state, default=dict))
    finally:
        await srv.stop()


async def test_a_database_from_before_per_account_ids_is_upgraded(db_url):
    """`xiaonao-server upgrade` (migration 0003) rekeys an older commands table by account;
    its ids keep answering their resends, and another account may now use the same id."""
    from alembic import command

    from server import schema
    from server.cli import main
    from server.store import EventStore, StoreError
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    c = await RawClient.connect(ws_url(srv), "op")
    await c.recv()
    first, _ = await c.command("case.report", REPORT, cid="old-id")
    await c.close()
    await srv.stop()
    store = EventStore(db_url)
    with store.engine.begin() as conn:        # back to the schema before 0003 (later ones go forward only)
        from sqlalchemy import text
        conn.execute(text("DROP INDEX ix_cases_stats"))
        # and what the migrations after 0005 made (they run again on the way up)
        for sql in ("DROP TABLE files", "DROP TABLE file_uploads", "DROP TABLE login_codes",
                    "ALTER TABLE users DROP COLUMN department", "ALTER TABLE users DROP COLUMN grids"):
            conn.execute(text(sql))
        command.stamp(schema.alembic_config(connection=conn), "0003", purge=True)
        command.downgrade(schema.alembic_config(connection=conn), "0002")
    with pytest.raises(StoreError, match="xiaonao-server upgrade --db"):
        store.check_initialised()
    store.dispose()
    assert main(["upgrade", "--db", db_url]) == 0
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "op")
        await c.recv()
        again, _ = await c.command("case.report", dict(REPORT, title="不同"), cid="old-id")
        assert again == first            # no digest from before: acknowledged as it was
        other = await RawClient.connect(ws_url(srv), "lead")
        await other.recv()
        theirs, _ = await other.command("case.report", REPORT, cid="old-id")
        assert theirs["type"] == "ack" and theirs["seq"] == first["seq"] + 1
        for x in (c, other):
            await x.close()
    finally:
        await srv.stop()
