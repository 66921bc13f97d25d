"""The duty rota (24小时三班运转), roads as the smallest combat unit (以道路为最小作战单元)
and the reserve (备勤力量): the street's data and the rules on it, without Qt or I/O.

The street file names a rota file (resources/demo/rota.toml): three shifts a day starting at
local times, crews (班) of each squad's members, the crew on each shift for each day of the
week (Monday first) with the crew's leader (值班长), and the reserve called up by mass
mobilisation. The road file (roads.toml) gives each road's stretch in a patrol area its
responsible squad (责任班组) and member (包干队员).

In the state:
- `state["rota"]`: `{"current": {date, shift, crew, leader, at} | None, "overrides": {"DATE/SHIFT":
  {"members": {"TEAM/MEMBER": {on_duty, by, at, reason, seq}}, "leader": {name, by, at, reason, seq}}}}`;
- `state["reserve"]`: `{id: {id, name, phone, unit, team_id, on_duty, mobilised}}`;
- the road assignments live in the street (`street["roads"][i]["sections"]`), replaced by road.assigned.
"""
from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

OVERRIDE_DAYS_AHEAD = 13     # how far ahead the leader may change the rota (two weeks, today included)
OVERRIDES_KEPT_DAYS = 7      # the week view looks back a week: older overrides are dropped
REASON_LIMIT = 500


class RotaError(ValueError):
    pass


def _hhmm(s: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(s or ""))
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise RotaError(f"shift start {s!r} is not HH:MM")
    return int(m[1]) * 60 + int(m[2])


def load_rota(path: Path, squads: list[dict]) -> tuple[dict, list[dict]]:
    """(the rota, the reserve) from a rota file, checked against the street's squads."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RotaError(f"rota file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise RotaError(f"rota file {path} is not valid TOML: {e}") from None
    shifts = [{"id": s["id"], "name": s.get("name", s["id"]), "name_en": s.get("name_en", s.get("name", s["id"])),
               "start": s["start"]} for s in data.get("shifts", [])]
    if not shifts:
        raise RotaError(f"rota file {path} has no [[shifts]]")
    starts = [_hhmm(s["start"]) for s in shifts]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise RotaError("shifts must start at different times, in the order of the day")
    members = {sq["id"]: {m["id"] for m in sq.get("members", [])} for sq in squads}
    crews = []
    for c in data.get("crews", []):
        crew = {"id": c["id"], "name": c.get("name", c["id"]), "name_en": c.get("name_en", c.get("name", c["id"])),
                "leader": c.get("leader", ""), "members": {}}
        for tid, mids in (c.get("members") or {}).items():
            if tid not in members:
                raise RotaError(f"crew {c['id']} names unknown squad {tid}")
            for mid in mids:
                if mid not in members[tid]:
                    raise RotaError(f"crew {c['id']}: member {mid} is not in squad {tid}")
            crew["members"][tid] = list(mids)
        crews.append(crew)
    crew_ids = {c["id"] for c in crews}
    week = data.get("week") or []
    if len(week) != 7 or any(len(row) != len(shifts) for row in week):
        raise RotaError(f"'week' must have 7 rows (Monday first) of {len(shifts)} crews, one a shift")
    for row in week:
        for cid in row:
            if cid not in crew_ids:
                raise RotaError(f"'week' names unknown crew {cid}")
    reserve = []
    for r in data.get("reserve", []):
        if r.get("squad") not in members:
            raise RotaError(f"reserve {r.get('id')} joins unknown squad {r.get('squad')}")
        reserve.append({"id": r["id"], "name": r.get("name", ""), "phone": r.get("phone", ""),
                        "unit": r.get("unit", ""), "team_id": r["squad"]})
    if len({r["id"] for r in reserve}) != len(reserve):
        raise RotaError("a reserve id appears twice")
    return {"shifts": shifts, "crews": crews, "week": week}, reserve


def load_roads(path: Path, street: dict) -> None:
    """Put each road's sections (area, responsible squad and member) on the street's roads."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RotaError(f"roads file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise RotaError(f"roads file {path} is not valid TOML: {e}") from None
    roads = {r["name"]: r for r in street.get("roads", [])}
    squads = {sq["id"]: sq for sq in street.get("squads", [])}
    for s in data.get("sections", []):
        road = roads.get(s.get("road"))
        if road is None:
            raise RotaError(f"roads file names unknown road {s.get('road')}")
        sq = squads.get(s.get("squad"))
        if sq is None:
            raise RotaError(f"road {road['name']}: unknown squad {s.get('squad')}")
        if s.get("area") != sq["area"]:
            raise RotaError(f"road {road['name']}: squad {sq['id']} is not in area {s.get('area')}")
        if s.get("member") and s["member"] not in {m["id"] for m in sq.get("members", [])}:
            raise RotaError(f"road {road['name']}: member {s['member']} is not in squad {sq['id']}")
        road.setdefault("sections", []).append({"area": s["area"], "team_id": sq["id"],
                                                "member_id": s.get("member") or None})


# ---- shifts ---------------------------------------------------------------------

def shift_key(day: str, shift: str) -> str:
    return f"{day}/{shift}"


