"""Mass mobilisation: the leader calls the off-duty reserve (squads and members) on duty in
one action (decide + apply), and through the real server."""
from __future__ import annotations

import pytest

from models.commands import CommandError, reserve

from .conftest import RawClient, ws_url
from .test_domain import LEAD, OP, World


def test_one_action_calls_every_off_duty_squad_and_member():
    w = World()
    w.run(LEAD, "team.duty", {"team_id": "W05", "on_duty": False})
    w.run(LEAD, "team.duty", {"team_id": "E02", "on_duty": False})
    m = w.state["teams"]["W01"]["members"][0]["id"]
    w.run(LEAD, "team.member_duty", {"team_id": "W01", "member_id": m, "on_duty": False})
    squads, members = reserve(w.state)
    assert squads == ["E02", "W05"] and members == [("W01", m)]
    with pytest.raises(CommandError) as e:
        w.run(OP, "team.mobilise", {})
    assert e.value.code == "forbidden"
    area = w.state["teams"]["W05"]["area"]
    w.run(LEAD, "team.mobilise", {"area": area})          # one area first
    assert w.state["teams"]["W05"]["on_duty"] and not w.state["teams"]["E02"]["on_duty"]
    assert w.state["teams"]["W05"]["status"] == "available"
    w.run(LEAD, "team.mobilise", {})
    assert reserve(w.state) == ([], [])
    assert all(ev["data"].get("mobilised") for ev in w.log[-1:])
    with pytest.raises(CommandError) as e:
        w.run(LEAD, "team.mobilise", {})
    assert e.value.code == "conflict" and "reserve" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(LEAD, "team.mobilise", {"area": "moon"})
    assert e.value.code == "invalid"


async def test_mobilisation_through_the_server(server):
    lead = await RawClient.connect(ws_url(server), "lead")
    await lead.recv()
    for tid in ("W05", "W06"):
        ack, _ = await lead.command("team.duty", {"team_id": tid, "on_duty": False})
        assert ack["type"] == "ack"
    ack, seen = await lead.command("team.mobilise", {})
    assert ack["type"] == "ack"
    # the reserve list first (the demo street's 36 people to their squads), then the squads
    assert [(e["name"], e["data"].get("team_id")) for e in seen] == [("reserve.called_up", None),
                                                                       ("team.duty_changed", "W05"),
                                                                       ("team.duty_changed", "W06")]
    assert len(seen[0]["data"]["people"]) == 36
    assert server.hub.state["teams"]["W05"]["on_duty"] and server.hub.state["teams"]["W06"]["on_duty"]
    await lead.close()
