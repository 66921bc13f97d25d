"""The one reducer shared by the server and every client: `apply(state, event) -> state`.

State is plain JSON-able data:
    {"seq": int, "street": {...}|None, "mode": "peacetime"|"wartime", "sla_profile": str,
     "next_case_no": int, "cases": {id: case}, "teams": {id: team}}
`apply` mutates `state` in place (a copy per event would be too slow at 100k cases) and
returns it. It trusts events: validation happened in `models.commands.decide` before the
event was made durable. Events must be applied in seq order with no gaps.
"""
from __future__ import annotations

from typing import NamedTuple

from . import joint
from .domain import ESCALATION_LADDER
from .radio import RADIO_LOG_LIMIT
from .rota import initial_roads, prune_before
from .timeutil import epoch, iso

TIMELINE_KEYS = ("note", "team_id", "to", "resolution", "reason", "rating", "level", "into", "changes", "kind",
                 "outcome", "attempt", "team_ids", "by_role", "department", "count",
                 "part_id", "task", "case_ids", "lead", "warning", "with_lead", "source", "expires",
                 "item", "item_text", "ticked")


class SeqGap(Exception):
    """An event arrived out of order: the holder must resync from a snapshot."""


def empty_state() -> dict:
    return {"seq": 0, "street": None, "mode": "peacetime", "sla_profile": "1310",
            "next_case_no": 1, "cases": {}, "teams": {}}


def team_from_squad(sq: dict) -> dict:
    return {
        "id": sq["id"], "call_sign": sq["call_sign"], "area": sq["area"],
        "talkgroup": sq.get("talkgroup", sq["area"]),
        "members": [dict(m, on_duty=m.get("on_duty", True)) for m in sq.get("members", [])],
        "status": "available", "status_since": None, "on_duty": True,
        "cases": [], "case_id": None, "last_tx": None, "position": None, "emergency": None,
        "position_at": None, "reinforcement": None, "terminal": None,
    }


def to_wire(state: dict) -> dict:
    """State as the protocol's snapshot carries it: cases and teams as lists."""
    return {k: (list(v.values()) if k in ("cases", "teams") else v) for k, v in state.items()}


def from_wire(wire: dict) -> dict:
    st = empty_state()
    st.update({k: v for k, v in wire.items() if k not in ("cases", "teams")})
    st["cases"] = {c["id"]: c for c in wire.get("cases", [])}
    st["teams"] = {t["id"]: t for t in wire.get("teams", [])}
    return st


def apply(state: dict, event: dict) -> dict:
    seq = event["seq"]
    if seq != state["seq"] + 1:
        raise SeqGap(f"expected seq {state['seq'] + 1}, got {seq}")
    handler = _HANDLERS.get(event["name"])
    if handler is not None:
        handler(state, event, event.get("data") or {})
    state["seq"] = seq
    return state


# ---- helpers ----------------------------------------------------------------

def _case(state, data):
    return state["cases"][data["case_id"]]


def _log(case, ev, extra=None):
    entry = {"seq": ev["seq"], "at": ev["at"], "name": ev["name"], "actor": ev.get("actor")}
    data = ev.get("data") or {}
    for k in TIMELINE_KEYS:
        if k in data:
            entry[k] = data[k]
    if extra:
        entry.update(extra)
    case["timeline"].append(entry)
    case["updated"] = ev["at"]


def _team_status(team, status, at):
    if team["status"] != status:
        team["status"] = status
        team["status_since"] = at
        team.pop("status_by", None)       # the case's steps moved it: nobody's say-so


def _radio_log(team, entry):
    log = team.setdefault("radio_log", [])
    log.append(entry)
    del log[:-RADIO_LOG_LIMIT]


def _release_team(state, case, at, tid=None):
    """Free the case's lead squad (or squad `tid`) of it: available when it has no other case."""
    tid = tid or case.get("team_id")
    team = state["teams"].get(tid) if tid else None
    if team is None:
        return
    if case["id"] in team["cases"]:
        team["cases"].remove(case["id"])
    team["case_id"] = team["cases"][-1] if team["cases"] else None
    if team["case_id"] is None and team["status"] in ("en_route", "on_scene", "busy") and team["on_duty"]:
        _team_status(team, "available", at)


