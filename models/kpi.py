"""What the command room watches, computed from the state (no Qt): KPIs, charts' series,
the squad ranking for performance evaluation, and early warnings of mass risk.

"Today" is the local calendar day of `now`. Rates are None when nothing was there to measure.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import lru_cache

from .domain import OPEN_STATUSES, SOURCES
from .sla import OVERDUE, PROFILES, case_sla, profile_of
from .timeutil import epoch, iso

ARRIVAL_TARGET_S = 8 * 60
WORKING_DAYS = 7          # the dashboard's longest window (trend, ranking, early warnings)


def day_bounds(now: float, days_back: int = 0) -> tuple[str, str]:
    """ISO (UTC) bounds of the local day `days_back` days before now; ISO strings sort as times."""
    d = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_back)
    return iso(d.timestamp()), iso((d + timedelta(days=1)).timestamp())


def milestone_time(case: dict, milestone: str) -> float | None:
    """When the case explicitly reached a milestone (for KPIs, nothing is implied)."""
    t = case["times"].get(milestone)
    return epoch(t) if t else None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def today_cases(state: dict, now: float) -> list[dict]:
    lo, hi = day_bounds(now)
    return [c for c in state["cases"].values() if lo <= c["times"]["reported"] < hi]


def dispatch_limit(case: dict, default) -> float:
    """Seconds the case's own profile allows for dispatch (see models.sla.profile_of)."""
    p = profile_of(case, default)
    return next((s.minutes * 60 for s in p.stages if s.milestone == "dispatched"), 60.0)


def kpis(state: dict, now: float) -> dict:
    profile = PROFILES.get(state.get("sla_profile"), PROFILES["1310"])
    lo, hi = day_bounds(now)
    today = today_cases(state, now)
    open_cases = [c for c in state["cases"].values() if c["status"] in OPEN_STATUSES]
    overdue = sum(1 for c in open_cases if case_sla(c, profile, now)[0] == OVERDUE)
    dispatched = [(c, milestone_time(c, "dispatched")) for c in today]
    dispatched = [(c, t) for c, t in dispatched if t is not None]
    in_sla = sum(1 for c, t in dispatched if t - epoch(c["times"]["reported"]) <= dispatch_limit(c, profile))
    arrived = [(c, milestone_time(c, "on_scene")) for c in today]
    arrived = [(c, t) for c, t in arrived if t is not None]
    in_8 = sum(1 for c, t in arrived if t - epoch(c["times"]["reported"]) <= ARRIVAL_TARGET_S)
    closed_today, rated = [], []
    for c in state["cases"].values():          # one pass for both
        closed = c["times"].get("closed", "")
        if lo <= closed < hi:
            if c["status"] == "closed" and not c.get("merged_into"):
                closed_today.append(c)
            if c.get("rating") is not None:
                rated.append(c["rating"])
    on_scene = sum(1 for c in closed_today if c.get("on_scene_closure"))
    today_closed = sum(1 for c in today if c["status"] == "closed")
    return {
        "today": len(today),
        "open": len(open_cases),
        "overdue": overdue,
        "dispatch_in_sla": _ratio(in_sla, len(dispatched)),
        "arrival_8min": _ratio(in_8, len(arrived)),
        "on_scene_closure": _ratio(on_scene, len(closed_today)),
        "closure_rate": _ratio(today_closed, len(today)),
        "satisfaction": _ratio(sum(1 for r in rated if r >= 4), len(rated)),
        "closed_today": len(closed_today),
        "repeat_calls": sum(c.get("repeat_calls", 0) for c in today),
    }


def hourly_by_source(state: dict, now: float) -> dict[str, list[int]]:
    out = {s: [0] * 24 for s in SOURCES}
    for c in today_cases(state, now):
        h = datetime.fromtimestamp(epoch(c["times"]["reported"])).hour
        out.setdefault(c["source"], [0] * 24)[h] += 1
    return out


def response_times(state: dict, now: float) -> dict[str, list[float]]:
    """Seconds from report to dispatch and to arrival, for today's cases."""
    disp, arr = [], []
    for c in today_cases(state, now):
        base = epoch(c["times"]["reported"])
        t = milestone_time(c, "dispatched")
        if t is not None:
            disp.append(t - base)
        t = milestone_time(c, "on_scene")
        if t is not None:
            arr.append(t - base)
    return {"dispatch": disp, "arrival": arr}


def category_counts(state: dict, now: float) -> Counter:
    return Counter(c["category"] for c in today_cases(state, now))


def squads_by_status(state: dict) -> Counter:
    return Counter(t["status"] for t in state["teams"].values())


