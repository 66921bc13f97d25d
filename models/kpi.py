"""What the command room watches, computed from the state (no Qt): KPIs, charts' series,
the squad ranking for performance evaluation, and early warnings of mass risk.

"Today" is the local calendar day of `now`. Rates are None when nothing was there to measure.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from . import early_warning
from .domain import OPEN_STATUSES, SOURCES
from .sla import OVERDUE, PROFILES, case_profile, case_sla
from .timeutil import epoch, iso

ARRIVAL_TARGET_S = 8 * 60
WORKING_DAYS = 7          # the dashboard's longest window (trend, ranking, early warnings)


def profile_of(state: dict):
    """The SLA profile the state is under (1310 when it names none or an unknown one)."""
    return PROFILES.get(state.get("sla_profile") or "1310", PROFILES["1310"])


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
    """Seconds the case's own profile allows for dispatch (see models.sla.case_profile)."""
    p = case_profile(case, default)
    return next((s.minutes * 60 for s in p.stages if s.milestone == "dispatched"), 60.0)


def arrival_target_s(profile) -> float:
    """The arrival target of the profile in force: its on-scene stage (8 min without one)."""
    return next((s.minutes * 60 for s in profile.stages if s.milestone == "on_scene"), ARRIVAL_TARGET_S)


def drill_ids(state: dict, now: float, key: str) -> list[str]:
    """The cases behind a KPI tile: those it counts (today, open, overdue) or, for a rate,
    today's cases that count against it (dispatched late, arrived late, still open...)."""
    profile = profile_of(state)
    today = today_cases(state, now)
    open_cases = [c for c in state["cases"].values() if c["status"] in OPEN_STATUSES]
    if key == "today":
        return [c["id"] for c in today]
    if key == "open":
        return [c["id"] for c in open_cases]
    if key == "overdue":
        return [c["id"] for c in open_cases if case_sla(c, profile, now)[0] == OVERDUE]
    if key == "dispatch_in_sla":
        limit = next((s.minutes * 60 for s in profile.stages if s.milestone == "dispatched"), 60.0)
        return [c["id"] for c in today if (t := milestone_time(c, "dispatched")) is not None
                and t - epoch(c["times"]["reported"]) > limit]
    if key == "arrival_in_target":
        limit = arrival_target_s(profile)
        return [c["id"] for c in today if (t := milestone_time(c, "on_scene")) is not None
                and t - epoch(c["times"]["reported"]) > limit]
    if key == "closure_rate":
        return [c["id"] for c in today if c["status"] != "closed"]
    lo, hi = day_bounds(now)
    closed = [c for c in state["cases"].values() if lo <= c["times"].get("closed", "") < hi]
    if key == "on_scene_closure":
        return [c["id"] for c in closed if c["status"] == "closed" and not c.get("merged_into")
                and not c.get("on_scene_closure")]
    if key == "satisfaction":
        return [c["id"] for c in closed if c.get("rating") is not None and c["rating"] < 4]
    return []


def kpis(state: dict, now: float) -> dict:
    """Today's figures for the dashboard: `period_kpis` over the local day of `now`."""
    lo, hi = day_bounds(now)
    return period_kpis(state, lo, hi, now)


class Facts(NamedTuple):
    """What the KPIs count of one case: worked out once per case by `case_facts` (the
    dashboard, reports) and kept in the server's cases projection as columns (the archive's
    aggregates over years read these, not the cases). One code path: `fold` and `figures`."""
    reported: str
    closed: str | None          # when it was closed (None if it is not)
    done: bool                  # closed, and not by a merge into another case
    dispatch_ok: bool | None    # dispatched within its profile's limit (None: not dispatched)
    arrival_s: float | None     # seconds from the call to on scene (None: never on scene)
    on_scene: bool              # closed on scene
    rating: int | None
    repeat_calls: int
    status_closed: bool         # its status now is closed