def _release_all(state, case, at):
    """The case leaves its squads: the lead and every supporting squad still on it."""
    _release_team(state, case, at)
    for sup in case.get("support") or ():
        if not sup.get("released"):
            sup["released"] = at
            _release_team(state, case, at, sup["team_id"])


def _take(state, case, tid, at):
    """Squad `tid` goes to the case: it is the squad's current case, and the squad is en route."""
    team = state["teams"][tid]
    if case["id"] not in team["cases"]:
        team["cases"].append(case["id"])
    team["case_id"] = case["id"]
    _team_status(team, "en_route", at)


def _milestone(case, status, ev):
    case["status"] = status
    case["times"].setdefault(status, ev["at"])


# ---- handlers ---------------------------------------------------------------

def _street_loaded(state, ev, d):
    street = d["street"]
    state["street"] = street
    state["sla_profile"] = street.get("sla_profile", "1310")
    state["teams"] = {sq["id"]: team_from_squad(sq) for sq in street["squads"]}
    for t in state["teams"].values():
        t["status_since"] = ev["at"]
    # the rota, the road assignments and the reserve (models/rota.py), when the street has them
    for key, value in (("rota", {"current": None, "overrides": {}} if street.get("rota") else None),
                       ("roads", initial_roads(street) or None),
                       ("reserve", {r["id"]: {**r, "on_duty": False, "mobilised": None}
                                    for r in street.get("reserve") or ()} or None)):
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value


def _reported(state, ev, d):
    cid = d["case_id"]
    case = {
        "id": cid, "no": d.get("no"), "title": d["title"], "description": d.get("description", ""),
        "category": d["category"], "subtags": d.get("subtags", []), "source": d["source"],
        "priority": d["priority"], "location": d["location"], "reporter": d.get("reporter"),
        "parties": d.get("parties", []), "status": "new", "team_id": None, "department": None,
        "escalation": -1, "supervision": 0, "rating": None, "reopen_count": 0, "repeat_calls": 0,
        "merged_into": None, "on_scene_closure": None, "resolution": None,
        # SLA clocks run from the call (`called_at`, which a report taken offline carries);
        # `received` is when the server took it
        "times": {"reported": d.get("called_at") or ev["at"]}, "received": ev["at"],
        "timeline": [], "notes": [], "created": ev["at"], "updated": ev["at"],
        "business": d.get("business"),
        "sla_profile": state["sla_profile"],     # judged by the profile in force when reported
    }
    state["cases"][cid] = case
    if d.get("no"):
        state["next_case_no"] = max(state["next_case_no"], d["no"] + 1)
    _log(case, ev)
    closed = d.get("closed")
    if closed:
        # a former system's case, imported with its history (models/commands: `history`):
        # closed there then; its last update is that time (the windows judge it by it)
        case["status"] = "closed"
        case["times"]["closed"] = closed["at"]
        case["resolution"] = closed.get("resolution") or ""
        case["updated"] = closed["at"]


def _accepted(state, ev, d):
    case = _case(state, d)
    _milestone(case, "accepted", ev)
    _log(case, ev)


def _dispatched(state, ev, d):
    case = _case(state, d)
    if case.get("team_id") and case["team_id"] != d["team_id"]:
        _release_team(state, case, ev["at"])
    case["team_id"] = d["team_id"]
    case["department"] = None
    case.pop("dept_signed", None)
    case["times"].setdefault("accepted", ev["at"])
    _milestone(case, "dispatched", ev)
    for sup in case.get("support") or ():
        if sup["team_id"] == d["team_id"] and not sup.get("released"):
            sup["released"] = ev["at"]          # a supporting squad that now leads
    _take(state, case, d["team_id"], ev["at"])
    _log(case, ev)


def _field_step(status, team_status=None):
    def h(state, ev, d):
        case = _case(state, d)
        if d.get("support"):
            _support_step(state, case, ev, d, status)
            return
        _milestone(case, status, ev)
        if team_status and case.get("team_id") in state["teams"]:
            _team_status(state["teams"][case["team_id"]], team_status, ev["at"])
        _log(case, ev)
    return h


