"""The server under database faults: PostgreSQL behind a fault-injecting TCP proxy (cut,
hung, a lost COMMIT reply). What a client can see is always exactly the committed log; a
command that cannot commit is answered `unavailable`; the server comes back by itself."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest

from models.state import apply, empty_state
from server.app import XiaonaoServer

from .conftest import RawClient, pg_available, ws_url
from .faultproxy import FaultProxy

REPORT = {"title": "油烟扰民", "category": "environment", "source": "12345", "priority": 3,
          "location": {"address": "红普南路64号"}}

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(bool(pg_available()), reason=str(pg_available()))]


@pytest.fixture
def pg():
    """A fresh PostgreSQL database of this test file's own (named srv_integrity_…)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from server.cli import add_user, init_db

    from .conftest import PG_URL, drop_pg
    name = f"srv_integrity_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    init_db(url, "demo")
    for user, role in [("op", "operator"), ("wall", "wall"), ("lead", "leader")]:
        add_user(url, user, role, f"{user}-password-long")
    yield url
    drop_pg(url)


async def connect(srv, user):
    c = await RawClient.connect(ws_url(srv), user, password=f"{user}-password-long")
    assert c.welcome["type"] == "welcome", c.welcome
    await c.recv()          # the snapshot
    return c


def healthz(srv) -> int:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/healthz", timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


async def wait_healthy(srv, timeout=20.0):
    loop_deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < loop_deadline:
        if await asyncio.to_thread(healthz, srv) == 200:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("/healthz did not come back to 200")


def replay(url):
    """The state the log replays to, read straight from the database."""
    from server.store import EventStore
    store = EventStore(url)
    try:
        events = store.events_after(0)
    finally:
        store.dispose()
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), "the log has a gap"
    state = empty_state()
    for ev in events:
        apply(state, ev)
    return json.loads(json.dumps(state))


async def restart_on(url):
    """A new server straight on the database (no proxy) starts from its own log."""
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    state = json.loads(json.dumps(srv.hub.state, default=dict))
    await srv.stop()
    return state


def titles(srv):
    return sorted(c["title"] for c in srv.hub.state["cases"].values())


async def test_a_cut_database_leaves_no_trace_and_the_server_comes_back(pg, monkeypatch):
    from server import hub as hub_mod
    monkeypatch.setattr(hub_mod, "COMMIT_TIMEOUT", 2.0)
    proxy = await FaultProxy().start()
    srv = XiaonaoServer(proxy.url_for(pg), "127.0.0.1", 0)
    await srv.start()
    try:
        op = await connect(srv, "op")
        wall = await connect(srv, "wall")
        first, _ = await op.command("case.report", REPORT)
        assert first["type"] == "ack"
        proxy.cut()
        for i in range(3):
            refused, _ = await op.command("case.report", dict(REPORT, title=f"断线{i}"), cid=f"outage-{i}",
                                          timeout=15)
            assert refused["type"] == "error" and refused["code"] == "unavailable"
        assert await asyncio.to_thread(healthz, srv) == 503
        # nobody sees anything of the refused commands: no case, no seq, no event
        assert titles(srv) == ["油烟扰民"] and srv.hub.head == first["seq"]
        proxy.restore()
        await wait_healthy(srv)
        again, _ = await op.command("case.report", dict(REPORT, title="断线0"), cid="outage-0", timeout=15)
        assert again["type"] == "ack" and again["seq"] == first["seq"] + 1     # no seq skipped
        seen = []
        while len(seen) < 2:
            seen.append(await wall.recv())
        assert [e["seq"] for e in seen] == [first["seq"], first["seq"] + 1]
        assert titles(srv) == ["断线0", "油烟扰民"]
        memory = json.loads(json.dumps(srv.hub.state, default=dict))
        for x in (op, wall):
            await x.close()
    finally:
        await srv.stop()
        await proxy.stop()
    assert replay(pg) == memory
    assert await restart_on(pg) == memory


