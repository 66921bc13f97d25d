"""The server's `state["cases"]`: a mapping of case id to case that keeps the cases no event
changed lately as their JSON (bytes) instead of dicts.

A case of the window that no event changed since the hub's last look at the window (open
ones waiting for their squad, closed ones there for snapshots and the rare rating, note or
reopen) costs about 10 KB as Python dicts and 1.8 KB as orjson bytes, and the snapshot needs
exactly those bytes. Reading a cold case decodes it (a new dict each time: the hub's
batches copy what they change and write it back, so nothing is lost); writing a case makes
it hot again. Iterating decodes the cold ones as it goes, so whoever iterates (a role
view's snapshot, a handover's open-case list) pays for what it reads and nothing stays
behind. A cold closed case also has its last update (`cold_at`): the window's test.
"""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping

import orjson

_MISSING = object()


class CaseMap(MutableMapping):
    __slots__ = ("hot", "cold", "cold_at")

    def __init__(self, hot: dict | None = None):
        self.hot: dict[str, dict] = dict(hot or {})
        self.cold: dict[str, bytes] = {}
        self.cold_at: dict[str, str] = {}          # a cold closed case's last update (ISO): the window's test

    # ---- the mapping ---------------------------------------------------------------
    def __getitem__(self, key: str) -> dict:
        v = self.hot.get(key)
        if v is not None:
            return v
        return orjson.loads(self.cold[key])

    def get(self, key, default=None):
        v = self.hot.get(key, _MISSING)
        if v is not _MISSING:
            return v
        b = self.cold.get(key)
        return default if b is None else orjson.loads(b)

    def __setitem__(self, key: str, value: dict) -> None:
        self.hot[key] = value
        if self.cold.pop(key, None) is not None:
            self.cold_at.pop(key, None)

    def __delitem__(self, key: str) -> None:
        if self.hot.pop(key, _MISSING) is _MISSING:
            del self.cold[key]
            self.cold_at.pop(key, None)

    def pop(self, key, *default):
        v = self.hot.pop(key, _MISSING)
        if v is not _MISSING:
            return v
        b = self.cold.pop(key, None)
        if b is not None:
            self.cold_at.pop(key, None)
            return orjson.loads(b)
        if default:
            return default[0]
        raise KeyError(key)

    def __contains__(self, key) -> bool:
        return key in self.hot or key in self.cold

    def __iter__(self) -> Iterator[str]:
        yield from self.hot
        yield from self.cold

    def __len__(self) -> int:
        return len(self.hot) + len(self.cold)

    def __repr__(self) -> str:
        return f"CaseMap({len(self.hot)} hot, {len(self.cold)} cold)"

    # ---- hot and cold ----------------------------------------------------------------
    def fresh(self, key: str) -> dict:
        """A copy of the case the caller may change (a batch's working copy)."""
        b = self.cold.get(key)
        if b is not None:
            return orjson.loads(b)
        return orjson.loads(orjson.dumps(self.hot[key]))

    def freeze(self, key: str, text: bytes, updated: str | None = None) -> None:
        """Keep the case as `text` (its JSON as orjson writes it) from now on; `updated`, a
        closed case's last update (None for an open case: it stays in the window)."""
        self.hot.pop(key, None)
        self.cold[key] = text
        if updated is None:
            self.cold_at.pop(key, None)
        else:
            self.cold_at[key] = updated

    def text(self, key: str) -> bytes | None:
        """A cold case's JSON (None for a hot one)."""
        return self.cold.get(key)

    def is_cold(self, key: str) -> bool:
        return key in self.cold
