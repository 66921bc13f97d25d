"""`models.state.touched(event)`: the cases and squads an event changes, from the event
alone, as the session, the hub and the Qt room use it. Checked against what the reducer
actually changes over a day of commands of every kind."""
from __future__ import annotations

import copy
import json

from models.commands import Actor
from models.state import apply, touched

from .test_domain import LEAD, OP, World, report

FIELD = Actor("w01", "field", "W01")


class Watched(World):
    """A World that checks touched() against each event's real effect."""

    def __init__(self):
        self.checked: list[str] = []
        super().__init__()

    def _append(self, name, data, actor):
        before = copy.deepcopy(self.state) if self.state["seq"] else None
        super()._append(name, data, actor)
        ev, after = self.log[-1], self.state
        t = touched(ev)
        if before is None:
            assert name == "street.loaded" and t.everything and t.room
            return
        changed_cases = {c for c in set(before["cases"]) | set(after["cases"])
                         if before["cases"].get(c) != after["cases"].get(c)}
        assert changed_cases <= set(t.cases), (name, changed_cases, t)
        assert set(t.needs) <= set(before["cases"]), (name, t)
        assert (t.new is not None) == (name == "case.reported") and (t.new is None or t.new not in before["cases"])
        # a case event may also free or take the squad holding the case: only the state knows which
        holders = {tid for st in (before, after) for tid, team in st["teams"].items()
                   if set(team["cases"]) & set(t.cases)}
        changed_teams = {tid for tid in after["teams"] if before["teams"].get(tid) != after["teams"][tid]}
        assert changed_teams <= set(t.teams) | holders, (name, changed_teams, t)
        room_changed = any(before.get(k) != after.get(k) for k in ("mode", "sla_profile", "street", "warnings", "rota",
                                                                   "roads", "reserve"))
        assert t.room or not room_changed, name
        self.checked.append(name)