def _support_step(state, case, ev, d, status):
    """A supporting squad signed for or arrived at the case: its own stamp; the case's status
    is the lead's. The first supporting squad on scene meets the reinforcement stage."""
    sup = next(s for s in case["support"] if s["team_id"] == d["team_id"] and not s.get("released"))
    if status == "signed":
        sup["signed"] = ev["at"]
    else:
        sup["arrived"] = ev["at"]
        case["times"].setdefault("reinforced", ev["at"])
        _team_status(state["teams"][d["team_id"]], "on_scene", ev["at"])
    _log(case, ev)


def _reinforced(state, ev, d):
    case = _case(state, d)
    support = case.setdefault("support", [])
    for tid in d["team_ids"]:
        support.append({"team_id": tid, "at": ev["at"], "signed": None, "arrived": None, "released": None})
        _take(state, case, tid, ev["at"])
    _log(case, ev)


def _released(state, ev, d):
    case = _case(state, d)
    for sup in case.get("support") or ():
        if sup["team_id"] == d["team_id"] and not sup.get("released"):
            sup["released"] = ev["at"]
    _release_team(state, case, ev["at"], d["team_id"])
    _log(case, ev)


def _feedback(state, ev, d):
    case = _case(state, d)
    _milestone(case, "resolved", ev)
    case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d.get("note", "")})
    _release_all(state, case, ev["at"])
    _log(case, ev)


def _progressed(state, ev, d):
    """An interim progress report (the 1-8-1-24 profile's first feedback): a note and the
    `progress` milestone; the status does not change."""
    case = _case(state, d)
    case["times"].setdefault("progress", ev["at"])
    case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d.get("note", ""), "kind": "progress"})
    _log(case, ev)


def _dept_signed(state, ev, d):
    case = _case(state, d)
    case["dept_signed"] = {"at": ev["at"], "by": ev.get("actor"), "department": d.get("department")}
    _log(case, ev)


def _followed_up(state, ev, d):
    case = _case(state, d)
    case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d.get("note", ""), "kind": "follow_up"})
    _log(case, ev)


def _confirmed(state, ev, d):
    case = _case(state, d)
    case["confirmation"] = {"at": ev["at"], "by": ev.get("actor"), "outcome": d.get("outcome")}
    if "note" in d:             # (a wall's copy has it emptied: the note is still there)
        case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d["note"], "kind": "confirm"})
    _log(case, ev)


def _closed(state, ev, d):
    case = _case(state, d)
    case["on_scene_closure"] = bool(d.get("on_scene_closure"))
    case["resolution"] = d.get("resolution")
    _milestone(case, "closed", ev)
    _release_all(state, case, ev["at"])
    _log(case, ev)


def _transferred(state, ev, d):
    case = _case(state, d)
    _void_rating_link(case)
    _release_all(state, case, ev["at"])
    case["department"] = d["to"]
    case.pop("dept_signed", None)
    case["status"] = "transferred"
    case["times"].setdefault("transferred", ev["at"])
    _log(case, ev)


def _escalated(state, ev, d):
    case = _case(state, d)
    _void_rating_link(case)
    _release_all(state, case, ev["at"])
    case["escalation"] = d["level"]
    case["department"] = d.get("to") or ESCALATION_LADDER[d["level"]][0]
    # the ladder it goes up and its step's deadline (events before ladders were data: disputes, none)
    case["ladder"] = d.get("ladder", "dispute")
    case["escalation_due"] = iso(epoch(ev["at"]) + d["hours"] * 3600.0) if d.get("hours") else None
    case.pop("dept_signed", None)
    case["status"] = "transferred"
    case["times"].setdefault("transferred", ev["at"])
    _log(case, ev)


def _returned(state, ev, d):
    case = _case(state, d)
    _void_rating_link(case)
    _release_all(state, case, ev["at"])
    case["team_id"] = None
    case["department"] = None
    case.pop("dept_signed", None)
    case["status"] = "returned"
    _log(case, ev)