def _shift_starts(rota: dict, d: date) -> list[tuple[str, datetime]]:
    out = []
    for s in rota["shifts"]:
        m = _hhmm(s["start"])
        out.append((s["id"], datetime(d.year, d.month, d.day) + timedelta(minutes=m)))
    return out


def shift_at(rota: dict, ts: float) -> tuple[str, str, float]:
    """(date, shift id, start time) of the shift in force at `ts` (local time). A shift
    starting before the first of the day's (the night shift at 00:00 here) belongs to the day
    it starts on; before the first start of a day it is the previous day's last shift."""
    now = datetime.fromtimestamp(ts)
    for d in (now.date(), now.date() - timedelta(days=1)):
        for sid, start in reversed(_shift_starts(rota, d)):
            if start <= now:
                return d.isoformat(), sid, start.timestamp()
    raise RotaError("no shift")  # pragma: no cover (a day always has a shift that started)


def shift_start(rota: dict, day: str, shift: str) -> float:
    """When the shift of that day starts (local time)."""
    return next(t for sid, t in _shift_starts(rota, date.fromisoformat(day)) if sid == shift).timestamp()


def parse_day(day: str) -> date:
    return date.fromisoformat(day)


def today(ts: float) -> str:
    return datetime.fromtimestamp(ts).date().isoformat()


def next_change(rota: dict, ts: float) -> float:
    """When the next shift starts after `ts`."""
    now = datetime.fromtimestamp(ts)
    for d in (now.date(), now.date() + timedelta(days=1)):
        for _sid, start in _shift_starts(rota, d):
            if start > now:
                return start.timestamp()
    raise RotaError("no next shift")  # pragma: no cover


def shift_index(rota: dict, shift: str) -> int:
    for i, s in enumerate(rota["shifts"]):
        if s["id"] == shift:
            return i
    raise RotaError(f"unknown shift {shift!r}")


def shift_def(rota: dict, shift: str) -> dict:
    return rota["shifts"][shift_index(rota, shift)]


def shift_end(rota: dict, shift: str) -> str:
    """The time the shift ends (the next one's start)."""
    i = shift_index(rota, shift)
    return rota["shifts"][(i + 1) % len(rota["shifts"])]["start"]


def crew_of(rota: dict, day: str, shift: str) -> dict:
    weekday = date.fromisoformat(day).weekday()
    cid = rota["week"][weekday][shift_index(rota, shift)]
    return next(c for c in rota["crews"] if c["id"] == cid)


def order(rota: dict, day: str, shift: str) -> tuple[str, int]:
    """Sorts shifts in time."""
    return day, shift_index(rota, shift)


def planned(state: dict, day: str, shift: str) -> dict:
    """Who works the shift, the rota's crew with the leader's overrides:
    {"crew": id, "leader": name, "members": {team: [member ids]}, "overrides": {...}}."""
    rota: dict = (state.get("street") or {}).get("rota") or {}
    crew = crew_of(rota, day, shift)
    ov = ((state.get("rota") or {}).get("overrides") or {}).get(shift_key(day, shift)) or {}
    members = {tid: list(mids) for tid, mids in crew["members"].items()}
    for key, o in (ov.get("members") or {}).items():
        tid, mid = key.split("/", 1)
        cur = members.setdefault(tid, [])
        if o["on_duty"] and mid not in cur:
            cur.append(mid)
        elif not o["on_duty"] and mid in cur:
            cur.remove(mid)
    leader = (ov.get("leader") or {}).get("name") or crew["leader"]
    return {"crew": crew["id"], "leader": leader, "members": members, "overrides": ov}


def on_shift(state: dict, day: str, shift: str) -> set[tuple[str, str]]:
    """(squad, member) pairs that work the shift."""
    p = planned(state, day, shift)
    return {(tid, mid) for tid, mids in p["members"].items() for mid in mids}


def has_rota(state: dict) -> bool:
    return bool((state.get("street") or {}).get("rota"))


def current(state: dict) -> dict | None:
    return (state.get("rota") or {}).get("current")


def change(state: dict, day: str, shift: str, at: str) -> dict:
    """The data of `shift.changed` for the shift (day, shift) starting at `at`: who comes
    on and who goes off. A member called up by mobilisation stays on (`held`); a squad with
    nobody on the shift goes off duty unless it still has open cases (`held_squads`)."""
    p = planned(state, day, shift)
    want = {(tid, mid) for tid, mids in p["members"].items() for mid in mids}
    on: list[list[str]] = []
    off: list[list[str]] = []
    held: list[list[str]] = []
    settled: list[list[str]] = []
    squads_on: list[str] = []
    squads_off: list[str] = []
    held_squads: list[str] = []
    for tid in sorted(state["teams"]):
        team = state["teams"][tid]
        staffed = False
        for m in team["members"]:
            should = (tid, m["id"]) in want
            staffed = staffed or should
            is_on = m.get("on_duty", True)
            if should and not is_on:
                on.append([tid, m["id"]])
            elif should and m.get("mobilised"):
                settled.append([tid, m["id"]])      # called up before, on their own shift now
            elif not should and is_on:
                if m.get("mobilised"):
                    held.append([tid, m["id"]])
                else:
                    off.append([tid, m["id"]])
        if staffed and not team["on_duty"]:
            squads_on.append(tid)
        elif not staffed and team["on_duty"]:
            (held_squads if team["cases"] else squads_off).append(tid)
    teams = sorted({t for t, _m in on + off + settled} | set(squads_on) | set(squads_off))
    return {"date": day, "shift": shift, "crew": p["crew"], "leader": p["leader"], "at": at,
            "on": on, "off": off, "held": held, "squads_on": squads_on, "squads_off": squads_off,
            "held_squads": held_squads, "settled": settled, "team_ids": teams}


