"""A handover that is read: the recorded summary with its open items and their owners, shown
to the next shift's leader and acknowledged (decide + apply), what each role receives of
it, and the same through the real server."""
from __future__ import annotations

import pytest

from models.commands import Actor, CommandError
from server.views import View

from .conftest import RawClient, ws_url
from .test_domain import LEAD, OP, World, report

LI = Actor("li", "leader")


def test_the_handover_carries_open_items_with_owners_and_is_acknowledged_once():
    w = World()
    a = report(w, priority=1)
    b = report(w)
    closed = report(w)
    w.run(OP, "case.dispatch", {"case_id": a, "team_id": "W01"})
    w.run(OP, "case.reinforce", {"case_id": a, "team_ids": ["W02"]})
    w.run(OP, "case.transfer", {"case_id": b, "to": "police"})
    w.run(OP, "case.transfer", {"case_id": closed, "to": "police"})
    w.run(OP, "case.close", {"case_id": closed, "resolution": "done"})
    w.run(LEAD, "shift.handover", {"note": "C1 仍在处置", "to": "李队"})
    h = w.state["handover"]
    assert h["by"] == "lead" and h["note"] == "C1 仍在处置" and h["to"] == "李队" and h["acked"] is None
    assert h["open_count"] == 2 and [(i["case_id"], i["owner"]) for i in h["items"]] == [(a, "W01,W02"), (b, "police")]
    with pytest.raises(CommandError) as e:
        w.run(LEAD, "shift.ack", {})
    assert e.value.code == "conflict" and "incoming leader" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(OP, "shift.ack", {})
    assert e.value.code == "forbidden"
    w.run(LI, "shift.ack", {"note": "已阅，C1 跟进"})
    assert h["acked"]["by"] == "li" and h["acked"]["note"] == "已阅，C1 跟进"
    with pytest.raises(CommandError) as e:
        w.run(LI, "shift.ack", {})
    assert e.value.code == "conflict" and "already acknowledged by li" in e.value.message
    # the next handover replaces it, waiting to be read again
    w.run(LI, "shift.handover", {"note": "夜班交早班"})
    assert w.state["handover"]["by"] == "li" and w.state["handover"]["acked"] is None


def test_nothing_to_acknowledge_before_a_handover():
    w = World()
    with pytest.raises(CommandError) as e:
        w.run(LI, "shift.ack", {})
    assert e.value.code == "conflict"


def test_each_role_sees_the_handover_as_it_may():
    w = World()
    w.run(LEAD, "shift.handover", {"note": "涉及当事人电话13812345678"})
    assert View("full").state_head(w.state)["handover"]["note"].startswith("涉及")
    wall = View("wall").state_head(w.state)["handover"]
    assert wall["note"] == "" and wall["by"] == "lead"
    assert "handover" not in View("field", "W01").state_head(w.state)
    assert "handover" not in View("intake", "intake").state_head(w.state)


async def test_the_next_leader_gets_the_handover_at_login_and_acknowledges_it(server):
    lead = await RawClient.connect(ws_url(server), "lead")
    await lead.recv()
    ack, seen = await lead.command("shift.handover", {"note": "白班交夜班：无积压"})
    assert ack["type"] == "ack" and seen[-1]["name"] == "shift.handover"
    await lead.close()
    admin = await RawClient.connect(ws_url(server), "admin")       # the incoming leader logs in
    snap = await admin.recv()
    assert snap["state"]["handover"]["note"] == "白班交夜班：无积压" and snap["state"]["handover"]["acked"] is None
    wall = await RawClient.connect(ws_url(server), "wall")
    wsnap = await wall.recv()
    assert wsnap["state"]["handover"]["note"] == ""
    ack, seen = await admin.command("shift.ack", {"note": "已阅"})
    assert ack["type"] == "ack" and seen[-1]["data"]["handover_seq"] == snap["state"]["handover"]["seq"]
    frame = await wall.recv()
    assert frame["name"] == "shift.handover_acknowledged" and frame["data"]["note"] == ""
    assert server.hub.state["handover"]["acked"]["by"] == "admin"
    for c in (admin, wall):
        await c.close()