def case_facts(case: dict, profile) -> Facts:
    times = case["times"]
    rep = times["reported"]
    t0 = None
    d = milestone_time(case, "dispatched")
    ok = None
    if d is not None:
        t0 = epoch(rep)
        ok = d - t0 <= dispatch_limit(case, profile)
    a = milestone_time(case, "on_scene")
    arr = None
    if a is not None:
        arr = a - (t0 if t0 is not None else epoch(rep))
    closed = times.get("closed") or None
    status_closed = case["status"] == "closed"
    return Facts(rep, closed, status_closed and not case.get("merged_into"), ok, arr,
                 bool(case.get("on_scene_closure")), case.get("rating"), case.get("repeat_calls", 0) or 0,
                 status_closed)


COUNTS = ("reported", "reported_closed", "dispatched", "dispatch_ok", "arrived", "arrived_8min", "arrived_target",
          "closed", "on_scene", "rated", "satisfied", "repeat_calls")


def fold(facts, lo: str, hi: str, target_s: float, counts: dict | None = None) -> dict:
    """Add the facts of cases to the period [lo, hi)'s counts: those reported in it (how
    many, closed since, dispatched in time, on scene in 8 minutes and in the profile's
    target, their repeat calls) and those closed in it (how many, on scene, rated, 4-5)."""
    c = counts if counts is not None else dict.fromkeys(COUNTS, 0)
    for f in facts:
        if lo <= f.reported < hi:
            c["reported"] += 1
            c["reported_closed"] += f.status_closed
            c["repeat_calls"] += f.repeat_calls
            if f.dispatch_ok is not None:
                c["dispatched"] += 1
                c["dispatch_ok"] += f.dispatch_ok
            if f.arrival_s is not None:
                c["arrived"] += 1
                c["arrived_8min"] += f.arrival_s <= ARRIVAL_TARGET_S
                c["arrived_target"] += f.arrival_s <= target_s
        if f.closed is not None and lo <= f.closed < hi:
            if f.done:
                c["closed"] += 1
                c["on_scene"] += f.on_scene
            if f.rating is not None:
                c["rated"] += 1
                c["satisfied"] += f.rating >= 4
    return c


def figures(c: dict, target_s: float) -> dict:
    """The dashboard's figures from a period's counts (`fold`)."""
    calls = c["reported"] + c["repeat_calls"]
    return {
        "today": c["reported"],
        "dispatch_in_sla": _ratio(c["dispatch_ok"], c["dispatched"]),
        "arrival_8min": _ratio(c["arrived_8min"], c["arrived"]),
        "arrival_in_target": _ratio(c["arrived_target"], c["arrived"]),    # the profile's on-scene limit
        "arrival_target_min": target_s / 60,
        "on_scene_closure": _ratio(c["on_scene"], c["closed"]),
        "closure_rate": _ratio(c["reported_closed"], c["reported"]),
        "satisfaction": _ratio(c["satisfied"], c["rated"]),
        "closed_today": c["closed"],
        "repeat_calls": c["repeat_calls"],
        "repeat_call_rate": _ratio(c["repeat_calls"], calls),
    }


def period_kpis(state: dict, lo: str, hi: str, now: float) -> dict:
    """The dashboard's KPIs over any period [lo, hi) (ISO bounds): cases reported in it, closed
    in it and rated on closure in it; `open` and `overdue` as the state stands at `now`.

    The dashboard asks it for today, reports for a day, week or month (with `state` as it
    stood at the period's end and `now` that end), the server's aggregates over months and
    years fold the same facts from its cases projection: one code path for all
    (`case_facts`, `fold`, `figures`)."""
    profile = profile_of(state)
    cases = state["cases"].values()
    open_cases = [c for c in cases if c["status"] in OPEN_STATUSES]
    overdue = sum(1 for c in open_cases if case_sla(c, profile, now)[0] == OVERDUE)
    target = arrival_target_s(profile)
    k = figures(fold((case_facts(c, profile) for c in cases
                      if lo <= c["times"]["reported"] < hi or lo <= c["times"].get("closed", "") < hi), lo, hi, target),
                target)
    k["open"] = len(open_cases)
    k["overdue"] = overdue
    return k


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