def trend(state: dict, now: float, days: int = 7) -> list[tuple[str, int, int]]:
    """(day label MM-DD, reported, closed) for the last `days` days, oldest first."""
    los = [day_bounds(now, back)[0] for back in range(days - 1, -1, -1)]
    first, end = los[0], day_bounds(now)[1]
    rep, clo = [0] * days, [0] * days
    for c in state["cases"].values():          # one pass, each time placed by bisection
        t = c["times"]
        r = t["reported"]
        if first <= r < end:
            rep[bisect_right(los, r) - 1] += 1
        cl = t.get("closed")
        if cl and first <= cl < end:
            clo[bisect_right(los, cl) - 1] += 1
    return [(datetime.fromtimestamp(now - (days - 1 - i) * 86400).strftime("%m-%d"), rep[i], clo[i])
            for i in range(days)]


def squad_ranking(state: dict, now: float, days: int = 7) -> list[dict]:
    """Squads ranked for performance evaluation from case timestamps over the last `days`.

    score = 50 x arrivals within 8 min + 30 x satisfaction + 20 x cases handled / the most any squad handled.
    """
    lo = day_bounds(now, days - 1)[0]
    per: dict[str, dict] = defaultdict(lambda: {"handled": 0, "arrivals": [], "ratings": [], "on_scene": 0})
    for c in state["cases"].values():
        if c["times"]["reported"] < lo:
            continue
        tid = c.get("team_id") or next((e.get("team_id") for e in reversed(c["timeline"])
                                        if e["name"] == "case.dispatched"), None)
        if not tid:
            continue
        p = per[tid]
        if c["status"] in ("resolved", "closed"):
            p["handled"] += 1
        t = milestone_time(c, "on_scene")
        if t is not None:
            p["arrivals"].append(t - epoch(c["times"]["reported"]))
        if c.get("rating") is not None:
            p["ratings"].append(c["rating"])
        if c.get("on_scene_closure"):
            p["on_scene"] += 1
    most = max((p["handled"] for p in per.values()), default=0) or 1
    rows = []
    for tid, team in state["teams"].items():
        p = per.get(tid, {"handled": 0, "arrivals": [], "ratings": [], "on_scene": 0})
        arr = p["arrivals"]
        in8 = _ratio(sum(1 for a in arr if a <= ARRIVAL_TARGET_S), len(arr))
        sat = _ratio(sum(1 for r in p["ratings"] if r >= 4), len(p["ratings"]))
        score = 50 * (in8 or 0) + 30 * (sat if sat is not None else (in8 or 0)) + 20 * p["handled"] / most
        rows.append({"team_id": tid, "call_sign": team["call_sign"], "handled": p["handled"],
                     "avg_arrival_s": sum(arr) / len(arr) if arr else None, "arrival_8min": in8,
                     "satisfaction": sat, "score": round(score, 1)})
    rows.sort(key=lambda r: (-r["score"], r["team_id"]))
    return rows


_NUM = re.compile(r"(\d+)号")


@lru_cache(maxsize=65536)
def _address_key(addr: str) -> str:
    m = _NUM.search(addr or "")
    return addr[: m.end()] if m else (addr or "").strip()


def early_warnings(state: dict, now: float, days: int = 7, threshold: int = 3) -> list[dict]:
    """Several complaints naming the same business or address within `days` form a mass-risk alert."""
    lo = iso(now - days * 86400)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c in state["cases"].values():
        if c["times"]["reported"] < lo or c.get("merged_into") or c["category"] in ("emergency", "fire", "traffic"):
            continue
        if c.get("business"):
            groups[("business", c["business"])].append(c)
        else:
            groups[("address", _address_key(c["location"].get("address", "")))].append(c)
    out = []
    for (kind, key), cs in groups.items():
        if len(cs) >= threshold and key:
            cs.sort(key=lambda c: c["times"]["reported"])
            out.append({"kind": kind, "key": key, "count": len(cs), "case_ids": [c["id"] for c in cs],
                        "first": cs[0]["times"]["reported"], "last": cs[-1]["times"]["reported"],
                        "category": Counter(c["category"] for c in cs).most_common(1)[0][0]})
    out.sort(key=lambda w: (-w["count"], w["last"]), reverse=False)
    return out


def working_set(state: dict, now: float, days: int = 7, ids=None) -> dict:
    """The part of the state every figure here needs: cases reported or closed in the last
    `days`, and every open case. A year of history is thereby read once per refresh instead
    of once per figure; `ids`, a superset of the answer kept by the caller, spares even that
    one pass."""
    lo = day_bounds(now, days)[0]       # one day more: covers both calendar and rolling windows
    all_cases = state["cases"]
    if ids is None:
        pairs = all_cases.items()
    else:
        pairs = ((cid, all_cases[cid]) for cid in ids if cid in all_cases)
    cases = {cid: c for cid, c in pairs
             if c["times"]["reported"] >= lo or c["status"] in OPEN_STATUSES or c["times"].get("closed", "") >= lo}
    return {**state, "cases": cases}
