"""Reinforcement: a lead squad and supporting squads on one case (decide + apply, no
server), the wartime reinforcement stage, and the command through the real server."""
from __future__ import annotations

import pytest

from models.commands import Actor, CommandError, allowed_case_commands, squads_on
from models.sla import LATE, MET, OVERDUE, PROFILES, SKIPPED, case_clock, case_light
from models.timeutil import epoch

from .conftest import RawClient, ws_url
from .test_domain import LEAD, OP, World, report

W01 = Actor("w01", "field", "W01")
W02 = Actor("w02", "field", "W02")
E01 = Actor("e01", "field", "E01")


def dispatched(w, team="W01"):
    cid = report(w)
    w.run(OP, "case.dispatch", {"case_id": cid, "team_id": team})
    return cid


def test_reinforce_adds_squads_each_with_its_own_stamps():
    w = World()
    cid = dispatched(w)
    case = w.state["cases"][cid]
    assert "case.reinforce" in allowed_case_commands(case) and "case.release" not in allowed_case_commands(case)
    w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W02", "W03"]})
    assert squads_on(case) == ["W01", "W02", "W03"]
    for tid in ("W02", "W03"):
        t = w.state["teams"][tid]
        assert t["case_id"] == cid and t["status"] == "en_route" and cid in t["cases"]
    # a supporting squad signs and arrives for itself; the case's status stays the lead's
    w.run(W02, "case.sign", {"case_id": cid})
    w.run(W02, "case.arrive", {"case_id": cid})
    sup = {s["team_id"]: s for s in case["support"]}
    assert sup["W02"]["signed"] and sup["W02"]["arrived"] and not sup["W03"]["signed"]
    assert case["status"] == "dispatched" and w.state["teams"]["W02"]["status"] == "on_scene"
    assert case["times"]["reinforced"] == sup["W02"]["arrived"]
    # the operator stamps for a squad on its behalf, naming it
    w.run(OP, "case.arrive", {"case_id": cid, "team_id": "W03"})
    assert sup["W03"]["arrived"] and not sup["W03"]["signed"]
    with pytest.raises(CommandError) as e:
        w.run(W02, "case.arrive", {"case_id": cid})
    assert e.value.code == "conflict" and "already" in e.value.message
    # the lead's own loop goes on as before
    w.run(W01, "case.sign", {"case_id": cid})
    w.run(W01, "case.arrive", {"case_id": cid})
    assert case["status"] == "on_scene"
    # a supporting squad may note, not close or give feedback for the case
    w.run(W02, "case.note", {"case_id": cid, "note": "现场秩序已控制"})
    with pytest.raises(CommandError) as e:
        w.run(W02, "case.feedback", {"case_id": cid, "note": "x"})
    assert e.value.code == "forbidden"
    with pytest.raises(CommandError) as e:
        w.run(E01, "case.sign", {"case_id": cid})
    assert e.value.code == "forbidden"


def test_releasing_one_squad_does_not_close_the_case():
    w = World()
    cid = dispatched(w)
    case = w.state["cases"][cid]
    w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W02", "W03"]})
    w.run(OP, "case.release", {"case_id": cid, "team_id": "W02"})
    assert case["status"] == "dispatched" and squads_on(case) == ["W01", "W03"]
    t = w.state["teams"]["W02"]
    assert t["status"] == "available" and t["case_id"] is None and cid not in t["cases"]
    assert w.state["teams"]["W03"]["case_id"] == cid
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.release", {"case_id": cid, "team_id": "W01"})
    assert e.value.code == "conflict" and "leads" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.release", {"case_id": cid, "team_id": "W02"})
    assert e.value.code == "conflict"
    # feedback frees every squad still on the case
    w.run(OP, "case.sign", {"case_id": cid})
    w.run(OP, "case.arrive", {"case_id": cid})
    w.run(OP, "case.feedback", {"case_id": cid, "note": "处置完毕"})
    for tid in ("W01", "W03"):
        assert w.state["teams"][tid]["status"] == "available" and not w.state["teams"][tid]["cases"]
    assert all(s["released"] for s in case["support"])


def test_a_supporting_squad_can_take_the_lead_and_a_squad_cannot_be_added_twice():
    w = World()
    cid = dispatched(w)
    case = w.state["cases"][cid]
    w.run(OP, "case.reinforce", {"case_id": cid, "team_id": "W02"})
    for bad, code in [(["W02"], "conflict"), (["W01"], "conflict"), (["ZZZ"], "not_found"), ([], "invalid"),
                      ("W03", "invalid"), ([5], "invalid")]:
        with pytest.raises(CommandError) as e:
            w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": bad})
        assert e.value.code == code, bad
    w.run(LEAD, "team.duty", {"team_id": "W05", "on_duty": False})
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W04", "W05"]})
    assert e.value.code == "conflict" and "off duty" in e.value.message
    assert squads_on(case) == ["W01", "W02"]                # nothing of a refused command
    w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "W02"})
    assert squads_on(case) == ["W02"] and w.state["teams"]["W01"]["status"] == "available"
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.reinforce", {"case_id": report(w), "team_ids": ["W03"]})
    assert e.value.code == "conflict"                        # a new case has no lead to reinforce
    with pytest.raises(CommandError) as e:
        w.run(W01, "case.reinforce", {"case_id": cid, "team_ids": ["W03"]})
    assert e.value.code == "forbidden"                       # the field asks; the room reinforces


