"""The case queue's order and filter, without Qt: what `models.qt.case_table` shows.

The queue is kept as a sorted list of unique keys (primary, case id) — `SortedIndex` — so a
changed case moves with two bisects, a batch of changes is spliced in one pass, and a row
is found from a case id by its key. `case_key` says where a case goes for a sort column;
`accepts` whether a `CaseFilter` lets it in. Property-tested against `sorted()` in
tests/test_queue_index.py.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from .domain import OPEN_STATUSES
from .sla import DUE_SOON, OVERDUE
from .timeutil import epoch

COLUMNS = ["sla", "priority", "id", "title", "category", "source", "area", "status", "squad", "age", "deadline"]
LIGHT_RANK = {OVERDUE: 0, DUE_SOON: 1, "late": 2, "on_time": 2}     # an open case that missed a stage is still pending
CLOSED_BASE = 4e11 + 4e9           # closed cases sort after every open one, newest first

Key = tuple                         # (primary: float | str, case id)
LightOf = Callable[[dict, float], "tuple[str, float | None]"]     # case, now -> (light, next deadline)
Move = tuple                        # (case id, old key | None, new key | None)


@dataclass
class CaseFilter:
    statuses: frozenset[str] = frozenset()      # empty = all
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    lights: frozenset[str] = frozenset()
    text: str = ""
    open_only: bool = False
    ids: frozenset[str] | None = None           # a drill-down: just these cases (None = any)

    def is_empty(self) -> bool:
        return not (self.statuses or self.categories or self.sources or self.areas or self.lights
                    or self.text or self.open_only or self.ids is not None)


def fmt_duration(seconds: float) -> str:
    s = int(abs(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    body = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
    return ("-" if seconds < 0 else "") + body


def closed_key(case: dict) -> Key:
    """The default order's key of a closed case: fixed until the case changes."""
    return (CLOSED_BASE - epoch(case["times"]["reported"]), case["id"])


def case_key(case: dict, column: str | None, light_of: LightOf, now: float) -> Key:
    """(primary, case id): one distinguishing float or string first, so that sorting
    100k keys compares mostly floats; the id makes every key unique. column None (or sla)
    is the room's order: overdue, then due soon, by priority and next deadline; closed last."""
    cid = case["id"]
    if column is None or column == "sla":
        if case["status"] in OPEN_STATUSES:
            light, nxt = light_of(case, now)
            return (LIGHT_RANK.get(light, 3) * 1e11 + case["priority"] * 1e10 + (nxt or 0.0), cid)
        return closed_key(case)
    if column == "priority":
        return (float(case["priority"]), cid)
    if column == "id":
        return (float(case.get("no") or 0), cid)
    if column == "age":
        return (-epoch(case["times"]["reported"]), cid)
    if column == "deadline":
        if case["status"] in OPEN_STATUSES:
            return ((light_of(case, now)[1] or 9e12), cid)
        return (1e13, cid)
    if column == "area":
        loc = case["location"]
        return (f"{loc.get('area') or ''}/{loc.get('grid') or ''}", cid)
    if column == "squad":
        return (case.get("team_id") or case.get("department") or "~", cid)
    if column in ("category", "source", "status"):
        return (case[column], cid)
    return (str(case.get(column, "")), cid)


def accepts(case: dict, f: CaseFilter, now: float, light_of: LightOf, search_of: Callable[[dict], str]) -> bool:
    """Whether the filter lets the case into the queue (`search_of(case)`: its lower-case
    search text; every word of `f.text` must be in it)."""
    if f.is_empty():
        return True
    if f.ids is not None and case["id"] not in f.ids:
        return False
    if f.open_only and case["status"] not in OPEN_STATUSES:
        return False
    if f.statuses and case["status"] not in f.statuses:
        return False
    if f.categories and case["category"] not in f.categories:
        return False
    if f.sources and case["source"] not in f.sources:
        return False
    if f.areas and case["location"].get("area") not in f.areas:
        return False
    if f.lights and light_of(case, now)[0] not in f.lights:
        return False
    if f.text:
        hay = search_of(case)
        return all(w in hay for w in f.text.lower().split())
    return True


