"""Kill -9 the server: nothing acknowledged is lost, and a client resumes with exactly what it missed."""
from __future__ import annotations

import asyncio
import json

import pytest

from models.state import apply, from_wire

from .conftest import RawClient, make_db
from .helpers import ServerProcess

# the server's database matters here: SQLite and the machine's PostgreSQL
BACKENDS = ("sqlite", "postgres")

REPORT = {"title": "占道经营", "category": "city_management", "source": "video", "priority": 3,
          "location": {"address": "九环路209号"}}


@pytest.mark.subprocess
@pytest.mark.slow
async def test_kill9_and_resume(tmp_path, backend):
    url = make_db(tmp_path, backend)
    srv = await asyncio.to_thread(ServerProcess(url).start)
    try:
        c = await RawClient.connect(srv.url, "op")
        snap = await c.recv()
        state = from_wire(snap["state"])
        state["seq"] = snap["seq"]
        acked = []
        for _ in range(20):
            ack, seen = await c.command("case.report", REPORT)
            for e in seen:
                apply(state, e)
            acked.append(ack["seq"])
        # fire more commands and kill the server without waiting for all answers
        for i in range(10):
            await c.ws.send('{"type":"command","id":"burst-%d","name":"case.report","args":%s}'
                            % (i, __import__("json").dumps(REPORT)))
        await asyncio.sleep(0.05)
        srv.kill9()
        got_acks = set()
        try:
            while True:
                m = await c.recv(timeout=2)
                if m["type"] == "event":
                    apply(state, m)
                elif m["type"] == "ack":
                    got_acks.add(m["id"])
        except Exception:
            pass
        await asyncio.to_thread(srv.start)
        # everything acknowledged before the kill is still there
        back = await RawClient.connect(srv.url, "op", resume_from=state["seq"])
        assert back.welcome["head"] >= max(acked)
        # resend the burst with the same ids: acknowledged ones are not applied twice
        for i in range(10):
            ack, seen = await back.command("case.report", REPORT, cid=f"burst-{i}")
            assert ack["type"] == "ack"
            for e in seen:
                apply(state, e)
        # another client adds events; the resumed client gets exactly those, in order
        other = await RawClient.connect(srv.url, "op")
        await other.recv()
        for _ in range(3):
            await other.command("case.report", REPORT)
        while state["seq"] < other.welcome["head"] + 3:
            apply(state, await back.recv())
        assert len(state["cases"]) == 33   # 20 + a burst of 10, each exactly once, + 3 from the other client
        fresh = await RawClient.connect(srv.url, "lead")
        snap2 = await fresh.recv()
        assert snap2["seq"] == state["seq"]
        server_state = from_wire(snap2["state"])
        assert server_state["cases"] == state["cases"]
        assert server_state["teams"] == state["teams"]
        for x in (back, other, fresh):
            await x.close()
    finally:
        srv.stop()
        if backend == "postgres":
            from .conftest import drop_pg
            drop_pg(url)


async def test_resend_of_an_id_older_than_the_server_remembers(server, monkeypatch):
    """The hub keeps the newest command ids in memory; a cockpit back after a long time
    offline may resend an older one. The log still knows it: it is acknowledged with its
    first seq, applied once, and the commands around it are not disturbed."""
    from server import hub as hub_mod

    from .conftest import ws_url
    monkeypatch.setattr(hub_mod, "IDEMPOTENCY_CACHE", 3)
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    first, _ = await c.command("case.report", REPORT, cid="old-report")
    for i in range(5):                                   # pushes "old-report" out of memory
        await c.command("case.report", REPORT, cid=f"later-{i}")
    assert server.hub.known_seq("op", "old-report") is None
    cases_before = len(server.hub.state["cases"])
    # the old id again, in one batch with a new command
    await c.ws.send(json.dumps({"type": "command", "id": "old-report", "name": "case.report", "args": REPORT}))
    again, seen = await c.command("case.report", REPORT, cid="new-after")
    answers = [m for m in seen if m.get("type") == "ack"]
    assert [a["seq"] for a in answers if a["id"] == "old-report"] == [first["seq"]]
    assert again["type"] == "ack" and again["seq"] > first["seq"]
    assert len(server.hub.state["cases"]) == cases_before + 1      # only the new one
    fresh = await RawClient.connect(ws_url(server), "wall")
    snap = await fresh.recv()
    assert len(snap["state"]["cases"]) == cases_before + 1
    for x in (c, fresh):
        await x.close()


async def test_periodic_snapshots_restore_exactly_the_state(db_url, monkeypatch):
    """The server's snapshot is the cases projection and the room row, written per case with
    every batch (no whole-state blob): a restarted server starts from them, replays nothing,
    and holds exactly the state it had."""
    from server import hub as hub_mod
    from server.app import XiaonaoServer

    from .conftest import ws_url
    monkeypatch.setattr(hub_mod, "SNAPSHOT_EVERY", 4)
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    c = await RawClient.connect(ws_url(srv), "op")
    await c.recv()
    ack, seen = await c.command("case.report", REPORT)
    cid = next(e for e in seen + [ack] if e.get("name") == "case.reported")["data"]["case_id"]
    for name, args in [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
                       ("case.contact", {}), ("case.arrive", {}), ("case.feedback", {"note": "已劝导"}),
                       ("case.close", {"resolution": "双方和解"}), ("case.rate", {"rating": 5})]:
        ack, _ = await c.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack"
    await c.command("case.report", REPORT)
    before = json.loads(json.dumps(srv.hub.state, default=dict))
    assert await srv.hub.run_db(srv.store.latest_snapshot) is None        # no blob
    texts = await srv.hub.run_db(srv.store.get_case_texts, [cid])
    assert json.loads(texts[cid][0]) == before["cases"][cid]               # the case's row is current
    room = await srv.hub.run_db(srv.store.load_room)
    assert room[0] == before["seq"]
    await c.close()
    await srv.stop()
    from server.projection import catch_up
    from server.store import EventStore
    store = EventStore(db_url)
    assert catch_up(store) == 0                                             # nothing to replay
    store.dispose()
    again = XiaonaoServer(db_url, "127.0.0.1", 0)
    await again.start()
    try:
        assert json.loads(json.dumps(again.hub.state, default=dict)) == before
        assert again.hub.state["cases"][cid]["rating"] == 5
    finally:
        await again.stop()
