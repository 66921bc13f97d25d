"""Issue 17's events replay to the same state: a scripted shift with every new event (the
property test draws them at random, this makes sure each one is in), replayed by a client
from a snapshot taken midway, through JSON as on the wire."""
from __future__ import annotations

import json

from models.commands import Actor
from models.state import apply, from_wire, to_wire

from .test_domain import LEAD, OP, World, report

W02 = Actor("w02", "field", "W02")


def test_a_shift_of_workflows_replays_to_the_servers_state():
    w = World()
    snapshots = []
    a = report(w, reporter={"name": "王", "phone": "13800000000"})
    b = report(w, category="city_management", reporter={"name": "李", "phone": "13900000000"})
    w.run(OP, "case.dispatch", {"case_id": a, "team_id": "W01"})
    w.run(Actor("w01", "field", "W01"), "team.request_reinforcement", {"team_id": "W01", "case_id": a, "count": 2})
    w.run(OP, "case.reinforce", {"case_id": a, "team_ids": ["W02", "W03"]})
    snapshots.append(json.loads(json.dumps(to_wire(w.state))))
    w.run(W02, "case.sign", {"case_id": a})
    w.run(W02, "case.arrive", {"case_id": a})
    w.run(OP, "case.release", {"case_id": a, "team_id": "W03"})
    w.run(OP, "case.escalate", {"case_id": b})
    w.run(OP, "radio.transmit", {"talkgroup": "TG-1", "phrase": "stand_by"})
    w.run(OP, "team.status", {"team_id": "W04", "status": "busy"})
    w.run(LEAD, "sla.set", {"profile": "135"})
    w.run(LEAD, "mode.set", {"mode": "wartime"})
    w.run(LEAD, "sla.set", {"profile": "1-8-1-24"})
    snapshots.append(json.loads(json.dumps(to_wire(w.state))))
    for name, args in [("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "ok"}),
                       ("case.close", {"resolution": "done"})]:
        w.run(OP, name, {"case_id": a, **args})
    w.run(OP, "case.callback", {"case_id": a, "outcome": "not_reached"})
    w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 1, "follow_up": "reopen", "note": "x"})
    w.run(LEAD, "team.duty", {"team_id": "W06", "on_duty": False})
    w.run(LEAD, "team.mobilise", {})
    w.run(LEAD, "shift.handover", {"note": "交班"})
    w.run(Actor("li", "leader"), "shift.ack", {"note": "已阅"})
    names = {e["name"] for e in w.log}
    assert names >= {"case.reinforced", "case.released", "case.called_back", "radio.transmitted", "sla.profile_changed",
                     "shift.handover", "shift.handover_acknowledged", "team.reinforcement_acknowledged",
                     "case.escalated", "team.status_changed", "team.duty_changed"}
    server = json.loads(json.dumps(w.state))
    for snap in snapshots:
        client = from_wire(snap)
        for ev in w.log:
            if ev["seq"] > client["seq"]:
                apply(client, json.loads(json.dumps(ev)))
        assert client == server
    assert server["handover"]["acked"]["by"] == "li" and server["sla_profile"] == "wartime"
    assert server["cases"][a]["status"] == "accepted" and server["teams"]["W06"]["on_duty"]
