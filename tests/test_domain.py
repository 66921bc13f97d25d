"""The state machine, the reducer and the SLA clock, as plain models (no server, no Qt)."""
from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.commands import CASE_TRANSITIONS, Actor, CommandError, allowed_case_commands, decide, squads_on
from models.compact import compact_text, expand
from models.sla import DUE_SOON, LATE, MET, ON_TIME, OVERDUE, PROFILES, case_clock, case_light, case_sla
from models.state import SeqGap, apply, empty_state, from_wire, to_wire
from models.street import load_street
from models.timeutil import epoch, iso

STREET = load_street()
OP = Actor("op", "operator")
LEAD = Actor("lead", "leader")
T0 = epoch("2026-11-23T08:00:00.000Z")


# the commands whose rules read the server's clock (a rating link expires)
NEEDS_CLOCK = frozenset({"case.rating_link", "case.resident_rate"})
RESIDENT = Actor("resident", "resident")


class World:
    """Decide + apply, stamping events the way the server does."""

    def __init__(self):
        self.state = empty_state()
        self.log: list[dict] = []
        self.now = T0
        self._append("street.loaded", {"street": STREET}, "admin")

    def _append(self, name, data, actor):
        ev = {"type": "event", "seq": self.state["seq"] + 1, "at": iso(self.now), "name": name,
              "actor": actor, "data": json.loads(json.dumps(data))}
        apply(self.state, ev)
        self.log.append(ev)

    def run(self, actor, name, args, advance=10.0):
        self.now += advance
        clock = {"now": self.now} if name in NEEDS_CLOCK else {}
        for ev_name, data in decide(self.state, actor, name, args, **clock):
            self._append(ev_name, data, actor.name)
        return self.state["seq"]


def report(w, **kw):
    args = {"title": "邻里纠纷", "category": "dispute", "source": "12345", "priority": 2,
            "location": {"address": "九和路120号"}} | kw
    w.run(OP, "case.report", args)
    return w.log[-1]["data"]["case_id"]


def test_address_resolves_to_grid_and_area():
    w = World()
    cid = report(w)
    loc = w.state["cases"][cid]["location"]
    assert loc["grid"].startswith("G") and loc["area"] in {"west", "central", "east"}
    assert 30.28 < loc["lat"] < 30.32


def test_invalid_transitions_are_refused_with_a_reason():
    w = World()
    cid = report(w)
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.arrive", {"case_id": cid})
    assert e.value.code == "conflict" and "new" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "ZZZ"})
    assert e.value.code == "not_found"
    w.run(LEAD, "team.duty", {"team_id": "C01", "on_duty": False})
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "C01"})
    assert e.value.code == "conflict" and "off duty" in e.value.message


def test_escalation_ladder_transfer_return_reopen():
    w = World()
    cid = report(w)
    w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "W02"})
    assert w.state["teams"]["W02"]["status"] == "en_route"
    w.run(OP, "case.escalate", {"case_id": cid})
    c = w.state["cases"][cid]
    assert c["status"] == "transferred" and c["department"] == "community" and c["escalation"] == 0
    assert w.state["teams"]["W02"]["status"] == "available" and w.state["teams"]["W02"]["case_id"] is None
    for level, dept in enumerate(["peacemaker", "justice", "legal_aid", "court"], start=1):
        w.run(OP, "case.escalate", {"case_id": cid})
        assert c["escalation"] == level and c["department"] == dept
    assert "case.escalate" not in allowed_case_commands(c)
    with pytest.raises(CommandError):
        w.run(OP, "case.escalate", {"case_id": cid})
    w.run(OP, "case.return", {"case_id": cid, "reason": "分错了"})
    assert c["status"] == "returned" and c["department"] is None
    w.run(OP, "case.transfer", {"case_id": cid, "to": "mediation"})
    w.run(OP, "case.close", {"case_id": cid, "resolution": "调解成功"})
    assert c["status"] == "closed" and c["on_scene_closure"] is False
    w.run(OP, "case.rate", {"case_id": cid, "rating": 5})
    w.run(OP, "case.reopen", {"case_id": cid, "reason": "再次投诉"})
    assert c["status"] == "accepted" and c["reopen_count"] == 1 and "reopened" in c["times"]