def sort_keys(keys: list[Key]) -> list[Key]:
    """Sort (primary, case id) keys. Float primaries go through NumPy's argsort (100k in a
    few ms instead of a tuple sort's 100+), then runs of equal primaries are put in id order,
    so the result is exactly `sorted(keys)`."""
    n = len(keys)
    if n < 2000 or not isinstance(keys[0][0], float):
        keys.sort()
        return keys
    prim = np.fromiter(map(itemgetter(0), keys), dtype=np.float64, count=n)
    order = np.argsort(prim, kind="stable")
    out = [keys[i] for i in order.tolist()]
    sp = prim[order]
    ties = np.flatnonzero(sp[1:] == sp[:-1])
    if len(ties):
        i = 0
        while i < len(ties):                 # each run of equal primaries: sort by id
            start = j = ties[i]
            while i + 1 < len(ties) and ties[i + 1] == j + 1:
                i += 1
                j = ties[i]
            out[start:j + 2] = sorted(out[start:j + 2])
            i += 1
    return out


def _event_order(e: tuple) -> tuple:
    """Splice events in list order; at one position, new keys (0) before the drop (1) of
    the old key there, and new keys among themselves in key order."""
    return (e[0], e[1], e[2] or ())


class SortedIndex:
    """The view order: unique keys (primary, case id), sorted, and a map from case id to its
    key (dropped by `reset`, rebuilt when first needed or by `build_map` in idle time)."""

    SPLICE_FROM = 64          # moves in one batch from which one splicing pass beats bisects

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self._map: dict[str, Key] | None = {}

    def __len__(self) -> int:
        return len(self.keys)

    def reset(self, keys: list[Key]) -> None:
        """A new order from unsorted keys (one per case id)."""
        self.keys = sort_keys(keys)
        self._map = None

    def build_map(self) -> dict[str, Key]:
        if self._map is None:
            self._map = dict(zip(map(itemgetter(1), self.keys), self.keys))
        return self._map

    def key_of(self, cid: str) -> Key | None:
        return self.build_map().get(cid)

    def __contains__(self, cid: object) -> bool:
        return cid in self.build_map()

    def apply(self, moves: Iterable[Move]) -> None:
        """Move cases: (id, old key or None (not shown), new key or None (not shown))."""
        moves = list(moves)
        keys, key_of = self.keys, self.build_map()
        if len(moves) > self.SPLICE_FROM:
            # many at once: one pass over the list. Each old key is found by bisect (it is
            # skipped), each new key goes before the first old key not below it; the list
            # between those points is copied as slices (memcpy speed), no re-sort
            events: list[tuple[int, int, Key | None]] = []
            for _c, old, _n in moves:
                if old is not None:
                    i = bisect_left(keys, old)
                    if i < len(keys) and keys[i] == old:
                        events.append((i, 1, None))          # drop keys[i]
            for _c, _o, new_key in moves:
                if new_key is not None:
                    events.append((bisect_left(keys, new_key), 0, new_key))   # insert before keys[i]
            events.sort(key=_event_order)
            out: list[Key] = []
            prev = 0
            for i, drop, new_key in events:
                if i > prev:
                    out.extend(keys[prev:i])
                    prev = i
                if drop or new_key is None:
                    prev = i + 1
                else:
                    out.append(new_key)
            out.extend(keys[prev:])
            self.keys = out
            for cid, _old, new_key in moves:
                if new_key is None:
                    key_of.pop(cid, None)
                else:
                    key_of[cid] = new_key
        else:
            for cid, old, new_key in moves:
                if old is not None:
                    i = bisect_left(keys, old)
                    if i < len(keys) and keys[i] == old:
                        del keys[i]
                    key_of.pop(cid, None)
                if new_key is not None:
                    insort(keys, new_key)
                    key_of[cid] = new_key

    def row_of(self, cid: str | None, descending: bool = False) -> int:
        k = self.key_of(cid) if cid else None
        if k is None:
            return -1
        keys = self.keys
        i = bisect_left(keys, k)
        if i >= len(keys) or keys[i][1] != cid:
            return -1
        return len(keys) - 1 - i if descending else i

    def case_id(self, row: int, descending: bool = False) -> str | None:
        n = len(self.keys)
        if not 0 <= row < n:
            return None
        return self.keys[n - 1 - row if descending else row][1]

    def ids(self, descending: bool = False) -> list[str]:
        order = reversed(self.keys) if descending else self.keys
        return [k[1] for k in order]