def _reopened(state, ev, d):
    case = _case(state, d)
    case["reopen_count"] += 1
    case["status"] = "accepted"
    keep = {"reported": case["times"]["reported"]}
    case["times"] = keep | {"reopened": ev["at"], "accepted": ev["at"]}
    case["sla_profile"] = state["sla_profile"]      # its clocks run again, under today's profile
    case["team_id"] = None
    case["on_scene_closure"] = None
    # the rating and the callback were about the closure now undone: the next closure is
    # rated (and called back) afresh; the timeline keeps the old ones
    case["rating"] = None
    case.pop("rating_source", None)
    case.pop("callback", None)
    _void_rating_link(case)
    _log(case, ev)


def _supervised(state, ev, d):
    case = _case(state, d)
    case["supervision"] += 1
    case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d.get("note", ""), "kind": "supervise"})
    _log(case, ev)


def _rated(state, ev, d):
    """A rating: the resident's through its link (`source: resident`, with the comment as a
    note) or the room's (case.rate)."""
    case = _case(state, d)
    case["rating"] = d["rating"]
    case["rating_source"] = d.get("source") or "room"
    if d.get("note"):
        case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d["note"], "kind": "resident"})
    _log(case, ev)


def _rating_link_issued(state, ev, d):
    """A one-time rating link for the case's resident (扫码打分): the seq of this event names it."""
    case = _case(state, d)
    case["rating_link"] = {"seq": ev["seq"], "at": ev["at"], "by": ev.get("actor"), "by_role": d.get("by_role"),
                           "expires": d["expires"]}
    _log(case, ev)


def _checked(state, ev, d):
    """A checklist item of the case's guide ticked (or unticked): who, when, from where."""
    case = _case(state, d)
    marks = case.setdefault("checklist", {})
    if d.get("ticked", True):
        marks[d["item"]] = {"at": ev["at"], "by": ev.get("actor"), "by_role": d.get("by_role")}
    else:
        marks.pop(d["item"], None)
    _log(case, ev)


def _guidance_changed(state, ev, d):
    """A category's handling guide as an administrator edited it (reset: the shipped one again)."""
    g = state.setdefault("guidance", {})
    if d.get("reset"):
        g.pop(d["category"], None)
    else:
        g[d["category"]] = d["guide"]


def _void_rating_link(case):
    """The case left its closure (reopened, sent elsewhere): a link made for it no longer works."""
    case.pop("rating_link", None)


def _called_back(state, ev, d):
    """A call to the reporter: the try is counted; reached, the rating is the case's."""
    case = _case(state, d)
    prev = case.get("callback") or {}
    outcome = d["outcome"]
    if outcome == "not_reached" and d.get("last_try"):
        outcome = "unreachable"
    case["callback"] = {"attempts": d.get("attempt", prev.get("attempts", 0) + 1), "last_at": ev["at"],
                        "outcome": outcome}
    if d.get("rating") is not None:
        case["rating"] = d["rating"]
        case["rating_source"] = "callback"
    if d.get("note"):
        case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d["note"], "kind": "callback"})
    _log(case, ev)


def _noted(state, ev, d):
    case = _case(state, d)
    case["notes"].append({"at": ev["at"], "by": ev.get("actor"), "text": d["note"]})
    _log(case, ev)


def _merged(state, ev, d):
    case = _case(state, d)
    target = state["cases"][d["into"]]
    target["repeat_calls"] += 1
    _log(target, ev, {"from_case": case["id"]})
    case["merged_into"] = d["into"]
    _milestone(case, "closed", ev)
    case["resolution"] = "merged"
    _release_all(state, case, ev["at"])
    _log(case, ev)


def _amended(state, ev, d):
    """Corrections after intake: the new values replace the old, the timeline keeps both;
    the case's times (and so its SLA clocks) are untouched."""
    case = _case(state, d)
    for field, (_old, new) in d["changes"].items():
        case[field] = new
    _log(case, ev)


def _alert_acknowledged(state, ev, d):
    """An alert on this case was acknowledged for the whole room (kept on the case, so it
    survives restarts and reaches every cockpit and the wall)."""
    case = _case(state, d)
    case.setdefault("acks", {})[d["kind"]] = {"at": ev["at"], "by": ev.get("actor")}
    _log(case, ev)


def _team(state, d):
    return state["teams"][d["team_id"]]


