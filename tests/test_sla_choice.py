"""The street's SLA profile chosen by the leader: an event, for new cases only (decide +
apply, no server), and through the real server with each role's permission."""
from __future__ import annotations

import pytest

from models.commands import CommandError

from .conftest import RawClient, ws_url
from .test_domain import LEAD, OP, World, report


def test_a_profile_change_judges_new_cases_only():
    w = World()
    old = report(w)
    w.run(LEAD, "sla.set", {"profile": "135"})
    new = report(w)
    assert w.state["cases"][old]["sla_profile"] == "1310" and w.state["cases"][new]["sla_profile"] == "135"
    assert w.state["room_log"][-1] == {"seq": w.log[-2]["seq"], "at": w.log[-2]["at"], "actor": "lead",
                                            "name": "sla.profile_changed", "profile": "135", "mode": "peacetime"}
    with pytest.raises(CommandError) as e:
        w.run(LEAD, "sla.set", {"profile": "135"})
    assert e.value.code == "conflict" and "already" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(OP, "sla.set", {"profile": "1310"})
    assert e.value.code == "forbidden"
    with pytest.raises(CommandError) as e:
        w.run(LEAD, "sla.set", {"profile": "1-2-3"})
    assert e.value.code == "invalid"


def test_in_wartime_the_choice_waits_for_peace():
    w = World()
    w.run(LEAD, "sla.set", {"profile": "1-8-1-24"})
    w.run(LEAD, "mode.set", {"mode": "wartime"})
    assert w.state["sla_profile"] == "wartime"
    w.run(LEAD, "sla.set", {"profile": "135"})
    assert w.log[-1]["data"] == {"profile": "135", "after_wartime": True}
    assert w.state["sla_profile"] == "wartime" and report(w) and w.state["cases"][max(w.state["cases"])][
        "sla_profile"] == "wartime"
    w.run(LEAD, "mode.set", {"mode": "peacetime"})
    assert w.state["sla_profile"] == "135"                # the street's profile as last chosen
    assert [e["name"] for e in w.state["room_log"]] == ["sla.profile_changed", "mode.changed",
                                                         "sla.profile_changed", "mode.changed"]


async def test_the_profile_through_the_server_each_role(server):
    lead = await RawClient.connect(ws_url(server), "lead")
    await lead.recv()
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    ack, _ = await op.command("sla.set", {"profile": "135"})
    assert ack["type"] == "error" and ack["code"] == "forbidden"
    ack, seen = await lead.command("sla.set", {"profile": "135"})
    assert ack["type"] == "ack" and seen[-1]["name"] == "sla.profile_changed"
    frame = await op.recv()
    assert frame["name"] == "sla.profile_changed" and frame["data"]["profile"] == "135"
    ack, _ = await lead.command("sla.set", {"profile": "135"})
    assert ack["type"] == "error" and ack["code"] == "conflict"
    assert server.hub.state["sla_profile"] == "135" and server.hub.state["room_log"][-1]["actor"] == "lead"
    # a cockpit logging in later gets the log in its snapshot
    late = await RawClient.connect(ws_url(server), "op")
    snap = await late.recv()
    assert snap["state"]["room_log"][-1]["profile"] == "135"
    for c in (lead, op, late):
        await c.close()
