"""The server's disk fills up (SQLite): commands are refused with `unavailable` and nothing
of them remains, /healthz says 503 with the reason, existing sessions and token logins keep
working, a new password login is told why it cannot be recorded (not a 1011), and once there
is room again everything goes on."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

from sqlalchemy import event

from models.state import apply, empty_state
from server.app import XiaonaoServer

from .conftest import RawClient, make_db, ws_url

REPORT = {"title": "油烟扰民", "category": "environment", "source": "12345", "priority": 3,
          "location": {"address": "红普南路64号"}}


def healthz(srv) -> tuple[int, str]:
    try:
        r = urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/healthz", timeout=10)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def fill(engine) -> None:
    """Take every free page of the file (another program filled the disk)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError
    with engine.begin() as c:
        c.execute(text("CREATE TABLE IF NOT EXISTS filler (b BLOB)"))
    for size in (100_000, 10_000, 1000, 100):
        while True:
            try:
                with engine.begin() as c:
                    c.execute(text(f"INSERT INTO filler VALUES (randomblob({size}))"))
            except OperationalError as e:
                assert "full" in str(e)
                break


async def test_a_full_disk_is_unhealthy_and_logins_say_why(tmp_path):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    full = {"on": False}

    @event.listens_for(srv.store.engine, "connect")
    def _limit(conn, _rec):        # SQLite's own limit on the file: the SQLITE_FULL a full disk gives
        if full["on"]:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        token = op.welcome["token"]
        first, _ = await op.command("case.report", REPORT)
        assert first["type"] == "ack"
        full["on"] = True
        srv.store.engine.dispose()             # new connections: no page more
        fill(srv.store.engine)                 # and the free pages inside the file are taken too
        big = dict(REPORT, description="很长的描述" * 700)
        refused, _ = await op.command("case.report", big, timeout=15)
        assert refused["type"] == "error" and refused["code"] == "unavailable" and "full" in refused["message"]
        status, why = await asyncio.to_thread(healthz, srv)
        assert status == 503 and "disk is full" in why
        # a cockpit reconnecting with its token still gets in and gets its snapshot
        again = await RawClient.connect(ws_url(srv), None, token=token)
        assert again.welcome["type"] == "welcome", again.welcome
        snap = await again.recv()
        assert snap["type"] == "snapshot" and snap["seq"] == first["seq"]
        # a new password login whose session row needs a page more than the disk has is
        # told why, in words (here the row shares a page with room to spare: make it need one)
        real_add_token = srv.store.add_token

        def add_token_needing_a_page(token_hash, user, expires):
            from sqlalchemy import text
            with srv.store.engine.begin() as c:
                c.execute(text("INSERT INTO filler VALUES (randomblob(20000))"))
            real_add_token(token_hash, user, expires)
        srv.store.add_token = add_token_needing_a_page
        lead = await RawClient.connect(ws_url(srv), "lead")
        assert lead.welcome["type"] == "error" and lead.welcome["code"] == "unavailable"
        assert "disk is full" in lead.welcome["message"]
        await lead.ws.wait_closed()
        assert lead.ws.close_code == 1008
        srv.store.add_token = real_add_token
        # room again
        full["on"] = False
        srv.store.engine.dispose()
        status, why = await asyncio.to_thread(healthz, srv)
        assert status == 200, why
        ok, _ = await op.command("case.report", big, timeout=15)
        assert ok["type"] == "ack" and ok["seq"] == first["seq"] + 1
        lead = await RawClient.connect(ws_url(srv), "lead")
        assert lead.welcome["type"] == "welcome"
        for c in (op, again, lead):
            await c.close()
        events = srv.store.events_after(0)
        replay = empty_state()
        for ev in events:
            apply(replay, ev)
        assert replay["seq"] == srv.hub.head and len(replay["cases"]) == 2
        assert json.loads(json.dumps(srv.hub.state, default=dict))["cases"].keys() == replay["cases"].keys()
    finally:
        await srv.stop()