async def test_a_hung_database_is_not_healthy_and_a_command_is_answered_unavailable(pg, monkeypatch):
    from server import hub as hub_mod
    monkeypatch.setattr(hub_mod, "COMMIT_TIMEOUT", 1.0)
    monkeypatch.setattr(hub_mod, "HEALTH_TIMEOUT", 1.0)
    proxy = await FaultProxy().start()
    srv = XiaonaoServer(proxy.url_for(pg), "127.0.0.1", 0)
    await srv.start()
    try:
        op = await connect(srv, "op")
        first, _ = await op.command("case.report", REPORT)
        assert await asyncio.to_thread(healthz, srv) == 200
        proxy.hang()
        assert await asyncio.to_thread(healthz, srv) == 503          # the probe really round-trips
        refused, _ = await op.command("case.report", dict(REPORT, title="挂起时"), cid="hung-1", timeout=15)
        assert refused["type"] == "error" and refused["code"] == "unavailable"
        assert titles(srv) == ["油烟扰民"] and srv.hub.head == first["seq"]
        proxy.restore()
        await wait_healthy(srv)
        ok, _ = await op.command("case.report", dict(REPORT, title="恢复后"), timeout=15)
        assert ok["type"] == "ack" and ok["seq"] == first["seq"] + 1
        memory = json.loads(json.dumps(srv.hub.state, default=dict))
        await op.close()
    finally:
        await srv.stop()
        await proxy.stop()
    assert titles_of(memory) == ["恢复后", "油烟扰民"]        # nothing of the hung command remains
    assert replay(pg) == memory
    assert await restart_on(pg) == memory


async def test_a_lost_commit_reply_is_resolved_from_the_log(pg, monkeypatch):
    """The COMMIT reaches the database but its answer never comes back: the command is
    answered `unavailable` (the server cannot know); once the database answers again the
    server reads what the log holds, every client gets those events, and the resend of
    the same id is acknowledged with the seq it was committed at (applied once)."""
    from server import hub as hub_mod
    monkeypatch.setattr(hub_mod, "COMMIT_TIMEOUT", 1.0)
    proxy = await FaultProxy().start()
    srv = XiaonaoServer(proxy.url_for(pg), "127.0.0.1", 0)
    await srv.start()
    try:
        op = await connect(srv, "op")
        wall = await connect(srv, "wall")
        first, _ = await op.command("case.report", REPORT)
        await wall.recv()
        proxy.hold_replies_after(b"COMMIT")
        refused, _ = await op.command("case.report", dict(REPORT, title="提交未知"), cid="in-doubt", timeout=15)
        assert refused["type"] == "error" and refused["code"] == "unavailable"
        proxy.restore()
        await wait_healthy(srv)
        ev = await wall.recv(timeout=15)
        assert ev["type"] == "event" and ev["seq"] == first["seq"] + 1 and ev["command_id"] == "in-doubt"
        again, _ = await op.command("case.report", dict(REPORT, title="提交未知"), cid="in-doubt", timeout=15)
        assert again == {"type": "ack", "id": "in-doubt", "seq": first["seq"] + 1}
        memory = json.loads(json.dumps(srv.hub.state, default=dict))
        for x in (op, wall):
            await x.close()
    finally:
        await srv.stop()
        await proxy.stop()
    assert titles_of(memory) == ["提交未知", "油烟扰民"]
    assert replay(pg) == memory
    assert await restart_on(pg) == memory


def titles_of(state):
    return sorted(c["title"] for c in state["cases"].values())


async def test_the_server_stops_while_an_account_read_waits_for_the_database(pg):
    """A stop while the accounts thread waits for the database (here: behind the proxy, on
    the same loop as the server) waits for that read without holding the loop: the database
    answers again and the stop completes. (Before, the stop blocked the loop that the
    answer needed: the hung-database test's `server.stop()` hung now and then.)"""
    proxy = await FaultProxy().start()
    srv = XiaonaoServer(proxy.url_for(pg), "127.0.0.1", 0)
    await srv.start()
    stopped = False
    try:
        proxy.hang()
        read = asyncio.ensure_future(srv.accounts.run(srv.store.accounts_rev))
        await asyncio.sleep(0.1)                     # the read is on the accounts thread, held
        assert not read.done()
        asyncio.get_running_loop().call_later(0.5, proxy.restore, False)   # answered then
        await srv.stop()
        stopped = True
        assert read.done() and isinstance(read.result(), int)
    finally:
        if not stopped:
            proxy.restore()
            await srv.stop()
        await proxy.stop()
