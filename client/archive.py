"""The archive as the link reaches it (no Qt): the server's whole history while online
(search, a case by id, aggregates), the local cache's closed cases older than the window
always, and what either finds brought into the link's state.

`ServerLink` owns one (`link.archive`) and routes to it: the answers to its queries
(`answer`, `refused`), the cases the server reads back before an event on them
(`restored`), the end of a connection (`connection_lost`), the cases an event needs that
are only in the cache (`thaw`). The link's `search_archive`, `fetch_case`, `archive_stats`,
`count_archive` and `thaw` are this object's.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed

from models import protocol

from .cachewriter import CacheIO, CacheWriter
from .window import ArchiveWindow

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger("xiaonao.client")

ARCHIVE_TIMEOUT = 10.0   # seconds an archive query to the server may take


class LinkArchive:
    """`state()` is the link's state (replaced on a snapshot: always read it through this);
    `connection()` the open connection (None between connections), `online()` whether the
    link is online on it (searches and fetches go to the server only then); `on_history`
    hears of cases brought into the state from the cache or the server (history, not news)."""

    def __init__(self, io: CacheIO, window: ArchiveWindow, writer: CacheWriter, state: Callable[[], dict],
                 connection: Callable[[], ClientConnection | None], online: Callable[[], bool],
                 on_history: Callable[[list[str]], None]):
        self._io, self.window, self.writer = io, window, writer
        self._state, self._connection, self._online = state, connection, online
        self._on_history = on_history
        self._pending: dict[str, asyncio.Future] = {}      # queries waiting for their answer, by id

    # ---- into the state -----------------------------------------------------------------
    def add(self, cases: list[dict]) -> list[str]:
        """Cases read from the cache, into the state (a copy in memory is newer and wins);
        returns the ids added."""
        have = self._state()["cases"]
        ids = []
        for c in cases:
            if c["id"] not in have:
                have[c["id"]] = c
                ids.append(c["id"])
        if ids:
            self._on_history(ids)
        return ids

    def bring_back(self, cases: list[dict]) -> list[str]:
        """Archived cases, into the state, kept THAWED_GRACE seconds."""
        self.window.thawed(c["id"] for c in cases)
        return self.add(cases)

    def keep_found(self, cases: list[dict]) -> None:
        """Cases from the server's archive into the state (kept THAWED_GRACE seconds) and into
        the local cache, so an offline search finds them too."""
        ids = self.bring_back(cases)
        if ids:
            self.writer.keep(ids)

    def restored(self, case: Any) -> None:
        """The server read a case back from its archive and sends it before an event on it
        (archive.case without an id): a link that does not hold it adds it."""
        if isinstance(case, dict) and isinstance(case.get("id"), str) and case["id"] not in self._state()["cases"]:
            self.keep_found([case])

    # ---- the local archive ---------------------------------------------------------------
    async def thaw(self, ids: list[str]) -> bool:
        """Bring archived cases back from the cache into the state; False if the cache does not
        have them all (then the state must come from a snapshot)."""
        cache = self._io.cache
        if not cache or not await self.writer.caught_up():
            return False
        self.bring_back(await self._io.call(cache.get_cases, ids))
        return all(i in self._state()["cases"] for i in ids)

    async def count(self) -> int:
        """How many cases the local archive holds (0 without one)."""
        before = self.window.before()
        if self._io.cache is None or before is None:
            return 0
        return await self._io.call(self._io.cache.count_archive, before)

    # ---- the server's archive, else the local one -----------------------------------------
    async def search(self, text: str) -> tuple[list[str], bool]:
        """Closed cases older than the window whose id, title, address, grid, squad or business
        (or, from the server, pinyin initials) hold every word of `text` (newest first, at most
        cache.ARCHIVE_HITS), brought into the state so the queue shows them. Online, the
        server's archive answers (the whole history); offline, or when the server does not
        answer, the local cache. Returns (their ids, whether there were more)."""
        if not text.strip():
            return [], False
        if self._online():
            try:
                return await self._search_server(text)
            except (asyncio.TimeoutError, ConnectionClosed, KeyError, TypeError) as e:
                log.info("archive search on the server failed (%r): searching the local cache", e)
        before = self.window.before()
        cache = self._io.cache
        if before is None or cache is None or not await self.writer.caught_up():
            return [], False
        cases, more = await self._io.call(cache.search_archive, text, before)
        self.bring_back(cases)
        return [c["id"] for c in cases], more

    async def fetch(self, case_id: str) -> dict | None:
        """A case by id from the server's archive (None when there is none or offline),
        brought into the state."""
        if not self._online():
            return None
        r = await self._query(lambda q: protocol.archive_get(q, case_id))
        case = r.get("case")
        if case and (r.get("seq") or 0) <= self._state()["seq"]:
            self.keep_found([case])
        return case

    async def stats(self, since: str, until: str, by: str = "day", tz_minutes: int = 480) -> list[dict]:
        """Aggregates over the server's whole history (docs/protocol.md, Archive)."""
        r = await self._query(lambda q: protocol.archive_stats(q, since, until, by, tz_minutes))
        if r.get("type") != "archive.stats":
            raise RuntimeError(r.get("message", "the archive did not answer"))
        return r["rows"]

    async def _query(self, frame_of: Callable[[str], str], timeout: float = ARCHIVE_TIMEOUT) -> dict:
        """Send a query (frame_of(id) -> frame) and wait for its answer: an archive.* frame, or
        the error frame with its id as {"type": "error", "code", "message"}. ConnectionClosed
        when there is no connection or it ends before the answer."""
        ws = self._connection()
        if ws is None:
            raise ConnectionClosed(None, None)
        qid = f"q{uuid.uuid4().hex[:12]}"
        fut = asyncio.get_running_loop().create_future()
        self._pending[qid] = fut
        try:
            await ws.send(frame_of(qid))
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(qid, None)

    async def _search_server(self, text: str) -> tuple[list[str], bool]:
        from models.timeutil import iso

        from .cache import ARCHIVE_HITS
        before = self.window.before()
        closed_before = iso(before) if before is not None else None
        ids: list[str] = []
        cursor, more = None, False
        while len(ids) < ARCHIVE_HITS:
            r = await self._query(lambda q: protocol.archive_search(
                q, text, min(protocol.ARCHIVE_MAX_LIMIT, ARCHIVE_HITS - len(ids)), cursor, closed_before))
            if r.get("type") != "archive.result":
                raise KeyError(r.get("message", "no result"))
            # a case the server read after events this link has not applied yet waits for them
            seq = self._state()["seq"]
            cases = [c for c, s in zip(r["cases"], r["seqs"]) if s is None or s <= seq]
            self.keep_found(cases)
            ids += [c["id"] for c in r["cases"]]
            more, cursor = r["more"], r["next"]
            if not more:
                break
        return ids, more

    # ---- routed by the link --------------------------------------------------------------
    def answer(self, rid: str | None, msg: dict) -> bool:
        """A frame answering one of this archive's queries (True: it was one)."""
        fut = self._pending.pop(rid, None) if rid else None
        if fut is None:
            return False
        if not fut.done():
            fut.set_result(msg)
        return True

    def refused(self, rid: str | None, code: str, message: str) -> bool:
        """An error frame answering one of this archive's queries (True: it was one)."""
        return self.answer(rid, {"type": "error", "id": rid, "code": code, "message": message})

    def connection_lost(self) -> None:
        """The connection ended: no answer will come to what was asked on it."""
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionClosed(None, None))