def test_wartime_switches_profile_and_merge_counts_repeat_calls():
    w = World()
    assert w.state["sla_profile"] == "1310"
    with pytest.raises(CommandError) as e:
        w.run(OP, "mode.set", {"mode": "wartime"})
    assert e.value.code == "forbidden"
    w.run(LEAD, "mode.set", {"mode": "wartime"})
    assert w.state["mode"] == "wartime" and w.state["sla_profile"] == "wartime"
    a, b = report(w), report(w)
    w.run(OP, "case.merge", {"case_id": b, "into": a})
    assert w.state["cases"][a]["repeat_calls"] == 1 and w.state["cases"][b]["merged_into"] == a


def test_sla_clock_states():
    w = World()
    cid = report(w)
    case = w.state["cases"][cid]
    prof = PROFILES["1310"]
    t = epoch(case["times"]["reported"])
    clocks = case_clock(case, prof, t + 5)
    assert [c.state for c in clocks] == [ON_TIME, ON_TIME, ON_TIME]
    assert case_light(clocks) == (ON_TIME, t + 60)
    assert case_clock(case, prof, t + 45)[0].state == DUE_SOON
    assert case_light(case_clock(case, prof, t + 61))[0] == OVERDUE
    w.now = t + 50
    w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "W01"}, advance=0)
    w.run(OP, "case.sign", {"case_id": cid}, advance=100)       # t+150
    w.run(OP, "case.arrive", {"case_id": cid}, advance=400)     # t+550: contact implied, but after 3 min
    clocks = case_clock(case, prof, t + 600)
    assert [c.state for c in clocks] == [MET, LATE, MET]
    assert case_light(clocks)[0] == LATE
    # wartime profile judges the same case differently: 3 minutes to arrive
    assert case_clock(case, PROFILES["wartime"], t + 600)[1].state == LATE


def test_profiles_are_data():
    assert set(PROFILES) >= {"1310", "1-8-1-24", "135", "wartime"}
    assert [s.minutes for s in PROFILES["1-8-1-24"].stages] == [1, 8, 60, 1440]


def test_gap_is_detected():
    s = empty_state()
    with pytest.raises(SeqGap):
        apply(s, {"seq": 2, "at": iso(T0), "name": "x", "data": {}})


