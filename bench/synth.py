"""Synthetic room states for benchmarks and scale tests: N cases on the demo street, fast."""
from __future__ import annotations

import random
import time

from models.state import empty_state, team_from_squad
from models.street import load_street
from models.timeutil import iso

CATS = ["dispute", "city_management", "market", "fire", "public_security", "traffic", "public_service", "environment"]
SRCS = ["110", "12345", "grid", "video", "patrol", "sensor"]
TITLES = ["邻里噪音纠纷", "占道经营", "违章停车堵路", "楼道堆放杂物", "餐馆油烟扰民", "独居老人求助", "预付卡退费纠纷"]
ROADS = ["九堡大道", "杭海路", "九环路", "顺福路", "三卫路"]


def synth_state(n: int, open_fraction: float = 0.01, now: float | None = None, seed: int = 1,
                span_days: float = 30.0) -> dict:
    """n cases reported over the last span_days (open ones in the last half hour)."""
    rng = random.Random(seed)
    now = now or time.time()
    st = empty_state()
    street = load_street()
    st["street"] = street
    st["teams"] = {sq["id"]: team_from_squad(sq) for sq in street["squads"]}
    teams = list(st["teams"])
    grids = street["grids"]
    cases = st["cases"]
    for i in range(1, n + 1):
        cid = f"C{i:06d}"
        rep = now - rng.uniform(0, span_days * 86400) if rng.random() > open_fraction else now - rng.uniform(0, 1800)
        is_open = rep > now - 1800
        g = rng.choice(grids)
        times = {"reported": iso(rep)}
        status = "closed"
        if is_open:
            status = rng.choice(["new", "accepted", "dispatched", "signed", "on_scene"])
        if status != "new":
            times["accepted"] = iso(rep + 10)
        if status not in ("new", "accepted"):
            times["dispatched"] = iso(rep + 40)
        if status == "closed":
            times.update(signed=iso(rep + 60), contacted=iso(rep + 120), on_scene=iso(rep + 400),
                         resolved=iso(rep + 2000), closed=iso(rep + 2400))
        cases[cid] = {
            "id": cid, "no": i, "title": rng.choice(TITLES), "description": "", "category": rng.choice(CATS),
            "subtags": [], "source": rng.choice(SRCS), "priority": rng.randint(1, 4),
            "location": {"address": f"{rng.choice(ROADS)}{rng.randint(1, 400)}号", "grid": g["id"], "area": g["area"],
                         "lat": 30.3, "lon": 120.25},
            "reporter": None, "parties": [], "status": status,
            "team_id": rng.choice(teams) if status not in ("new", "accepted", "closed") else None,
            "department": None, "escalation": -1, "supervision": 0, "rating": None, "reopen_count": 0,
            "repeat_calls": 0, "merged_into": None, "on_scene_closure": status == "closed", "resolution": None,
            "times": times, "timeline": [], "notes": [], "created": times["reported"], "updated": times["reported"],
            "business": None,
        }
    st["seq"] = n + 1
    st["next_case_no"] = n + 1
    return st