def record_start(state: dict) -> str | None:
    """When the street's record begins (its first case's report, ISO), if the state holds every
    case ever reported (a young log: a new street, the demo); None when older cases exist that
    it does not hold (the window let them go), so nothing can be said of the days before."""
    cases = state["cases"]
    if not cases or len(cases) < state.get("next_case_no", 1) - 1:
        return None
    return min(c["times"]["reported"] for c in cases.values())


def unrecorded_days(state: dict, now: float, days: int = 7) -> int:
    """How many of trend()'s days, oldest first, ended before the record began: their zeros
    would be a claim (no cases) the log cannot make."""
    start = record_start(state)
    if start is None:
        return 0
    return sum(1 for back in range(days - 1, -1, -1) if day_bounds(now, back)[1] <= start)


def squad_ranking(state: dict, now: float, days: int = 7) -> list[dict]:
    """Squads ranked for performance evaluation from case timestamps over the last `days`.

    score = 50 x arrivals within 8 min + 30 x satisfaction + 20 x cases handled / the most any squad handled.
    """
    return squad_ranking_between(state, day_bounds(now, days - 1)[0], None)


def squad_ranking_between(state: dict, lo: str, hi: str | None) -> list[dict]:
    """`squad_ranking` over the cases reported in [lo, hi) (no upper bound when hi is None)."""
    per: dict[str, dict] = defaultdict(lambda: {"handled": 0, "arrivals": [], "ratings": [], "on_scene": 0})
    for c in state["cases"].values():
        r = c["times"]["reported"]
        if r < lo or (hi is not None and r >= hi):
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


def early_warnings(state: dict, now: float, days: int | None = None) -> list[dict]:
    """Several complaints naming the same business or place within `days` (the rules' by
    default: resources/early_warnings.toml) form a mass-risk alert (models/early_warning.py)."""
    return early_warning.between(state, iso(now - (days or early_warning.RULES.days) * 86400), None)


def early_warnings_between(state: dict, lo: str, hi: str | None) -> list[dict]:
    """`early_warnings` over the cases reported in [lo, hi); each warning also says how many
    of its cases are closed (`handled` when all are)."""
    return early_warning.between(state, lo, hi)


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


# ---- figures the reports add (over any period; the same inputs as the dashboard's) ----------

def period_cases(state: dict, lo: str, hi: str) -> list[dict]:
    """Cases reported in [lo, hi), the base of every per-period figure."""
    return [c for c in state["cases"].values() if lo <= c["times"]["reported"] < hi]


def community_of(grid: dict | None) -> str | None:
    """A grid's community: its `community`, else its name up to 社区 (九堡社区第1网格 -> 九堡社区)."""
    if not grid:
        return None
    if grid.get("community"):
        return grid["community"]
    name = grid.get("name") or ""
    i = name.find("社区")
    return name[: i + 2] if i >= 0 else None


def breakdown(state: dict, lo: str, hi: str, key: str) -> Counter:
    """Cases reported in [lo, hi) counted by `source`, `category`, `area`, `grid` or `community`."""
    cases = period_cases(state, lo, hi)
    if key in ("source", "category"):
        return Counter(c[key] for c in cases)
    if key == "community":
        grids = {g["id"]: g for g in (state.get("street") or {}).get("grids", [])}
        return Counter(community_of(grids.get(c["location"].get("grid"))) or "" for c in cases)
    return Counter(c["location"].get(key) or "" for c in cases)


