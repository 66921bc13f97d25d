"""Which squad to send: recommendations by area, distance and status (available first)."""
from __future__ import annotations

from .rota import responsible
from .street import distance_m, grid_centroid

STATUS_RANK = {"available": 0, "on_scene": 2, "en_route": 2, "busy": 3, "off_duty": 9}


def team_position(state: dict, team: dict) -> tuple[float, float] | None:
    if team.get("position"):
        return tuple(team["position"])
    street = state.get("street") or {}
    grids = [g for g in street.get("grids", []) if g.get("area") == team["area"]]
    if not grids:
        return None
    # a squad with no fix yet stands at its home beat: one grid of its area, by its number
    idx = int("".join(ch for ch in team["id"] if ch.isdigit()) or 0)
    return grid_centroid(grids[(idx * 7) % len(grids)])


def recommend_squads(state: dict, case: dict, limit: int = 5) -> list[dict]:
    """On-duty squads ranked: available before busy, then the squad responsible for the case's
    road (以道路为最小作战单元, models/rota.py), then own patrol area, then nearest.

    Each entry: {"team": team, "distance_m": float|None, "same_area": bool, "responsible": bool,
    "road": str|None, "reason": (kind, detail)}: kind "road" (responsible for the road `detail`),
    "area" (own patrol area), "nearest" or "" (none of these), for the dialog to say in words.
    """
    loc = case.get("location") or {}
    here = (loc["lat"], loc["lon"]) if loc.get("lat") is not None else None
    resp = responsible(state, loc)
    out = []
    for t in state["teams"].values():
        if not t["on_duty"]:
            continue
        pos = team_position(state, t)
        dist = distance_m(here, pos) if here and pos else None
        same = t["area"] == loc.get("area")
        mine = resp is not None and resp["team_id"] == t["id"]
        rank = (STATUS_RANK.get(t["status"], 5) + len(t["cases"]), 0 if mine else 1, 0 if same else 1,
                dist if dist is not None else 1e9)
        out.append((rank, {"team": t, "distance_m": dist, "same_area": same, "responsible": mine,
                           "road": resp["road"] if mine and resp else None}))
    out.sort(key=lambda x: x[0])
    recs = [o for _r, o in out[:limit]]
    for i, rec in enumerate(recs):
        rec["reason"] = (("road", rec["road"]) if rec["responsible"] else ("area", "") if rec["same_area"]
                         else ("nearest", "") if i == 0 and rec["distance_m"] is not None else ("", ""))
    return recs