def _team_status_ev(state, ev, d):
    team = _team(state, d)
    _team_status(team, d["status"], ev["at"])
    if d.get("by_role") not in (None, "field"):
        # set by the room on the squad's behalf (radio report): marked so, in its radio log too
        team["status_by"] = {"actor": ev.get("actor"), "role": d["by_role"], "at": ev["at"]}
        _radio_log(team, {"seq": ev["seq"], "at": ev["at"], "by": ev.get("actor"), "status": d["status"],
                          "from_room": True})


def _team_duty(state, ev, d):
    t = _team(state, d)
    t["on_duty"] = d["on_duty"]
    if d.get("mobilised"):
        t["mobilised"] = ev["at"]           # called up by mass mobilisation (team.mobilise)
    else:
        t.pop("mobilised", None)
    if not d["on_duty"]:
        _team_status(t, "off_duty", ev["at"])
    elif t["status"] == "off_duty":
        _team_status(t, "available", ev["at"])


def _team_position(state, ev, d):
    t = _team(state, d)
    t["position"] = [d["lat"], d["lon"]]
    t["position_at"] = ev["at"]


def _reinforcement_requested(state, ev, d):
    t = _team(state, d)
    t["reinforcement"] = {"at": ev["at"], "by": d.get("by") or ev.get("actor"), "note": d.get("note", ""),
                          "case_id": d.get("case_id"), "count": d.get("count", 1), "seq": ev["seq"]}
    case = state["cases"].get(d.get("case_id")) if d.get("case_id") else None
    if case is not None:
        _log(case, ev)
        case["timeline"][-1].pop("note", None)      # the request's words are the squad's (team.reinforcement)


def _reinforcement_ack(state, ev, d):
    _team(state, d)["reinforcement"] = None


def _presence(state, ev, d):
    """How many terminals of the squad are online (server-made, on connect and disconnect)."""
    t = _team(state, d)
    before = (t.get("terminal") or {}).get("online", 0)
    since = (t.get("terminal") or {}).get("since")
    n = d["online"]
    t["terminal"] = {"online": n, "since": (since if before else ev["at"]) if n else None, "last_seen": ev["at"]}


def _member_moved(state, ev, d):
    src = state["teams"][d["from"]]
    dst = state["teams"][d["to"]]
    member = next(m for m in src["members"] if m["id"] == d["member_id"])
    src["members"].remove(member)
    dst["members"].append(member)


def _member_duty(state, ev, d):
    t = _team(state, d)
    for m in t["members"]:
        if m["id"] == d["member_id"]:
            m["on_duty"] = d["on_duty"]
            if d.get("mobilised") and d["on_duty"]:
                m["mobilised"] = ev["at"]       # called up out of their shift (team.mobilise)
            else:
                m.pop("mobilised", None)


def _set_member(team, mid, on):
    for m in team["members"]:
        if m["id"] == mid:
            m["on_duty"] = on
            m.pop("mobilised", None)


def _squad_duty(team, on, at):
    team["on_duty"] = on
    team.pop("mobilised", None)
    if not on:
        _team_status(team, "off_duty", at)
    elif team["status"] == "off_duty":
        _team_status(team, "available", at)


def _shift_changed(state, ev, d):
    """A shift starts (the rota's crew on, the last one off; models/rota.py): each cockpit
    and the wall apply the same changes, as the event lists them."""
    teams = state["teams"]
    for tid, mid in d.get("on") or ():
        if tid in teams:
            _set_member(teams[tid], mid, True)
    for tid, mid in [*(d.get("off") or ()), *(d.get("settled") or ())]:
        if tid in teams:
            _set_member(teams[tid], mid, [tid, mid] in (d.get("settled") or ()))
    for tid in d.get("squads_on") or ():
        if tid in teams:
            _squad_duty(teams[tid], True, ev["at"])
    for tid in d.get("squads_off") or ():
        if tid in teams:
            _squad_duty(teams[tid], False, ev["at"])
    rota = dict(state.get("rota") or {})
    keep = prune_before(d["date"])
    rota["overrides"] = {k: v for k, v in (rota.get("overrides") or {}).items() if k.split("/", 1)[0] >= keep}
    rota["current"] = {"date": d["date"], "shift": d["shift"], "crew": d.get("crew"), "leader": d.get("leader", ""),
                       "at": d.get("at") or ev["at"], "seq": ev["seq"], "came_on": len(d.get("on") or ()),
                       "went_off": len(d.get("off") or ()), "held": len(d.get("held") or ()),
                       "held_squads": list(d.get("held_squads") or ())}
    state["rota"] = rota


