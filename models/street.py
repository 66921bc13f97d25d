"""The street as data: patrol areas, squads, departments, grids (TOML + GeoJSON).

`load_street(path)` returns a plain JSON-able dict; it travels in the `street.loaded`
event so every client holds the same street without the server's files.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path

from .domain import RESOURCES

DEMO_STREET = RESOURCES / "demo" / "street.toml"


class StreetError(ValueError):
    pass


def load_street(path: str | Path | None = None) -> dict:
    """Load and check a street file; `None` or "demo" loads the built-in demo street."""
    path = DEMO_STREET if path in (None, "demo") else Path(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StreetError(f"street file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise StreetError(f"street file {path} is not valid TOML: {e}") from None
    grids = []
    if data.get("grids_file"):
        gpath = Path(path).parent / data["grids_file"]
        try:
            gj = json.loads(gpath.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError) as e:
            raise StreetError(f"grids file {gpath}: {e}") from None
        for f in gj.get("features", []):
            props = f.get("properties", {})
            ring = f["geometry"]["coordinates"][0]
            grids.append({"id": props["id"], "name": props.get("name", props["id"]),
                          "area": props.get("area"),
                          "polygon": [[lat, lon] for lon, lat in ring]})
    street = {
        "id": data.get("id", "street"),
        "name": data.get("name", "street"),
        "name_en": data.get("name_en", data.get("name", "street")),
        "sla_profile": data.get("sla_profile", "1310"),
        "wartime_profile": data.get("wartime_profile", "wartime"),
        "center": data.get("center", [30.3, 120.25]),
        "bounds": data.get("bounds"),
        "areas": data.get("areas", []),
        "departments": data.get("departments", []),
        "squads": data.get("squads", []),
        "roads": data.get("roads", []),
        "places": data.get("places", []),
        "grids": grids,
    }
    if isinstance(data.get("evidence"), dict):
        street["evidence"] = data["evidence"]     # its own evidence rules (models/evidence.py)
    _check(street)
    from . import rota as rota_mod
    try:
        if data.get("rota_file"):
            # the three-shift rota and the reserve (models/rota.py)
            street["rota"], street["reserve"] = rota_mod.load_rota(Path(path).parent / data["rota_file"],
                                                                   street["squads"])
        if data.get("roads_file"):
            # who answers for each road's stretch (以道路为最小作战单元)
            rota_mod.load_roads(Path(path).parent / data["roads_file"], street)
    except (rota_mod.RotaError, KeyError, TypeError) as e:
        raise StreetError(f"street {path}: {e}") from None
    return street


def _check(street: dict) -> None:
    area_ids = {a["id"] for a in street["areas"]}
    seen = set()
    for sq in street["squads"]:
        for key in ("id", "call_sign", "area"):
            if key not in sq:
                raise StreetError(f"squad {sq.get('id', '?')} has no {key}")
        if sq["id"] in seen:
            raise StreetError(f"squad id {sq['id']} appears twice")
        seen.add(sq["id"])
        if sq["area"] not in area_ids:
            raise StreetError(f"squad {sq['id']} names unknown area {sq['area']}")
    for g in street["grids"]:
        if g.get("area") and g["area"] not in area_ids:
            raise StreetError(f"grid {g['id']} names unknown area {g['area']}")


# ---- geometry -------------------------------------------------------------

def point_in_polygon(lat: float, lon: float, poly: list[list[float]]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        y1, x1 = poly[i]
        y2, x2 = poly[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x:
                inside = not inside
    return inside


_BOXES: dict[int, tuple[list, list[tuple[float, float, float, float]]]] = {}


def _boxes(grids: list) -> list[tuple[float, float, float, float]]:
    """Each grid's bounding box (lat min, lat max, lon min, lon max), worked out once per
    street: a point is tested against the polygons whose box holds it (1-2, not 48)."""
    hit = _BOXES.get(id(grids))
    if hit is None or hit[0] is not grids:
        boxes = [(min(p[0] for p in g["polygon"]), max(p[0] for p in g["polygon"]),
                  min(p[1] for p in g["polygon"]), max(p[1] for p in g["polygon"])) if g["polygon"]
                 else (1.0, -1.0, 1.0, -1.0) for g in grids]
        _BOXES.clear()
        _BOXES[id(grids)] = hit = (grids, boxes)
    return hit[1]


def grid_at(street: dict, lat: float, lon: float) -> dict | None:
    grids = street["grids"]
    for g, (la0, la1, lo0, lo1) in zip(grids, _boxes(grids)):
        if la0 <= lat <= la1 and lo0 <= lon <= lo1 and point_in_polygon(lat, lon, g["polygon"]):
            return g
    return None


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance in metres: exact enough within a street."""
    lat = math.radians((a[0] + b[0]) / 2)
    dx = math.radians(b[1] - a[1]) * math.cos(lat) * 6_371_000
    dy = math.radians(b[0] - a[0]) * 6_371_000
    return math.hypot(dx, dy)


def grid_centroid(grid: dict) -> tuple[float, float]:
    pts = grid["polygon"][:-1] or grid["polygon"]
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


_ADDR = re.compile(r"^(?P<road>.+?[路街道巷弄])(?P<num>\d+)号")


_RESOLVED: dict[int, tuple[dict, dict[str, dict | None]]] = {}
RESOLVED_MAX = 50_000          # addresses remembered per street (an import repeats its roads' numbers)


def resolve_address(street: dict, address: str) -> dict | None:
    """Resolve an address or place name on the street to lat/lon, grid and area.

    Understands "<road><number>号..." on the street's roads (numbers run along the road,
    about 10 m apart) and the names of the street's places. None when it cannot.
    Remembered per street and address (a report's ~50 us, most of it the places and the
    polygons; an import's rows name the same addresses again and again).
    """
    hit = _RESOLVED.get(id(street))
    if hit is None or hit[0] is not street:
        _RESOLVED.clear()
        _RESOLVED[id(street)] = hit = (street, {})
    memo = hit[1]
    found = memo.get(address, _NOT_YET)
    if found is _NOT_YET:
        if len(memo) >= RESOLVED_MAX:
            memo.clear()
        found = memo[address] = _resolve(street, address)
    return dict(found) if found is not None else None


_NOT_YET: dict = {}


def _resolve(street: dict, address: str) -> dict | None:
    address = (address or "").strip()
    if not address:
        return None
    for place in street.get("places", []):
        if place["name"] in address:
            hit = _resolve(street, place["address"])
            if hit:
                return hit | {"place": place["name"]}
    m = _ADDR.match(address)
    if not m:
        return None
    road = next((r for r in street.get("roads", []) if r["name"] == m["road"]), None)
    if road is None:
        return None
    (la0, lo0), (la1, lo1) = road["from"], road["to"]
    length = distance_m((la0, lo0), (la1, lo1))
    frac = min(1.0, (int(m["num"]) * 10.0 % max(length, 1.0)) / max(length, 1.0))
    # odd numbers on one side, even on the other (~15 m off the centre line)
    side = 0.00014 if int(m["num"]) % 2 else -0.00014
    lat = la0 + (la1 - la0) * frac + (side if lo0 != lo1 else 0)
    lon = lo0 + (lo1 - lo0) * frac + (side if la0 != la1 else 0)
    g = grid_at(street, lat, lon)
    return {"lat": round(lat, 6), "lon": round(lon, 6),
            "grid": g["id"] if g else None, "area": g["area"] if g else None}
