"""Alert acknowledgement shared by the room and case amendments: the domain, the real
server, and the cockpit offscreen against the real embedded server."""
from __future__ import annotations

import pytest

from models.commands import Actor, CommandError, allowed_case_commands, decide
from models.sla import PROFILES, case_clock

from .conftest import RawClient, ws_url
from .test_domain import LEAD, OP, World, report


# ---- domain --------------------------------------------------------------------------
def test_alert_ack_marks_each_case_for_everyone_once():
    w = World()
    a, b = report(w, priority=1), report(w)
    w.run(OP, "alert.ack", {"kind": "p1", "case_ids": [a]})
    ev = w.log[-1]
    assert ev["name"] == "alert.acknowledged" and ev["data"] == {"case_id": a, "kind": "p1"}
    assert w.state["cases"][a]["acks"]["p1"]["by"] == "op"
    assert w.state["cases"][a]["timeline"][-1]["name"] == "alert.acknowledged"
    # several at once: one event per case, the already acknowledged one left out
    w.run(LEAD, "alert.ack", {"kind": "overdue", "case_ids": [a, b]})
    w.run(LEAD, "alert.ack", {"kind": "p1", "case_ids": [a, b]})
    assert [e["data"]["case_id"] for e in w.log[-1:]] == [b]
    with pytest.raises(CommandError) as e:
        decide(w.state, OP, "alert.ack", {"kind": "p1", "case_ids": [a]})
    assert e.value.code == "conflict"
    for bad, code in [({"kind": "emergency", "case_ids": [a]}, "invalid"), ({"kind": "p1", "case_ids": []}, "invalid"),
                      ({"kind": "p1", "case_ids": ["C999999"]}, "not_found")]:
        with pytest.raises(CommandError) as e:
            decide(w.state, OP, "alert.ack", bad)
        assert e.value.code == code
    for role in ("wall", "field", "intake"):
        with pytest.raises(CommandError) as e:
            decide(w.state, Actor("x", role, "W01"), "alert.ack", {"kind": "p1", "case_ids": [b]})
        assert e.value.code == "forbidden"


def test_amend_corrects_intake_fields_keeps_old_values_and_the_sla_clock():
    w = World()
    cid = report(w, priority=3, category="city_management", title="占道经营")
    case = w.state["cases"][cid]
    times_before = dict(case["times"])
    clocks_before = case_clock(case, PROFILES["1310"], w.now)
    w.run(OP, "case.accept", {"case_id": cid})
    assert "case.amend" in allowed_case_commands(case, "operator")
    assert "case.amend" not in allowed_case_commands(case, "field")
    w.run(OP, "case.amend", {"case_id": cid, "title": "占道经营（早市）", "category": "market", "priority": 2,
                             "location": {"address": "顺福路98号"}}, advance=600)
    ev = w.log[-1]
    assert ev["name"] == "case.amended"
    ch = ev["data"]["changes"]
    assert ch["title"] == ["占道经营", "占道经营（早市）"]
    assert ch["category"] == ["city_management", "market"] and ch["priority"] == [3, 2]
    assert ch["location"][0]["address"] == "九和路120号" and ch["location"][1]["address"] == "顺福路98号"
    assert case["title"] == "占道经营（早市）" and case["category"] == "market" and case["priority"] == 2
    assert case["location"]["grid"] and case["location"]["lat"]      # the new address resolved on the map
    assert case["status"] == "accepted"
    assert case["timeline"][-1]["changes"] == ch                     # old and new in the timeline
    times_before["accepted"] = case["times"]["accepted"]
    assert case["times"] == times_before                             # the SLA clock is not reset
    assert [c.deadline for c in case_clock(case, PROFILES["1310"], w.now)] == [c.deadline for c in clocks_before]
    # only what differs is recorded; nothing that differs is refused, as are bad values
    w.run(OP, "case.amend", {"case_id": cid, "title": "占道经营（早市）", "priority": 1})
    assert w.log[-1]["data"]["changes"] == {"priority": [2, 1]}
    for bad, code in [({"title": "占道经营（早市）"}, "invalid"), ({"category": "alien"}, "invalid"),
                      ({"priority": 7}, "invalid"), ({"title": "x" * 201}, "invalid"),
                      ({"location": {"address": ""}}, "invalid")]:
        with pytest.raises(CommandError) as e:
            decide(w.state, OP, "case.amend", {"case_id": cid, **bad})
        assert e.value.code == code, bad
    with pytest.raises(CommandError) as e:
        decide(w.state, Actor("w01", "field", "W01"), "case.amend", {"case_id": cid, "priority": 4})
    assert e.value.code == "forbidden"


# ---- the real server ------------------------------------------------------------------
async def test_acknowledgement_and_amendment_go_through_the_server_and_survive_a_restart(db_url):
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        wall = await RawClient.connect(ws_url(srv), "wall")
        ans, seen = await op.command("case.report", {"title": "燃气泄漏", "category": "fire", "source": "119",
                                                     "priority": 1, "location": {"address": "九和路120号"}})
        cid = next(m for m in seen if m.get("name") == "case.reported")["data"]["case_id"]
        ans, _ = await op.command("alert.ack", {"kind": "p1", "case_ids": [cid]})
        assert ans["type"] == "ack"
        ans, _ = await op.command("case.amend", {"case_id": cid, "priority": 2})
        assert ans["type"] == "ack"
        # the wall hears the acknowledgement too
        names = []
        while "alert.acknowledged" not in names:
            m = await wall.recv()
            names.append(m.get("name"))
        ans, _ = await wall.command("alert.ack", {"kind": "overdue", "case_ids": [cid]})
        assert ans["type"] == "error" and ans["code"] == "forbidden"
        await op.close()
        await wall.close()
    finally:
        await srv.stop()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        lead = await RawClient.connect(ws_url(srv), "lead")
        snap = await lead.recv()
        while snap.get("type") != "snapshot":
            snap = await lead.recv()
        case = next(c for c in snap["state"]["cases"] if c["id"] == cid)
        assert case["acks"]["p1"]["by"] == "op"
        assert case["priority"] == 2
        assert any(e["name"] == "case.amended" and e["changes"]["priority"] == [1, 2] for e in case["timeline"])
        await lead.close()
    finally:
        await srv.stop()
