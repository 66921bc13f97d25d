"""The cockpit's window on its history: which closed cases live in memory and which only in
the local cache (the archive). No I/O: the link asks it, the cache does the reading.

Closed cases last updated more than `retain_days` ago belong in the archive. An archived
case an event or a search brings back stays in memory THAWED_GRACE seconds; the case on the
operator's screen (`pinned`) never leaves. `keep_all` is set when the cache turned out to
miss a case: then nothing is archived until a snapshot has been written whole.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .cachefile import last_update

RETAIN_DAYS = 30.0       # closed cases older than this stay in the local cache, out of memory
THAWED_GRACE = 3600.0    # an archived case brought back stays in memory at least this long


class ArchiveWindow:
    def __init__(self, retain_days: float | None, clock: Callable[[], float]):
        self.retain_days = retain_days          # None: everything stays in memory
        self.clock = clock
        self.keep_all = False                   # the cache missed a case: archive nothing
        self.pinned: set[str] = set()           # never archived (the case on the operator's screen)
        self._thawed_at: dict[str, float] = {}  # archived cases brought back, and when

    def before(self, now: float | None = None) -> float | None:
        """Closed cases last updated before this (epoch seconds) belong in the archive; None
        when everything stays in memory."""
        if self.retain_days is None or self.keep_all:
            return None
        return (self.clock() if now is None else now) - self.retain_days * 86400.0

    @staticmethod
    def aged_out(case: dict, before: float) -> bool:
        return case["status"] == "closed" and last_update(case) < before

    def keeps(self, before: float | None) -> Callable[[list[dict]], list[dict]]:
        """A filter for a snapshot's pages: the cases that belong in memory (all when
        `before` is None)."""
        if before is None:
            return lambda cases: cases
        aged = self.aged_out
        return lambda cases: [c for c in cases if not aged(c, before)]

    def thawed(self, ids: Iterable[str]) -> None:
        """These archived cases were brought back: keep them THAWED_GRACE seconds."""
        now = self.clock()
        for cid in ids:
            self._thawed_at[cid] = now

    def reset(self) -> None:
        """A new whole state came (a windowed snapshot): nothing is thawed any more."""
        self._thawed_at.clear()

    def to_archive(self, cases: dict[str, dict], now: float | None = None) -> list[str]:
        """The cases of `cases` (id -> case) that go to the archive now; they are forgotten
        here (the caller takes them out of memory)."""
        now = self.clock() if now is None else now
        before = self.before(now)
        if before is None:
            return []
        aged, thawed = self.aged_out, self._thawed_at
        gone = [cid for cid, c in cases.items() if aged(c, before)
                and now - thawed.get(cid, 0.0) > THAWED_GRACE and cid not in self.pinned]
        for cid in gone:
            thawed.pop(cid, None)
        return gone