def stage_compliance(state: dict, lo: str, hi: str, now: float) -> list[dict]:
    """For each stage of the SLA profile, the cases reported in [lo, hi) that met it, were
    late, are still pending (on time or overdue at `now`) or skipped it (closed without it)."""
    from .sla import DUE_SOON, LATE, MET, ON_TIME, SKIPPED, case_clock
    profile = profile_of(state)
    rows: dict[str, dict] = {st.key: {"stage": st.key, "milestone": st.milestone, "minutes": st.minutes,
                     MET: 0, LATE: 0, OVERDUE: 0, "pending": 0, SKIPPED: 0} for st in profile.stages}
    for c in period_cases(state, lo, hi):
        for clock in case_clock(c, profile, now):
            r = rows[clock.key]
            if clock.state in (ON_TIME, DUE_SOON):
                r["pending"] += 1
            else:
                r[clock.state] += 1
    out = []
    for r in rows.values():
        r["compliance"] = _ratio(r[MET], r[MET] + r[LATE] + r[OVERDUE])
        out.append(r)
    return out


def group_ranking(state: dict, lo: str, hi: str, now: float, key: str) -> list[dict]:
    """Departments, grids, communities or areas ranked over the cases reported in [lo, hi):
    cases, closed, closure rate, satisfaction, overdue at `now`; best closure first.
    A department's cases are those transferred or escalated to it."""
    profile = profile_of(state)
    grids = {g["id"]: g for g in (state.get("street") or {}).get("grids", [])}
    per: dict[str, dict] = {}
    for c in period_cases(state, lo, hi):
        if key == "department":
            k = c.get("department")
        elif key == "community":
            k = community_of(grids.get(c["location"].get("grid")))
        else:
            k = c["location"].get(key)
        if not k:
            continue
        p = per.setdefault(k, {"key": k, "cases": 0, "closed": 0, "ratings": [], "overdue": 0,
                               "repeat_calls": 0})
        p["cases"] += 1
        p["repeat_calls"] += c.get("repeat_calls", 0)
        if c["status"] == "closed":
            p["closed"] += 1
        elif c["status"] in OPEN_STATUSES and case_sla(c, profile, now)[0] == OVERDUE:
            p["overdue"] += 1
        if c.get("rating") is not None:
            p["ratings"].append(c["rating"])
    rows = []
    for p in per.values():
        ratings = p.pop("ratings")
        p["closure_rate"] = _ratio(p["closed"], p["cases"])
        p["satisfaction"] = _ratio(sum(1 for r in ratings if r >= 4), len(ratings))
        rows.append(p)
    rows.sort(key=lambda r: (-(r["closure_rate"] or 0), r["overdue"], -r["cases"], r["key"]))
    return rows


def overdue_cases(state: dict, now: float, lo: str | None = None, hi: str | None = None) -> list[dict]:
    """Open cases overdue at `now` (reported in [lo, hi) when given), oldest first."""
    profile = profile_of(state)
    out = [c for c in state["cases"].values() if c["status"] in OPEN_STATUSES
           and (lo is None or c["times"]["reported"] >= lo) and (hi is None or c["times"]["reported"] < hi)
           and case_sla(c, profile, now)[0] == OVERDUE]
    out.sort(key=lambda c: c["times"]["reported"])
    return out


def daily_series(state: dict, lo: str, hi: str) -> list[tuple[str, int, int]]:
    """(local date YYYY-MM-DD, reported, closed) for each local day in [lo, hi), as `trend`."""
    days = []
    t = datetime.fromtimestamp(epoch(lo))
    while iso(t.timestamp()) < hi:
        days.append(t)
        t = (t + timedelta(days=1, hours=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    los = [iso(d.timestamp()) for d in days]
    rep, clo = [0] * len(days), [0] * len(days)
    for c in state["cases"].values():
        r = c["times"]["reported"]
        if lo <= r < hi:
            rep[bisect_right(los, r) - 1] += 1
        cl = c["times"].get("closed")
        if cl and lo <= cl < hi:
            clo[bisect_right(los, cl) - 1] += 1
    return [(d.strftime("%Y-%m-%d"), rep[i], clo[i]) for i, d in enumerate(days)]