def _rota_overridden(state, ev, d):
    """The leader's change to one shift of the rota (a member on or off, or its leader),
    kept with who, when and why; applied at once to the shift in force."""
    rota = dict(state.get("rota") or {"current": None, "overrides": {}})
    overrides = dict(rota.get("overrides") or {})
    key = f"{d['date']}/{d['shift']}"
    entry = dict(overrides.get(key) or {})
    stamp = {"by": ev.get("actor"), "at": ev["at"], "reason": d.get("reason", ""), "seq": ev["seq"]}
    cur = rota.get("current")
    now = bool(cur and cur["date"] == d["date"] and cur["shift"] == d["shift"])
    if "leader" in d:
        entry["leader"] = {"name": d["leader"], **stamp}
        if now:
            rota["current"] = {**cur, "leader": d["leader"]}
    else:
        members = dict(entry.get("members") or {})
        members[f"{d['team_id']}/{d['member_id']}"] = {"on_duty": d["on_duty"], **stamp}
        entry["members"] = members
        if now and d["team_id"] in state["teams"]:
            _set_member(state["teams"][d["team_id"]], d["member_id"], d["on_duty"])
    overrides[key] = entry
    rota["overrides"] = overrides
    state["rota"] = rota


def _road_assigned(state, ev, d):
    roads = dict(state.get("roads") or initial_roads(state.get("street") or {}))
    roads[f"{d['road']}/{d['area']}"] = {"road": d["road"], "area": d["area"], "team_id": d["team_id"],
                                         "member_id": d.get("member_id"), "by": ev.get("actor"), "at": ev["at"],
                                         "reason": d.get("reason", "")}
    state["roads"] = roads


def _reserve_duty(on):
    def h(state, ev, d):
        reserve = dict(state.get("reserve") or {})
        for rid, tid in d.get("people") or ():
            if rid in reserve:
                reserve[rid] = {**reserve[rid], "on_duty": on, "mobilised": ev["at"] if on else None, "team_id": tid}
        state["reserve"] = reserve
    return h


def _radio_tx(state, ev, d):
    """A message on the radio: to one squad (`team_id`) or every squad of a `talkgroup`."""
    by = d.get("by") or ev.get("actor")
    for tid in d.get("team_ids") or [d["team_id"]]:
        team = state["teams"][tid]
        team["last_tx"] = {"at": ev["at"], "by": by, "text": d.get("text", "")}
        _radio_log(team, {"seq": ev["seq"], "at": ev["at"], "by": by, "text": d.get("text", ""),
                          "from_room": bool(d.get("from_room")),
                          **({"talkgroup": d["talkgroup"]} if d.get("talkgroup") else {})})


def _radio_emergency(state, ev, d):
    t = _team(state, d)
    t["emergency"] = {"at": ev["at"], "by": d.get("by") or ev.get("actor"), "note": d.get("note", ""),
                      "seq": ev["seq"]}
    t["last_tx"] = {"at": ev["at"], "by": d.get("by") or ev.get("actor"), "text": d.get("note", "")}
    _radio_log(t, {"seq": ev["seq"], "at": ev["at"], "by": d.get("by") or ev.get("actor"), "text": d.get("note", ""),
                   "from_room": False, "emergency": True})


def _radio_ack(state, ev, d):
    _team(state, d)["emergency"] = None


ROOM_LOG_LIMIT = 50       # the room's last profile and mode changes, kept in the state for every cockpit


def _room_log(state, ev, d):
    log = state.setdefault("room_log", [])
    log.append({"seq": ev["seq"], "at": ev["at"], "actor": ev.get("actor"), "name": ev["name"],
                "profile": d.get("profile"), "mode": d.get("mode", state.get("mode")),
                **({"after_wartime": True} if d.get("after_wartime") else {})})
    del log[:-ROOM_LOG_LIMIT]


def _mode_changed(state, ev, d):
    state["mode"] = d["mode"]
    state["sla_profile"] = d["profile"]
    _room_log(state, ev, d)