def week_days(state: dict, start: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range(7)]


def in_window(day: str, today: str) -> bool:
    """A day the leader may change: from today to OVERRIDE_DAYS_AHEAD days ahead."""
    d, t = date.fromisoformat(day), date.fromisoformat(today)
    return t <= d <= t + timedelta(days=OVERRIDE_DAYS_AHEAD)


def prune_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=OVERRIDES_KEPT_DAYS)).isoformat()


# ---- roads ------------------------------------------------------------------------

_ROAD = re.compile(r"^(?P<road>.+?[路街道巷弄])\d+号")


def road_name(street: dict, address: str) -> str | None:
    """The road of an address ("九堡大道88号…", or a place of the street on a road)."""
    address = (address or "").strip()
    for place in street.get("places", []):
        if place["name"] in address:
            return road_name(street, place["address"])
    m = _ROAD.match(address)
    if m and any(r["name"] == m["road"] for r in street.get("roads", [])):
        return m["road"]
    # a road named without a number ("九堡大道与九和路口"): the first of the street's roads in it
    names = [r["name"] for r in street.get("roads", []) if r["name"] in address]
    return min(names, key=address.index) if names else None


def road_key(road: str, area: str) -> str:
    return f"{road}/{area}"


def initial_roads(street: dict) -> dict:
    """The road assignments as the street file gives them: {"ROAD/AREA": {road, area, team_id, member_id}}."""
    return {road_key(r["name"], s["area"]): {"road": r["name"], "area": s["area"], "team_id": s["team_id"],
                                             "member_id": s.get("member_id")}
            for r in street.get("roads", []) for s in r.get("sections") or ()}


def assignments(state: dict) -> dict:
    """The road assignments in force (road.assigned changes them; the street file's at first)."""
    roads = state.get("roads")
    if roads is None:
        roads = initial_roads(state.get("street") or {})
    return roads


def responsible(state: dict, location: dict | None) -> dict | None:
    """The road a case's location is on and who answers for it there:
    {"road", "area", "team_id", "member_id"}; None when the address names none of the
    street's roads or its stretch in that area is assigned to nobody."""
    street = state.get("street")
    if not street or not location:
        return None
    name = road_name(street, location.get("address") or "")
    if name is None:
        return None
    hit = assignments(state).get(road_key(name, location.get("area") or ""))
    if not hit or not hit.get("team_id"):
        return None
    return {"road": name, "area": hit["area"], "team_id": hit["team_id"], "member_id": hit.get("member_id")}


def sections(state: dict) -> list[dict]:
    """Every road stretch with its squad and member, in the street's order of roads and areas."""
    roads = assignments(state)
    order = {r["name"]: i for i, r in enumerate((state.get("street") or {}).get("roads", []))}
    areas = {a["id"]: i for i, a in enumerate((state.get("street") or {}).get("areas", []))}
    return sorted(roads.values(), key=lambda s: (areas.get(s["area"], 99), order.get(s["road"], 999)))


def member_name(state: dict, team_id: str | None, member_id: str | None) -> str:
    team = state["teams"].get(team_id or "")
    for m in (team or {}).get("members") or ():
        if m["id"] == member_id:
            return m.get("name") or member_id or ""
    for t in state["teams"].values():                   # moved to another squad since
        for m in t["members"]:
            if m["id"] == member_id:
                return m.get("name") or member_id or ""
    return member_id or ""


# ---- the reserve -------------------------------------------------------------------

def reserve_people(state: dict) -> list[dict]:
    return sorted((state.get("reserve") or {}).values(), key=lambda r: r["id"])


def reserve_counts(state: dict) -> dict:
    """The reserve pool for the leader: {"total", "standing_by", "mobilised", "by_unit": {unit: n standing by}}."""
    people = reserve_people(state)
    by_unit: dict[str, int] = {}
    for r in people:
        if not r.get("on_duty"):
            by_unit[r.get("unit") or ""] = by_unit.get(r.get("unit") or "", 0) + 1
    return {"total": len(people), "standing_by": sum(1 for r in people if not r.get("on_duty")),
            "mobilised": sum(1 for r in people if r.get("on_duty")), "by_unit": by_unit}


def mobilised_on(state: dict, team_id: str) -> list[dict]:
    """The reserve on duty with the squad, and its members called up out of their shift."""
    return [r for r in reserve_people(state) if r.get("on_duty") and r.get("team_id") == team_id]