def test_touched_names_everything_each_event_changes():
    w = Watched()
    a = report(w)
    b = report(w, category="fire")
    w.run(OP, "case.accept", {"case_id": a})
    w.run(OP, "case.dispatch", {"case_id": a, "team_id": "W01"})
    w.run(OP, "case.dispatch", {"case_id": a, "team_id": "W02"})          # moves it: W01 is freed
    w.run(OP, "case.dispatch", {"case_id": b, "team_id": "W01"})
    w.run(FIELD, "case.sign", {"case_id": b})
    w.run(FIELD, "case.contact", {"case_id": b})
    w.run(FIELD, "case.arrive", {"case_id": b})
    w.run(FIELD, "case.feedback", {"case_id": b, "note": "已处理"})
    w.run(OP, "case.close", {"case_id": b, "resolution": "完成"})
    w.run(OP, "case.rate", {"case_id": b, "rating": 4})
    q = report(w, reporter={"name": "李", "phone": "13900000000"})
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "已处理"})]:
        w.run(OP, name, {"case_id": q, **args})
    w.run(FIELD, "case.check", {"case_id": q, "item": "d1"})
    w.run(OP, "case.check", {"case_id": q, "item": "d1", "done": False})
    w.run(Actor("admin", "admin"), "guidance.set", {"category": "fire", "guide": {
        "guide": "先疏散。", "items": [{"zh": "疏散周边人员", "required": True}]}})
    link = w.run(FIELD, "case.rating_link", {"case_id": q})
    w.run(Actor("resident", "resident"), "case.resident_rate", {"case_id": q, "link": link, "rating": 5, "note": "好"})
    w.run(OP, "case.reopen", {"case_id": b, "reason": "再次投诉"})
    w.run(OP, "case.supervise", {"case_id": a, "note": "督办"})
    w.run(OP, "case.note", {"case_id": a, "note": "回访"})
    w.run(OP, "case.escalate", {"case_id": a})
    w.run(OP, "case.return", {"case_id": a, "reason": "退回"})
    w.run(OP, "case.transfer", {"case_id": a, "to": "mediation"})
    c = report(w)
    w.run(OP, "case.merge", {"case_id": c, "into": b})
    w.run(OP, "case.report", {"title": "又一次", "category": "dispute", "source": "110", "priority": 2,
                              "location": {"address": "九和路120号"}, "merge_into": b})
    w.run(OP, "alert.ack", {"kind": "overdue", "case_ids": [b]})
    w.run(OP, "case.amend", {"case_id": b, "title": "改过的标题", "priority": 1})
    d = report(w, reporter={"name": "王", "phone": "13800000000"})
    w.run(OP, "case.transfer", {"case_id": d, "to": "police"})
    w.run(OP, "case.close", {"case_id": d, "resolution": "完成"})
    w.run(OP, "case.callback", {"case_id": d, "outcome": "not_reached"})
    w.run(OP, "case.callback", {"case_id": d, "outcome": "reached", "rating": 1, "follow_up": "reopen",
                                "note": "不满意"})
    r = report(w)
    w.run(OP, "case.dispatch", {"case_id": r, "team_id": "W05"})
    w.run(OP, "case.reinforce", {"case_id": r, "team_ids": ["W06", "E02"]})
    w.run(OP, "case.sign", {"case_id": r, "team_id": "W06"})
    w.run(OP, "case.arrive", {"case_id": r, "team_id": "W06"})
    w.run(OP, "case.release", {"case_id": r, "team_id": "W06"})
    w.run(OP, "case.transfer", {"case_id": r, "to": "police"})
    w.run(LEAD, "mode.set", {"mode": "wartime"})
    w.run(LEAD, "sla.set", {"profile": "1310"})
    w.run(FIELD, "team.status", {"team_id": "W01", "status": "busy"})
    w.run(FIELD, "team.position", {"team_id": "W01", "lat": 30.3, "lon": 120.25})
    member = w.state["teams"]["W01"]["members"][0]["id"]
    w.run(LEAD, "team.member_move", {"member_id": member, "from": "W01", "to": "W03"})
    w.run(LEAD, "team.member_duty", {"team_id": "W03", "member_id": member, "on_duty": False})
    w.run(FIELD, "radio.transmit", {"team_id": "W01", "text": "收到"})
    w.run(FIELD, "radio.emergency", {"team_id": "W01", "note": "求援"})
    w.run(OP, "radio.ack", {"team_id": "W01"})
    w.run(LEAD, "team.duty", {"team_id": "W04", "on_duty": False})
    w.run(LEAD, "team.mobilise", {})
    j = report(w, location={"address": "九堡中心小学"})
    k = report(w, location={"address": "九堡中心小学东侧"})
    old = report(w, location={"address": "顺福路56号"})
    w.run(OP, "case.transfer", {"case_id": old, "to": "police"})
    w.run(OP, "case.close", {"case_id": old, "resolution": "完成"})
    w.run(OP, "case.link", {"case_id": j, "case_ids": [k, old], "warning": "place:九堡中心小学",
                            "parts": [{"department": "citymgmt", "task": "清理", "hours": 2},
                                      {"department": "market", "task": "核查"}]})
    w.run(Actor("cm", "department", department="citymgmt"), "case.part_feedback",
          {"case_id": j, "part_id": "P1", "note": "已清理"})
    w.run(OP, "case.part_cancel", {"case_id": j, "part_id": "P2", "reason": "派错"})
    w.run(OP, "case.unlink", {"case_id": old})
    w.run(OP, "warning.ack", {"warning": "business:某店", "case_ids": [j, k], "note": "已知"})
    w.run(OP, "case.close", {"case_id": j, "resolution": "联合处置完毕"})          # closes k with it
    assert w.state["cases"][k]["status"] == "closed"
    w.run(LEAD, "shift.handover", {"note": "交班"})
    w.run(Actor("li", "leader"), "shift.ack", {"note": "已阅"})
    # the rota, the roads and the reserve (models/rota.py)
    system = Actor("rota", "system")
    w.run(system, "shift.change", {"date": "2026-12-02", "shift": "day"})
    w.run(LEAD, "rota.override", {"date": "2026-12-02", "shift": "day", "team_id": "W02", "member_id": "M011",
                                  "on_duty": True, "reason": "顶班"})
    w.run(LEAD, "rota.override", {"date": "2026-12-02", "shift": "evening", "leader": "赵敏", "reason": "调休"})
    w.run(LEAD, "road.assign", {"road": "九堡大道", "area": "west", "team_id": "W05"})
    w.run(LEAD, "team.stand_down", {})          # the reserve called by team.mobilise above goes home
    w.run(LEAD, "team.mobilise", {"pool": "reserve", "area": "west"})
    w.run(system, "shift.change", {"date": "2026-12-02", "shift": "evening"})
    kinds = set(w.checked)
    assert {"shift.changed", "rota.overridden", "road.assigned", "reserve.called_up", "reserve.stood_down"} <= kinds
    assert len(kinds) >= 44, sorted(kinds)       # nearly every kind of event was checked


def test_a_filtered_views_update_touches_its_whole_cases_and_the_removed_ones():
    w = World()
    a, b = report(w), report(w)
    case = json.loads(json.dumps(w.state["cases"][a])) | {"title": "已更新"}
    team = json.loads(json.dumps(w.state["teams"]["W01"]))
    ev = {"type": "event", "seq": w.state["seq"] + 1, "at": "2026-11-23T09:00:00.000Z", "name": "view.update",
          "actor": None, "data": {"cases": [case], "removed": [b], "teams": [team]}}
    t = touched(ev)
    assert t.cases == (a, b) and t.replaced == (a, b) and t.needs == () and t.teams == ("W01",)
    apply(w.state, ev)
    assert b not in w.state["cases"] and w.state["cases"][a]["title"] == "已更新"