def _sla_profile(state, ev, d):
    """The profile new cases are judged by (a case keeps the one it was reported under).
    `after_wartime`: the street's profile chosen during wartime, in force when peace returns."""
    if not d.get("after_wartime"):
        state["sla_profile"] = d["profile"]
    if d["profile"] != "wartime":
        state["street_profile"] = d["profile"]
    _room_log(state, ev, d)


def _handover(state, ev, d):
    """The last handover, for the next shift's leader to read and acknowledge."""
    state["handover"] = {"seq": ev["seq"], "at": ev["at"], "by": ev.get("actor"), "note": d.get("note", ""),
                         "to": d.get("to", ""), "open_count": d.get("open_count", 0),
                         "items": d.get("items") or [{"case_id": c} for c in d.get("open_cases") or ()],
                         "acked": None}


def _handover_ack(state, ev, d):
    h = state.get("handover")
    if h and h["seq"] == d["handover_seq"]:
        h["acked"] = {"by": ev.get("actor"), "at": ev["at"], "note": d.get("note", "")}


def _view_update(state, ev, d):
    """A filtered view's frame (server/views.py): whole cases and squads as they now are,
    replacing the holder's copies, and the cases that left the view."""
    for cid in d.get("removed") or ():
        state["cases"].pop(cid, None)
    for c in d.get("cases") or ():
        state["cases"][c["id"]] = c
    for t in d.get("teams") or ():
        state["teams"][t["id"]] = t


def _attached(state, ev, d):
    """Evidence put on a case (docs/protocol.md, Evidence): kept in `attachments` in order."""
    case = _case(state, d)
    a = {**d["attachment"], "seq": ev["seq"], "at": ev["at"], "by": ev.get("actor")}
    case.setdefault("attachments", []).append(a)
    _log(case, ev, {"attachment": a["id"], "label": a["label"]})


def _detached(state, ev, d):
    """Taken off the case (leader/admin, with a reason): marked removed, the bytes are kept."""
    case = _case(state, d)
    for a in case.get("attachments") or ():
        if a["id"] == d["attachment"] and not a.get("removed"):
            a["removed"] = {"at": ev["at"], "by": ev.get("actor"), "reason": d.get("reason", "")}
    _log(case, ev, {"attachment": d["attachment"]})


def _on_case(fn, log_on=None):
    """A handler of models/joint.py on the event's case, logged on its timeline (and, for
    case.unlinked, on the lead's too)."""
    def h(state, ev, d):
        case = _case(state, d)
        fn(state, case, ev, d)
        _log(case, ev)
        if log_on and d.get(log_on) in state["cases"]:
            _log(state["cases"][d[log_on]], ev, {"from_case": case["id"]})
    return h


def _linked(state, ev, d):
    lead = _case(state, d)
    joint.apply_linked(state, lead, ev, d)
    _log(lead, ev)
    for cid in d["case_ids"]:
        _log(state["cases"][cid], ev, {"case_ids": [], "lead": lead["id"]})


def _warning_acknowledged(state, ev, d):
    joint.apply_warning_ack(state, ev, d)