def test_wartime_reinforcement_stage():
    w = World()
    w.run(LEAD, "mode.set", {"mode": "wartime"})
    plain = dispatched(w, "W04")
    cid = dispatched(w)
    case = w.state["cases"][cid]
    t0 = epoch(case["times"]["reported"])
    prof = PROFILES["wartime"]
    assert [s.key for s in prof.stages] == ["dispatch", "arrive", "reinforce"]
    # not reinforced: the stage does not apply
    assert case_clock(w.state["cases"][plain], prof, t0 + 600)[2].state == SKIPPED
    w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W02"]})
    assert case_clock(case, prof, t0 + 301)[2].state == OVERDUE
    w.now = t0 + 200
    w.run(W02, "case.arrive", {"case_id": cid}, advance=0)
    clocks = case_clock(case, prof, t0 + 400)
    assert clocks[2].state == MET
    # the lead itself is late (3 min): the light says so
    assert clocks[1].state == OVERDUE and case_light(clocks)[0] == OVERDUE
    w.run(W01, "case.sign", {"case_id": cid})
    w.run(W01, "case.arrive", {"case_id": cid})
    assert case_light(case_clock(case, prof, w.now))[0] == LATE


# ---- through the real server ---------------------------------------------------------

REPORT = {"title": "商铺门口聚集闹事", "category": "public_security", "source": "110", "priority": 1,
          "location": {"address": "九堡大道88号"}, "reporter": {"name": "李先生", "phone": "13812345678"}}


async def test_reinforcement_through_the_server_each_squad_sees_the_case(server):
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    e01 = await RawClient.connect(ws_url(server), "e01")
    snap = await e01.recv()
    assert snap["state"]["cases"] == []
    ack, seen = await op.command("case.report", REPORT)
    cid = next(e for e in seen if e["name"] == "case.reported")["data"]["case_id"]
    ack, _ = await op.command("case.dispatch", {"case_id": cid, "team_id": "W01"})
    ack, seen = await op.command("case.reinforce", {"case_id": cid, "team_ids": ["E01", "W02"]})
    assert ack["type"] == "ack" and seen[-1]["name"] == "case.reinforced"
    # the supporting squad's terminal gets the case, and signs and arrives for itself
    frame = await e01.recv()
    while not (frame.get("name") == "view.update" and frame["data"]["cases"]):
        frame = await e01.recv()
    assert frame["data"]["cases"][0]["id"] == cid and frame["data"]["teams"][0]["case_id"] == cid
    for name in ("case.sign", "case.arrive"):
        ack, _ = await e01.command(name, {"case_id": cid})
        assert ack["type"] == "ack", ack
    ack, _ = await e01.command("case.close", {"case_id": cid, "resolution": "x"})
    assert ack["type"] == "error" and ack["code"] == "forbidden"
    case = server.hub.state["cases"][cid]
    assert case["status"] == "dispatched" and {s["team_id"]: bool(s["arrived"]) for s in case["support"]} == {
        "E01": True, "W02": False}
    ack, _ = await op.command("case.release", {"case_id": cid, "team_id": "E01"})
    assert ack["type"] == "ack"
    assert server.hub.state["teams"]["E01"]["status"] == "available"
    assert server.hub.state["cases"][cid]["status"] == "dispatched"
    for c in (op, e01):
        await c.close()


def test_reinforcing_answers_the_lead_squads_request():
    w = World()
    cid = dispatched(w)
    w.run(W01, "team.request_reinforcement", {"team_id": "W01", "case_id": cid, "count": 2, "note": "现场人多"})
    assert w.state["teams"]["W01"]["reinforcement"]["count"] == 2
    w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W02", "W03"]})
    assert [e["name"] for e in w.log[-2:]] == ["case.reinforced", "team.reinforcement_acknowledged"]
    assert w.state["teams"]["W01"]["reinforcement"] is None
    # a request about another case stays for the room to answer
    other = dispatched(w, "W04")
    w.run(Actor("w04", "field", "W04"), "team.request_reinforcement", {"team_id": "W04", "case_id": other})
    w.run(OP, "case.reinforce", {"case_id": cid, "team_ids": ["W05"]})
    assert w.state["teams"]["W04"]["reinforcement"] is not None
