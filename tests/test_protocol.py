"""The wire contract end to end: a real server on loopback, real clients, a real database."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import websockets

from models.state import apply, from_wire

from .conftest import RawClient, ws_url

# the server's database matters here: SQLite and the machine's PostgreSQL
BACKENDS = ("sqlite", "postgres")

REPORT = {"title": "噪音扰民", "category": "dispute", "source": "110", "priority": 2,
          "location": {"address": "九堡大道88号"}, "reporter": {"name": "张先生", "phone": "13812345678"}}


async def test_login_snapshot_lists_demo_squads(server):
    c = await RawClient.connect(ws_url(server), "op")
    assert c.welcome["type"] == "welcome" and c.welcome["role"] == "operator" and c.welcome["token"]
    snap = await c.recv()
    assert snap["type"] == "snapshot" and snap["seq"] == c.welcome["head"]
    teams = snap["state"]["teams"]
    assert len(teams) == 18 and all("id" in t and "status" in t for t in teams)
    assert isinstance(snap["state"]["cases"], list)
    await c.close()


async def test_case_through_the_whole_loop_in_order(server):
    c = await RawClient.connect(ws_url(server), "op")
    snap = await c.recv()
    state = from_wire(snap["state"])
    state["seq"] = snap["seq"]
    ack, seen = await c.command("case.report", REPORT)
    assert ack["type"] == "ack"
    events = seen[:]
    case_id = next(e for e in seen if e["name"] == "case.reported")["data"]["case_id"]
    steps = [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
             ("case.contact", {}), ("case.arrive", {}), ("case.feedback", {"note": "已劝导"}),
             ("case.close", {"resolution": "双方和解"})]
    for name, args in steps:
        ack, seen = await c.command(name, {"case_id": case_id, **args})
        assert ack["type"] == "ack", ack
        events += seen
        assert seen and seen[-1]["seq"] == ack["seq"]
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    for e in events:
        apply(state, e)
    case = state["cases"][case_id]
    assert case["status"] == "closed" and case["on_scene_closure"] is True
    assert [t["name"] for t in case["timeline"]] == [
        "case.reported", "case.accepted", "case.dispatched", "case.signed", "case.contacted",
        "case.arrived", "case.feedback", "case.closed"]
    assert state["teams"]["W01"]["status"] == "available"
    # the server holds exactly what the client reduced
    assert server.hub.state["cases"][case_id] == case
    await c.close()


async def test_repeated_command_id_is_acknowledged_again_and_appends_nothing(server):
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    cid = str(uuid.uuid4())
    ack1, _ = await c.command("case.report", REPORT, cid=cid)
    head = server.hub.head
    ack2, seen = await c.command("case.report", REPORT, cid=cid)
    assert ack2 == ack1 and server.hub.head == head and not seen
    await c.close()
    # also after a reconnect, and across a server restart (the id is in the database)
    c2 = await RawClient.connect(ws_url(server), "op", resume_from=head)
    ack3, _ = await c2.command("case.report", REPORT, cid=cid)
    assert ack3["seq"] == ack1["seq"] and server.hub.head == head
    await c2.close()


@pytest.mark.parametrize("frame,code", [
    ("not json", "bad_request"),
    ('{"no": "type"}', "bad_request"),
    ('{"type": "dance"}', "bad_request"),
    ('{"type": "command", "name": "case.report", "args": {}}', "bad_request"),
    ('{"type": "command", "id": "x1", "name": "case.fly", "args": {}}', "bad_request"),
    ('{"type": "command", "id": "x2", "name": "case.report", "args": []}', "bad_request"),
    ('{"type": "command", "id": "x3", "name": "case.report", "args": {"title": "t"}}', "invalid"),
    ('{"type": "command", "id": "x4", "name": "case.report", "args": {"title": 5, "category": "dispute"}}', "invalid"),
    ('{"type": "command", "id": "x5", "name": "case.accept", "args": {"case_id": "C999999"}}', "not_found"),
    ('{"type": "command", "id": "x6", "name": "team.status", "args": {"team_id": "W01", "status": "flying"}}', "invalid"),
])
@pytest.mark.parametrize("backend", ["sqlite"], scope="module")   # refused before anything reaches the database
async def test_bad_input_gets_the_right_code_and_keeps_the_connection(shared_server, frame, code):
    c = await RawClient.connect(ws_url(shared_server), "op")
    await c.recv()
    await c.ws.send(frame)
    m = await c.recv()
    assert m["type"] == "error" and m["code"] == code, m
    assert m["message"]
    ack, _ = await c.command("case.report", REPORT)   # the connection is still usable
    assert ack["type"] == "ack"
    await c.close()


async def test_conflict_and_forbidden(server):
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    ack, seen = await c.command("case.report", REPORT)
    case_id = seen[0]["data"]["case_id"]
    err, _ = await c.command("case.close", {"case_id": case_id, "resolution": "x"})
    assert err["code"] == "conflict"
    err, _ = await c.command("mode.set", {"mode": "wartime"})
    assert err["code"] == "forbidden"    # only a shift leader switches wartime mode
    await c.close()
    wall = await RawClient.connect(ws_url(server), "wall")
    await wall.recv()
    err, _ = await wall.command("case.accept", {"case_id": case_id})
    assert err["code"] == "forbidden"
    intake = await RawClient.connect(ws_url(server), "intake")
    await intake.recv()
    assert (await intake.command("case.report", REPORT))[0]["type"] == "ack"
    assert (await intake.command("case.accept", {"case_id": case_id}))[0]["code"] == "forbidden"
    # field may only move its own squad's cases
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    await op.command("case.dispatch", {"case_id": case_id, "team_id": "W01"})
    e01 = await RawClient.connect(ws_url(server), "e01")
    await e01.recv()
    assert (await e01.command("case.sign", {"case_id": case_id}))[0]["code"] == "forbidden"
    w01 = await RawClient.connect(ws_url(server), "w01")
    await w01.recv()
    assert (await w01.command("case.sign", {"case_id": case_id}))[0]["type"] == "ack"
    for x in (wall, intake, op, e01, w01):
        await x.close()


async def test_wrong_password_and_token(server):
    ws = await websockets.connect(ws_url(server))
    await ws.send(json.dumps({"type": "hello", "user": "op", "password": "nope"}))
    m = json.loads(await ws.recv())
    assert m["type"] == "error" and m["code"] == "unauthenticated" and m["id"] is None
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 3)
    c = await RawClient.connect(ws_url(server), None, token="forged")
    assert c.welcome["code"] == "unauthenticated"
    good = await RawClient.connect(ws_url(server), "op")
    tok = good.welcome["token"]
    await good.close()
    again = await RawClient.connect(ws_url(server), None, token=tok)
    assert again.welcome["type"] == "welcome" and again.welcome["user"] == "op"
    await again.close()


async def test_oversized_frame_closes_with_1009(server):
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    await c.ws.send(json.dumps({"type": "command", "id": "big", "name": "case.note",
                                "args": {"note": "x" * (300 * 1024)}}))
    with pytest.raises(websockets.ConnectionClosed) as exc:
        while True:
            await c.recv()
    assert exc.value.rcvd.code == 1009


async def test_resume_from_serves_exactly_the_missed_events(server):
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    await c.command("case.report", REPORT)
    mark = server.hub.head
    await c.close()
    other = await RawClient.connect(ws_url(server), "op")
    await other.recv()
    for _ in range(5):
        await other.command("case.report", REPORT)
    back = await RawClient.connect(ws_url(server), "op", resume_from=mark)
    got = [await back.recv() for _ in range(5)]
    assert [e["seq"] for e in got] == list(range(mark + 1, mark + 6))
    assert all(e["type"] == "event" for e in got)
    with pytest.raises(asyncio.TimeoutError):
        await back.recv(timeout=0.3)
    await other.close()
    await back.close()


async def test_healthz(server):
    import urllib.request
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(
        f"http://127.0.0.1:{server.port}/healthz", timeout=3).read())
    assert body == b"ok\n"


async def test_large_snapshot_is_paged_not_refused(server):
    from models.commands import Actor
    op = Actor("op", "operator")
    big = dict(REPORT, description="很长的描述" * 300)
    for _ in range(400):
        await server.hub.execute(op, "case.report", big)
    c = await RawClient.connect(ws_url(server), "op")
    first = await c.recv()
    assert first["type"] == "snapshot" and first["pages"] >= 1
    cases = list(first["state"]["cases"])
    for i in range(first["pages"]):
        page = await c.recv()
        assert page["type"] == "snapshot.page" and page["page"] == i + 1 and page["seq"] == first["seq"]
        cases += page["cases"]
    assert len(cases) == 400 and len({x["id"] for x in cases}) == 400
    await c.close()
