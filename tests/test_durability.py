"""Kill -9 the server: nothing acknowledged is lost, and a client resumes with exactly what it missed."""
from __future__ import annotations

import asyncio

import pytest

from models.state import apply, from_wire

from .conftest import RawClient, make_db
from .helpers import ServerProcess

REPORT = {"title": "占道经营", "category": "city_management", "source": "video", "priority": 3,
          "location": {"address": "九环路209号"}}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
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
        fresh = await RawClient.connect(srv.url, "wall")
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
