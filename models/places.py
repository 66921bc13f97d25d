"""Places as the street knows them: a caller's address resolved to one of the street's places
or addresses, so that "九堡中心小学", "九堡中心小学东侧" and "顺福路56号" are one place.

`place_of(street, address)` strips what a caller adds to say where near a place (东侧, 门口,
附近, ...: `resources/early_warnings.toml`, [places] suffixes), then resolves what is left:
a place of the street named in it, else "<road><number>号" (the place at that address when
the street has one), else the stripped text itself. Qt-free; the early warnings group by it.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from .domain import RESOURCES

_ADDRESS = re.compile(r"^(?P<road>.+?[路街道巷弄])(?P<num>\d+)号")
_SPACE = re.compile(r"[\s\u3000·,，。()（）]+")


def load_suffixes(path: Path | None = None) -> tuple[str, ...]:
    data = tomllib.loads((path or RESOURCES / "early_warnings.toml").read_text(encoding="utf-8"))
    words = [w for w in data.get("places", {}).get("suffixes", []) if isinstance(w, str) and w]
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))      # longest first: 大门口 before 门口


SUFFIXES = load_suffixes()


def strip_suffixes(text: str, suffixes: tuple[str, ...] = SUFFIXES) -> str:
    """The address without what a caller adds to say where near it, repeatedly
    ("九堡中心小学东侧门口" -> "九堡中心小学"); never down to nothing."""
    s = _SPACE.sub("", text or "")
    changed = True
    while changed:
        changed = False
        for w in suffixes:
            if s.endswith(w) and len(s) > len(w):
                s = s[: -len(w)]
                changed = True
                break
    return s


class _Index:
    """The street's places by name (longest first) and by address."""

    def __init__(self, places: list[dict]):
        self.names = sorted((p["name"] for p in places if p.get("name")), key=lambda n: (-len(n), n))
        self.by_address: dict[str, str] = {}
        for p in places:
            m = _ADDRESS.match(p.get("address") or "")
            if m:
                self.by_address.setdefault(m.group(0), p["name"])


_INDEXES: dict[int, tuple[list, _Index]] = {}


def _index(street: dict | None) -> _Index:
    places = (street or {}).get("places") or []
    hit = _INDEXES.get(id(places))
    if hit is None or hit[0] is not places:
        _INDEXES.clear()
        hit = _INDEXES[id(places)] = (places, _Index(places))
    return hit[1]


def place_of(street: dict | None, address: str) -> str:
    """The place an address names: one of the street's places, else its "<road><number>号",
    else the address without directional suffixes ('' for no address)."""
    return _place_of(_index(street), address or "")


@lru_cache(maxsize=65536)
def _place_of(index: _Index, address: str) -> str:
    text = strip_suffixes(address)
    for name in index.names:
        if name in text:
            return name
    m = _ADDRESS.match(text)
    if m:
        return index.by_address.get(m.group(0), m.group(0))
    return text