# Any sequence of commands: a client that replays the event log (through JSON, as on the
# wire, from a snapshot taken midway) ends in exactly the server's state.
CASE_CMDS = sorted(CASE_TRANSITIONS)
TEAMS = [sq["id"] for sq in STREET["squads"]]
ARGS = {"case.dispatch": lambda d: {"team_id": d.draw(st.sampled_from(TEAMS[:4]))},
        "case.feedback": lambda d: {"note": "ok"}, "case.close": lambda d: {"resolution": "done"},
        "case.transfer": lambda d: {"to": d.draw(st.sampled_from(["police", "mediation"]))},
        "case.return": lambda d: {"reason": "wrong"}, "case.rate": lambda d: {"rating": d.draw(st.integers(1, 5))},
        "case.note": lambda d: {"note": "n"},
        "case.reinforce": lambda d: {"team_ids": d.draw(st.lists(st.sampled_from(TEAMS[:5]), min_size=1, max_size=3))},
        "case.release": lambda d: {"team_id": d.draw(st.sampled_from(TEAMS[:5]))},
        "case.sign": lambda d: {"team_id": d.draw(st.sampled_from([None, None, *TEAMS[:5]]))},
        "case.arrive": lambda d: {"team_id": d.draw(st.sampled_from([None, None, *TEAMS[:5]]))},
        "case.check": lambda d: {"item": d.draw(st.sampled_from(["d1", "d2", "cm1", "mk1", "f1", "nope"])),
                                 "done": d.draw(st.sampled_from([True, True, False]))},
        "case.callback": lambda d: d.draw(st.sampled_from([
            {"outcome": "not_reached"}, {"outcome": "reached", "rating": 5}, {"outcome": "reached", "rating": 3},
            {"outcome": "reached", "rating": 1, "follow_up": "reopen", "note": "不满意"},
            {"outcome": "reached", "rating": 2, "follow_up": "supervise", "note": "不满意"},
            {"outcome": "reached", "rating": 2}, {"outcome": "reached", "rating": 4, "follow_up": "reopen"}])),
        # joint handling (一件事): departments' parts, their feedback, linked cases
        "case.part_add": lambda d: {"parts": d.draw(st.lists(st.sampled_from([
            {"department": "citymgmt", "task": "清理", "hours": 4}, {"department": "market", "task": "核查"},
            {"department": "police", "task": "维持秩序", "hours": 1}]), min_size=1, max_size=2))},
        "case.part_feedback": lambda d: {"part_id": d.draw(st.sampled_from(["P1", "P2", "P3"])), "note": "已办"},
        "case.part_cancel": lambda d: {"part_id": d.draw(st.sampled_from(["P1", "P2"])), "reason": "派错"},
        "case.link": lambda d: {"case_ids": [f"C{d.draw(st.integers(1, 12)):06d}"],
                                "warning": d.draw(st.sampled_from([None, "place:九堡中心小学"]))}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
@pytest.mark.slow
def test_any_command_sequence_replays_to_the_same_state(data):
    w = World()
    n = data.draw(st.integers(5, 60))
    snap_at = data.draw(st.integers(0, n))
    snapshot = None
    for i in range(n):
        if i == snap_at:
            snapshot = json.loads(json.dumps(to_wire(w.state)))
        kind = data.draw(st.sampled_from(["report", "case", "case", "loop", "workflow", "team", "mode", "warning",
                                          "joint", "duty"]))
        try:
            if kind == "report" or not w.state["cases"]:
                report(w, priority=data.draw(st.integers(1, 4)),
                       category=data.draw(st.sampled_from(["dispute", "city_management", "market", "fire"])),
                       reporter={"name": "王", "phone": data.draw(st.sampled_from(["", "13812345678"]))})
            elif kind in ("loop", "workflow"):
                # the squad loop on one case, as far as it goes (closed cases to call back), or one of
                # the workflows on it (callback, reinforcement, release, escalation)
                cid = data.draw(st.sampled_from(sorted(w.state["cases"])))
                if kind == "workflow" and data.draw(st.booleans()):
                    # most often on a case with squads on it, or one closed with a number to call
                    busy = sorted(c["id"] for c in w.state["cases"].values()
                                  if c["status"] in ("dispatched", "signed", "contacted", "on_scene", "resolved")
                                  or (c["status"] == "closed" and (c.get("reporter") or {}).get("phone")))
                    cid = data.draw(st.sampled_from(busy)) if busy else cid
                steps = [("case.dispatch", {"team_id": data.draw(st.sampled_from(TEAMS[:4]))}), ("case.sign", {}),
                         ("case.arrive", {}), ("case.feedback", {"note": "ok"}), ("case.close", {"resolution": "done"})]
                steps = steps[:data.draw(st.integers(1, len(steps)))]       # as far as it gets
                if kind == "workflow":
                    name = data.draw(st.sampled_from(["case.callback", "case.callback", "case.reinforce",
                                                      "case.reinforce", "case.release", "case.release",
                                                      "case.escalate", "case.sign", "case.arrive",
                                                      "case.part_add", "case.part_feedback", "case.link",
                                                      "case.close", "case.unlink",
                                                      "case.rating_link", "case.resident_rate", "case.check"]))
                    extra = ARGS.get(name, lambda d: {})(data)
                    if name == "case.resident_rate":
                        # the resident's rating through the case's link (or a stale one)
                        link = (w.state["cases"][cid].get("rating_link") or {}).get("seq", 0)
                        extra = {"link": link - data.draw(st.sampled_from([0, 0, 1])),
                                 "rating": data.draw(st.integers(1, 5)), "note": "好"}
                        try:
                            w.run(RESIDENT, name, {"case_id": cid, **extra},
                                  advance=data.draw(st.sampled_from([10.0, 10.0, 80 * 3600.0])))
                        except CommandError as e:
                            assert e.code in {"invalid", "conflict"}
                        continue
                    on = [x["team_id"] for x in w.state["cases"][cid].get("support") or () if not x.get("released")]
                    if name in ("case.release", "case.sign", "case.arrive") and on and data.draw(st.booleans()):
                        extra = {"team_id": data.draw(st.sampled_from(on))}      # a supporting squad's own step
                    free = [t for t in TEAMS[:6] if t not in squads_on(w.state["cases"][cid])]
                    if name == "case.reinforce" and free and data.draw(st.booleans()):
                        extra = {"team_ids": data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=2))}
                    if name in ("case.part_feedback", "case.part_cancel", "case.close"):
                        # most often on a joint case, its open parts (closing: refused until all are done)
                        joint_open = sorted(c["id"] for c in w.state["cases"].values()
                                            if any(not p.get("done") and not p.get("cancelled")
                                                   for p in c.get("parts") or ()))
                        if joint_open and data.draw(st.booleans()):
                            cid = data.draw(st.sampled_from(joint_open))
                            if name != "case.close":
                                extra = {**extra, "part_id": data.draw(st.sampled_from(
                                    [p["id"] for p in w.state["cases"][cid]["parts"]]))}
                    if name == "case.link":
                        extra = {**extra, "case_ids": data.draw(st.lists(st.sampled_from(sorted(w.state["cases"])),
                                                                         min_size=1, max_size=3))}
                        if extra.get("warning") is None:
                            extra.pop("warning", None)
                    if name == "case.unlink":
                        linked = sorted(c["id"] for c in w.state["cases"].values() if c.get("linked_to"))
                        cid = data.draw(st.sampled_from(linked)) if linked else cid
                    steps = [(name, extra)]
                for name, extra in steps:
                    try:
                        w.run(OP, name, {"case_id": cid, **extra})
                    except CommandError as e:
                        assert e.code in {"invalid", "conflict", "not_found"}
            elif kind == "case":
                name = data.draw(st.sampled_from(CASE_CMDS))
                cid = data.draw(st.sampled_from(sorted(w.state["cases"])))
                args = {"case_id": cid} | ARGS.get(name, lambda d: {})(data)
                if name == "case.merge":
                    args["into"] = data.draw(st.sampled_from(sorted(w.state["cases"])))
                if args.get("warning") is None:
                    args.pop("warning", None)
                who = OP
                if name == "case.part_feedback" and data.draw(st.booleans()):
                    who = Actor("d", "department", department=data.draw(st.sampled_from(["citymgmt", "market"])))
                w.run(who, name, args)
            elif kind == "team":
                tid = data.draw(st.sampled_from(TEAMS[:4]))
                args = {"team_id": tid, "on_duty": data.draw(st.booleans()), "lat": 30.3, "lon": 120.25,
                        "status": data.draw(st.sampled_from(["busy", "available"])), "text": "收到",
                        "phrase": data.draw(st.sampled_from([None, "stand_by"]))}
                if data.draw(st.integers(0, 5)) == 0:       # the whole talkgroup
                    args = {"talkgroup": data.draw(st.sampled_from(["TG-1", "TG-2"])), "phrase": "stand_by"}
                w.run(LEAD, data.draw(st.sampled_from(["team.duty", "radio.emergency", "team.position",
                                                       "radio.transmit", "team.status", "team.mobilise"])), args)
            elif kind == "duty":
                # the rota's shift changes, the leader's overrides, the roads, the reserve (models/rota.py)
                what = data.draw(st.sampled_from(["shift", "override", "leader", "road", "mobilise", "stand_down"]))
                cur = (w.state.get("rota") or {}).get("current")
                day, shift = (cur["date"], cur["shift"]) if cur else ("2026-12-02", "night")
                nxt = {"night": (day, "day"), "day": (day, "evening"),
                       "evening": (iso(epoch(day + "T12:00:00Z") + 86400)[:10], "night")}[shift]
                tid = data.draw(st.sampled_from(TEAMS[:4]))
                mid = data.draw(st.sampled_from([m["id"] for m in w.state["teams"][tid]["members"]]))
                if what == "shift":
                    w.run(Actor("rota", "system"), "shift.change", {"date": nxt[0], "shift": nxt[1]})
                elif what in ("override", "leader"):
                    d, s_ = data.draw(st.sampled_from([(day, shift), nxt]))
                    w.run(LEAD, "rota.override", {"date": d, "shift": s_, "reason": "调整"} | (
                        {"leader": data.draw(st.sampled_from(["赵敏", "钱亮"]))} if what == "leader" else
                        {"team_id": tid, "member_id": mid, "on_duty": data.draw(st.booleans())}))
                elif what == "road":
                    road = data.draw(st.sampled_from(["九堡大道", "德胜东路", "三卫路"]))
                    w.run(LEAD, "road.assign", {"road": road, "area": "west", "team_id": tid, "member_id": mid})
                elif what == "mobilise":
                    w.run(LEAD, "team.mobilise", {"pool": data.draw(st.sampled_from(["reserve", "all"]))})
                else:
                    w.run(LEAD, "team.stand_down", {})
            elif kind == "joint":
                # joint handling on one case, as far as it goes: parts, links, each part's feedback
                # (by its department or the room), closing (refused while a part is open)
                cid = data.draw(st.sampled_from(sorted(w.state["cases"])))
                steps = [("case.part_add", ARGS["case.part_add"](data)),
                         ("case.link", {"case_ids": data.draw(st.lists(st.sampled_from(sorted(w.state["cases"])),
                                                                       min_size=1, max_size=3))}),
                         ("case.part_feedback", {"part_id": "P1", "note": "已办"}),
                         ("case.part_feedback", {"part_id": "P2", "note": "已办"}),
                         ("case.close", {"resolution": "联合处置完毕"})]
                for name, extra in steps[:data.draw(st.integers(1, len(steps)))]:
                    case = w.state["cases"][cid]
                    part = next((p for p in case.get("parts") or () if p["id"] == extra.get("part_id")), None)
                    who = OP
                    if part is not None and data.draw(st.booleans()):
                        who = Actor("d", "department", department=part["department"])
                    try:
                        w.run(who, name, {"case_id": cid, **extra})
                    except CommandError as e:
                        assert e.code in {"invalid", "conflict", "not_found"}
            elif kind == "warning":
                ids = sorted(data.draw(st.lists(st.sampled_from(sorted(w.state["cases"])), min_size=1, max_size=4)))
                w.run(OP, "warning.ack", {"warning": "place:九和路120号", "case_ids": ids, "note": "已知"})
            elif data.draw(st.booleans()):
                w.run(LEAD, "mode.set", {"mode": data.draw(st.sampled_from(["wartime", "peacetime"]))})
            elif data.draw(st.booleans()):
                w.run(LEAD, "sla.set", {"profile": data.draw(st.sampled_from(["1310", "1-8-1-24", "135", "wartime"]))})
            elif data.draw(st.integers(0, 3)) == 0:
                # an admin edits a guide (its required items then hold feedback back) or resets it
                cat = data.draw(st.sampled_from(["dispute", "fire"]))
                w.run(Actor("admin", "admin"), "guidance.set", {"category": cat, "reset": True}
                      if data.draw(st.booleans()) else {"category": cat, "guide": {
                          "guide": "新版", "items": [{"id": "d1", "zh": "核实", "required": data.draw(st.booleans())},
                                                   {"zh": "拍照"}]}})
            else:
                who = data.draw(st.sampled_from([LEAD, Actor("li", "leader")]))
                w.run(who, data.draw(st.sampled_from(["shift.handover", "shift.ack"])), {"note": "交班"})
        except CommandError as e:
            assert e.code in {"invalid", "conflict", "not_found", "forbidden"}
    if snapshot is None:
        snapshot = json.loads(json.dumps(to_wire(w.state)))
    client = from_wire(snapshot)
    for ev in w.log:
        if ev["seq"] > client["seq"]:
            apply(client, json.loads(json.dumps(ev)))
    assert client == json.loads(json.dumps(w.state))
    # each case, whatever its history, comes back whole from the compact form a cockpit's
    # snapshot carries (models/compact.py)
    for case in client["cases"].values():
        assert expand(orjson.loads(compact_text(case))) == case
    # invariants a user relies on: a squad's current case is one of its open cases
    for t in client["teams"].values():
        for cid in t["cases"]:
            assert t["id"] in squads_on(client["cases"][cid])        # it leads the case or supports it
            assert client["cases"][cid]["status"] not in ("closed", "transferred", "returned")
        assert t["case_id"] is None or t["case_id"] in t["cases"]
    # and every squad on an open case has it among its cases: releasing one frees only that one
    for case in client["cases"].values():
        for tid in squads_on(case) if case["status"] in ("dispatched", "signed", "contacted", "on_scene") else ():
            assert case["id"] in client["teams"][tid]["cases"]
    # joint cases: a closed case has no open part; a linked case is among its lead's links and back
    from models import joint
    for case in client["cases"].values():
        if case["status"] == "closed":
            assert not joint.open_parts(case), case["id"]
        if case.get("linked_to"):
            assert case["id"] in client["cases"][case["linked_to"]]["links"]
        for cid in case.get("links") or ():
            assert client["cases"][cid]["linked_to"] == case["id"]
    # a profile change never rewrites a case: each keeps the profile in force when it was reported
    # (or last reopened)
    profile_at = {}
    current = "1310"
    for ev in w.log:
        if ev["name"] in ("sla.profile_changed", "mode.changed") and not ev["data"].get("after_wartime"):
            current = ev["data"]["profile"]
        elif ev["name"] in ("case.reported", "case.reopened"):
            profile_at[ev["data"]["case_id"]] = current
    assert {cid: c["sla_profile"] for cid, c in client["cases"].items()} == profile_at
    # the queue's quick SLA light is exactly the stage clocks' light, whatever the history
    for case in client["cases"].values():
        t0 = epoch(case["times"]["reported"])
        for prof in PROFILES.values():
            for dt in (0, 30, 45, 59, 61, 170, 185, 590, 610, 3600):
                assert case_sla(case, prof, t0 + dt) == case_light(case_clock(case, prof, t0 + dt))