_HANDLERS = {
    "street.loaded": _street_loaded,
    "case.reported": _reported,
    "case.accepted": _accepted,
    "case.dispatched": _dispatched,
    "case.signed": _field_step("signed"),
    "case.contacted": _field_step("contacted"),
    "case.arrived": _field_step("on_scene", "on_scene"),
    "case.feedback": _feedback,
    "case.progressed": _progressed,
    "case.dept_signed": _dept_signed,
    "case.followed_up": _followed_up,
    "case.confirmed": _confirmed,
    "case.closed": _closed,
    "case.transferred": _transferred,
    "case.escalated": _escalated,
    "case.returned": _returned,
    "case.reopened": _reopened,
    "case.supervised": _supervised,
    "case.rated": _rated,
    "case.rating_link_issued": _rating_link_issued,
    "case.checked": _checked,
    "guidance.changed": _guidance_changed,
    "case.called_back": _called_back,
    "case.reinforced": _reinforced,
    "case.released": _released,
    "case.noted": _noted,
    "case.merged": _merged,
    "case.amended": _amended,
    "case.attached": _attached,
    "case.detached": _detached,
    "alert.acknowledged": _alert_acknowledged,
    "case.part_added": _on_case(joint.apply_part_added),
    "case.part_done": _on_case(joint.apply_part_done),
    "case.part_cancelled": _on_case(joint.apply_part_cancelled),
    "case.linked": _linked,
    "case.unlinked": _on_case(joint.apply_unlinked, log_on="lead"),
    "warning.acknowledged": _warning_acknowledged,
    "team.status_changed": _team_status_ev,
    "team.duty_changed": _team_duty,
    "team.moved": _team_position,
    "team.member_moved": _member_moved,
    "team.member_duty_changed": _member_duty,
    "radio.transmitted": _radio_tx,
    "radio.emergency": _radio_emergency,
    "radio.emergency_acknowledged": _radio_ack,
    "team.reinforcement_requested": _reinforcement_requested,
    "team.reinforcement_acknowledged": _reinforcement_ack,
    "team.presence": _presence,
    "mode.changed": _mode_changed,
    "sla.profile_changed": _sla_profile,
    "shift.handover": _handover,
    "shift.handover_acknowledged": _handover_ack,
    "shift.changed": _shift_changed,
    "rota.overridden": _rota_overridden,
    "road.assigned": _road_assigned,
    "reserve.called_up": _reserve_duty(True),
    "reserve.stood_down": _reserve_duty(False),
    # a filtered view's frames (server/views.py): `view.update` replaces whole objects;
    # `hidden` is a placeholder for a seq outside the view and changes nothing but the seq
    "view.update": _view_update,
}


# ---- what an event touches ------------------------------------------------------

_ROOM_EVENTS = frozenset({"mode.changed", "sla.profile_changed", "street.loaded", "shift.handover",
                          "shift.handover_acknowledged", "shift.changed", "rota.overridden", "road.assigned",
                          "reserve.called_up", "reserve.stood_down", "guidance.changed", "warning.acknowledged"})
# events naming the squads they change in `team_ids`
_TEAM_LISTS = frozenset({"case.reinforced", "radio.transmitted", "shift.changed", "reserve.called_up",
                         "reserve.stood_down"})


class Touched(NamedTuple):
    """The cases and squads an event changes, worked out from the event alone (the four
    holders of the state use it: the session's cache writes and archive, the hub's caches,
    the Qt room's change signals).

    cases:      every case whose record is different after the event (a new one, the ones
                it changes, a filtered view's replaced and removed ones)
    needs:      the cases the reducer reads before it can apply the event (archived ones
                must be brought back first); not the new case of case.reported
    new:        the case that case.reported creates
    replaced:   a filtered view's (view.update) whole cases and the ones it removes
    teams:      squads it names (team_id, a member's from/to, a view's whole squads);
                a dispatch also frees the case's previous squad, which only the state knows
    room:       the mode, the SLA profile, the street, the rota, the roads or the reserve changed
    everything: street.loaded: the cases and squads are replaced as a whole
    """
    cases: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    new: str | None = None
    replaced: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    room: bool = False
    everything: bool = False


def touched(event: dict) -> Touched:
    name = event["name"]
    d = event.get("data") or {}
    if name == "view.update":
        replaced = tuple(dict.fromkeys([c["id"] for c in d.get("cases") or ()] + list(d.get("removed") or ())))
        return Touched(cases=replaced, replaced=replaced, teams=tuple(t["id"] for t in d.get("teams") or ()))
    named = tuple(dict.fromkeys(c for c in (d.get("case_id"), d.get("into"), d.get("lead"),
                                            *(d.get("case_ids") or () if name == "case.linked" else ()))
                                if isinstance(c, str)))
    new = d.get("case_id") if name == "case.reported" else None
    squads = [d.get("team_id")] + ([d.get("from"), d.get("to")] if name == "team.member_moved" else [])
    squads += list(d.get("team_ids") or ()) if name in _TEAM_LISTS else []
    teams = tuple(dict.fromkeys(t for t in squads if isinstance(t, str)))
    return Touched(cases=named, needs=tuple(c for c in named if c != new), new=new, teams=teams,
                   room=name in _ROOM_EVENTS or (name == "case.linked" and bool(d.get("warning"))),
                   everything=name == "street.loaded")
