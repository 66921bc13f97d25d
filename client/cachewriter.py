"""The link's writes to its local cache: one at a time, in order, on the cache thread.

Live events mark the cases they touch; a write, CACHE_FLUSH seconds later, stores those
cases and the head in one transaction. A snapshot goes to the cache as it arrives: each
frame is handed to the cache thread (which decodes its own copy) and staged; once the last
page is in and the state replaced, one transaction swaps the staged snapshot in, with the
cases live events changed since. Nothing here holds a snapshot's frames longer than it takes
the cache thread to stage them, nor the history the window leaves out of memory.

A failed write is redone (its cases stay marked), so the cache never claims a seq it does
not hold. A snapshot whose pages did not all reach the cache (disk full) cannot be redone
from memory: the writer stops writing (the cache keeps its older, consistent state), probes
the cache, and once it can be written asks the link for a fresh snapshot (`on_lost`).
`problem` says what stops the writes, for the operator: "" | full | locked | error.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from models.state import touched

if TYPE_CHECKING:
    from .cache import Cache

log = logging.getLogger("xiaonao.client")

CACHE_FLUSH = 0.3        # seconds between batched cache writes
CACHE_RETRY = 2.0        # seconds before a failed cache write is tried again
LOST_RETRY_MAX = 300.0   # at most this long between fresh snapshots while the cache cannot take one


def cache_problem(exc: BaseException) -> str:
    """What stops the cache being written, for the operator: full, locked or error."""
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        return "full"
    if "locked" in text or "busy" in text:
        return "locked"
    return "error"


class CacheIO:
    """The single cache thread, and the cache it works on (None: no cache)."""

    def __init__(self) -> None:
        self.cache: Cache | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-cache")

    async def call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    @property
    def closed(self) -> bool:
        return self._pool._shutdown       # type: ignore[attr-defined]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class CacheWriter:
    """`state()` gives the state the writes follow; `spawn(coro, on_error)` runs a task;
    `on_problem(problem)` hears when `problem` changes; `on_whole()` when the cache holds a
    whole snapshot again; `on_lost()` when it needs a fresh one."""

    def __init__(self, io: CacheIO, state: Callable[[], dict], spawn, on_problem: Callable[[str], None],
                 on_whole: Callable[[], None] = lambda: None, on_lost: Callable[[], None] = lambda: None):
        self.io = io
        self._state = state
        self._spawn = spawn
        self._on_problem = on_problem
        self._on_whole = on_whole
        self._on_lost = on_lost
        self.problem = ""
        self._dirty: set[str] = set()         # cases changed since the last write
        self._street_dirty = False
        self._snapshot = ""                   # "" | staging | staged (to commit) | lost
        self._log_id: str | None = None       # the identity to record once the snapshot is in
        self._writing: asyncio.Task | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._lost_wait = CACHE_RETRY
        self._was_lost = False
        self.stopped = False

    @property
    def cache(self) -> Cache | None:
        return self.io.cache

    # ---- what the link tells it ---------------------------------------------------
    def changed(self, events: Iterable[dict]) -> None:
        """Events were applied: the cases they touch are written soon."""
        if not self.cache:
            return
        for ev in events:
            t = touched(ev)
            self._dirty.update(t.cases)            # (a case a filtered view removed is skipped)
            if t.everything:
                self._street_dirty = True
        self._schedule(CACHE_FLUSH)

    def keep(self, ids: Iterable[str]) -> None:
        """Cases brought into the state from elsewhere (the server's archive): write them."""
        if self.cache:
            self._dirty.update(ids)
            self._schedule(CACHE_FLUSH)

    def snapshot_frame(self, raw: str | bytes, first: bool) -> None:
        """A snapshot frame as it arrives (`first`: the `snapshot` frame, a new snapshot):
        staged on the cache thread."""
        if not self.cache:
            return
        if first:
            self._was_lost = self._snapshot == "lost" or (self._was_lost and self._snapshot == "staging")
            self._snapshot = "staging"
            self._spawn(self.io.call(self.cache.stage_begin), self._failed)
        if self._snapshot == "staging":
            self._spawn(self.io.call(self.cache.stage_page, raw, first), self._failed)

    def snapshot_applied(self, log_id: str | None) -> None:
        """The snapshot's last page is in and the state replaced: swap it into the cache
        (with the cases changed since), then record `log_id` as the cache's identity."""
        if not self.cache or self._snapshot != "staging":
            return
        self._snapshot = "staged"
        self._log_id = log_id
        self._dirty.clear()
        self._street_dirty = False
        self._schedule(0)

    def snapshot_abort(self) -> None:
        """The connection went before the snapshot was complete: the cache keeps what it had
        (and a lost snapshot stays lost)."""
        if self._snapshot == "staging":
            self._snapshot = "lost" if self._was_lost else ""
            if self._dirty or self._street_dirty or self._snapshot:
                self._schedule(CACHE_FLUSH)

    def adopt_log(self, log_id: str | None) -> None:
        """The state follows this log now (recorded after a snapshot waiting to be written)."""
        if self.cache and log_id and not self._snapshot:
            self._spawn(self.io.call(self.cache.set_meta, "log_id", log_id), self._failed)

    # ---- what the link asks -------------------------------------------------------
    def settled(self) -> bool:
        """The local cache holds everything the link holds: no write running or waiting
        (True without a cache)."""
        return self.cache is None or (not self._snapshot and self._writing is None
                                      and not self._dirty and not self._street_dirty)

    async def caught_up(self) -> bool:
        """Wait until every write started or owed has been handed to the cache thread (reads
        there come after them). False when writes are failing."""
        while self._writing is not None or self._snapshot in ("staged", "lost"):
            if self.problem or self._snapshot == "lost":
                return False
            if self._writing is not None:
                await asyncio.wait({self._writing})
            else:
                self._cancel_timer()
                self.flush()
        return not self.problem

    # ---- writing --------------------------------------------------------------------
    def _schedule(self, delay: float) -> None:
        if self._flush_handle is None and not self.stopped:
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self.flush)

    def _cancel_timer(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None

    def flush(self) -> asyncio.Task | None:
        """Start the next write: a staged snapshot if one waits, else the touched cases and
        the head. Each write is one transaction holding a consistent state at its seq."""
        self._flush_handle = None
        cache = self.cache
        if cache is None:
            return None
        if self._writing is not None:
            self._schedule(CACHE_FLUSH)
            return None
        if self._snapshot == "lost":
            self._writing = self._spawn(self._probe(), self._failed)
            return self._writing
        if self._snapshot == "staging" or (self._snapshot != "staged" and not (self._dirty or self._street_dirty)):
            return None          # (live writes wait while a snapshot is being staged)
        from .cache import StageLost, case_row, state_head
        state = self._state()
        ids, street_dirty = set(self._dirty), self._street_dirty
        rows = [case_row(state["cases"][c]) for c in ids if c in state["cases"]]
        self._dirty.clear()
        self._street_dirty = False
        seq, head = state["seq"], state_head(state)
        full = self._snapshot == "staged"
        if full:
            street = json.dumps(state["street"], ensure_ascii=False) if state.get("street") else None

            def job():
                cache.stage_commit(seq, head, street, rows)
        else:
            street = json.dumps(state["street"], ensure_ascii=False) if street_dirty and state.get("street") else None

            def job():
                cache.write(seq, head, rows, street)

        async def write():
            try:
                await self.io.call(job)
            except StageLost as e:
                log.error("a snapshot did not reach the local cache: %s", e)
                self._dirty |= ids
                self._snapshot = "lost"
                self._set_problem(cache_problem(e.__cause__ or e))
                self._schedule(CACHE_RETRY)
            except Exception as e:
                log.error("a cache write failed: %r", e)
                self._dirty |= ids
                self._street_dirty |= street_dirty
                self._set_problem(cache_problem(e))
                self._schedule(CACHE_RETRY)
            else:
                if full and self._snapshot == "staged":
                    self._snapshot = ""
                    self._lost_wait = CACHE_RETRY
                    self._on_whole()
                    if self._log_id:
                        # the cache's state is this identity's now (not before: a crash in
                        # between must not leave an old state under the new identity)
                        await self.io.call(cache.set_meta, "log_id", self._log_id)
                self._set_problem("")                   # the cache caught up
            finally:
                self._writing = None
        self._writing = self._spawn(write(), self._failed)
        return self._writing

    async def _probe(self) -> None:
        """While a lost snapshot keeps the cache behind: once the cache can be written, ask
        for a fresh snapshot (backing off: each is a whole transfer)."""
        cache = self.cache
        assert cache is not None
        try:
            await self.io.call(cache.probe)
        except Exception as e:
            self._set_problem(cache_problem(e))
            self._schedule(CACHE_RETRY)
        else:
            log.warning("the local cache can be written again: taking a fresh snapshot")
            self._schedule(self._lost_wait)
            self._lost_wait = min(LOST_RETRY_MAX, self._lost_wait * 2)
            self._on_lost()
        finally:
            self._writing = None

    def _failed(self, exc: BaseException) -> None:
        log.error("a cache task failed: %r", exc)
        self._set_problem(cache_problem(exc))

    def _set_problem(self, problem: str) -> None:
        if problem != self.problem:
            self.problem = problem
            self._on_problem(problem)

    async def close(self) -> None:
        """Write what is still unwritten (a staged snapshot, then what is marked), close."""
        self.stopped = True
        self._cancel_timer()
        if self.cache:
            if self._writing is not None:
                await asyncio.wait({self._writing})
            if self._snapshot != "lost":
                for _ in range(2):           # a snapshot waiting, and whatever is marked behind it
                    w = self.flush()
                    if w is not None:
                        await asyncio.wait({w})
            await self.io.call(self.cache.close)
