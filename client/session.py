"""A headless session to the server (asyncio + websockets, no Qt).

It logs in, applies the snapshot and events with the shared reducer, keeps the last seq,
resumes from it after a reconnect, resyncs from a snapshot when it sees a gap, and keeps an
outbox of commands that survives restarts. Benchmarks and tests open hundreds of these;
the cockpit wraps one in `client.qtlink.LinkService`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl as ssl_mod
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from models import protocol
from models.state import SeqGap, apply, empty_state, from_wire, touched

from . import tls
from .cachefile import COLD_PAGE, last_update, read_hot
from .tasks import TaskSet

if TYPE_CHECKING:
    from .cache import Cache

log = logging.getLogger("xiaonao.client")

BACKOFF_FIRST = 0.3
BACKOFF_MAX = 2.0        # once the server is back, a client is in again within 2 s
PING_EVERY = 5.0
CACHE_FLUSH = 0.3        # seconds between batched cache writes
CACHE_RETRY = 2.0        # seconds before a failed cache write is tried again
RETAIN_DAYS = 30.0       # closed cases older than this stay in the local cache, out of memory
PRUNE_EVERY = 600.0      # seconds between moves of aged-out cases to the archive
THAWED_GRACE = 3600.0    # an archived case brought back stays in memory at least this long
ARCHIVE_TIMEOUT = 10.0   # seconds an archive query to the server may take


@dataclass(frozen=True)
class LinkStatus:
    """What the link is doing, for the always-visible link indicator.

    state: connecting | online | reconnecting | resyncing | auth_failed | stopped
    error: why the last attempt failed, for the indicator to say in words: "" | tls |
    refused | unreachable | dns | timeout | server_full | http | closed | other | insecure
    (credentials would go in clear to another machine) | ended_<reason> (the server ended
    the session: expired, revoked, disabled, role_changed, flood); message holds the detail.
    """
    state: str = "connecting"
    rtt_ms: float | None = None
    next_retry_at: float | None = None       # epoch seconds of the next attempt
    offline_since: float | None = None       # epoch seconds the link went down
    message: str = ""
    cache_problem: str = ""                  # "" | "full" | "locked" | "error": the local cache cannot be written
    error: str = ""


class SessionListener:
    """Callbacks of a ServerLink; all are called on the event loop's thread."""

    def on_reset(self, state: dict, age: float | None) -> None:
        """The whole state was replaced (cache loaded, or a snapshot). age: seconds since the
        state was current, None when it is live."""

    def on_events(self, events: list[dict]) -> None:
        """Events were applied to the state, in seq order."""

    def on_history(self, case_ids: list[str]) -> None:
        """Older cases from the local cache were added to the state (start-up pages them in
        after the first frame; an archive search or an event on an archived case brings
        them back)."""

    def on_archived(self, case_ids: list[str]) -> None:
        """Closed cases that aged out of the window were taken out of the state (they stay
        in the local cache: the archive)."""

    def on_link(self, status: LinkStatus) -> None:
        """The link's state changed."""

    def on_command(self, cid: str, outcome: str, detail: dict) -> None:
        """A command is pending, acked ({'seq'}) or refused ({'code','message'})."""

    def on_welcome(self, welcome: dict) -> None:
        """Logged in: user, role, team_id."""


class QueryFailed(Exception):
    """A query the server refused (code and message from its error), or that the link lost."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class AuthFailed(Exception):
    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


class SessionEnded(Exception):
    """The server ended the session in a way the link recovers from by reconnecting."""


class AdminRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def cache_problem(exc: BaseException) -> str:
    """What stops the cache being written, for the operator: full, locked or error."""
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        return "full"
    if "locked" in text or "busy" in text:
        return "locked"
    return "error"


def backoff_delay(attempt: int, rng: random.Random = random._inst) -> float:
    """Jittered backoff capped at BACKOFF_MAX: 500 consoles spread out, none waits minutes."""
    cap = min(BACKOFF_MAX, BACKOFF_FIRST * (2 ** attempt))
    return rng.uniform(cap / 3, cap)


class ServerLink:
    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 token: str | None = None, cache: Cache | None = None, cache_path: str | Path | None = None,
                 listener: SessionListener | None = None, ssl: ssl_mod.SSLContext | None = None,
                 max_size: int = 8 * 1024 * 1024, retain_days: float | None = RETAIN_DAYS,
                 clock: Callable[[], float] = time.time, ca_file: str | None = None, insecure: bool = False,
                 token_store=None):
        self.url = url
        self.clock = clock                 # the window's notion of now (tests move it)
        self.user = user
        self._password = password
        self.token = token
        self.cache = cache                 # with only cache_path, opened by open_cache
        self._cache_path = cache_path if cache is None else None
        self.listener = listener or SessionListener()
        self.ssl = tls.context_for(url, ca_file, ssl)       # None for ws://
        self.insecure = insecure                           # allow credentials over ws:// to another host
        self.token_store = token_store                     # client.tokens: where the token is kept
        self._admin_pending: dict[str, asyncio.Future] = {}
        self.max_size = max_size
        self.state: dict = empty_state()
        self.role: str | None = None
        self.team_id: str | None = None
        self.status = LinkStatus()
        self.outbox: dict[str, dict] = {}      # id -> {"name","args","status",...} in issue order
        self._ws = None
        self._stop = asyncio.Event()
        self._want_snapshot = False
        # the identity of the log `state` follows (the server's `log_id`): a restored
        # database has a new one, and a state from another identity resyncs from a snapshot
        self.log_id: str | None = None
        self._server_log: str | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-cache")
        self._dirty: set[str] = set()             # cases changed since the last cache write
        self._street_dirty = False
        self._full_write: list[str] | None = None  # a snapshot's raw frames, until they are in the cache
        self._writing: asyncio.Task | None = None   # one cache write at a time, in order
        self._flush_handle: asyncio.TimerHandle | None = None
        self.history_loaded = asyncio.Event()      # the cache's older cases are in the state
        self.history_loaded.set()                  # (nothing to page in until open_cache says so)
        self._tasks = TaskSet(self._task_failed)
        self._pings: dict[float, float] = {}
        self._credentials_changed = asyncio.Event()
        # the window: closed cases last updated more than retain_days ago live only in the
        # local cache (the archive); with no cache, or None, everything stays in memory
        self.retain_days = retain_days if (cache is not None or cache_path is not None) else None
        self._keep_all = False                     # the cache missed a case: archive nothing
        self._thawed_at: dict[str, float] = {}     # archived cases brought back, and when
        self.pinned: set[str] = set()              # never archived (the case on the operator's screen)
        self._queries: dict[str, asyncio.Future] = {}   # query id -> its answer (query.report, ...)
        self._archive_queries: dict[str, asyncio.Future] = {}   # archive queries waiting for their answer

    # ---- cache --------------------------------------------------------------
    async def _io_call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    async def open_cache(self) -> float | None:
        """Load the cached state's hot part (open cases, the last day, squads) and show it at
        once; the older cases follow in pages (`history_loaded`). Returns the state's age.

        Given only a path, the hot part is read with the standard sqlite3 driver and shown
        first; the cache proper (SQLAlchemy, 0.3-0.5 s to import) is opened after that."""
        if self.cache is None and self._cache_path is None:
            return None
        now = self.clock()
        before = self.archive_before(now)
        state = saved = None
        try:
            if self.cache is None:
                state, saved = await self._io_call(read_hot, self._cache_path, now, before)
                if state is not None:
                    self._show_cached(state, saved)
                try:
                    self.cache = await self._io_call(_open_cache, self._cache_path)
                finally:
                    self._cache_path = None
            if state is None:                      # (or an older schema the cache proper migrates)
                state, saved = await self._io_call(self.cache.load_hot, now, before)
                if state is not None:
                    self._show_cached(state, saved)
            if state is not None:
                self._spawn(self._load_history(now))
        except Exception as e:
            # no usable cache: the link works from the server alone, nothing is archived
            self.cache, self.retain_days = None, None
            self.history_loaded.set()
            self._set_status(cache_problem=cache_problem(e))
            raise
        if await self._io_call(self.cache.get_meta, "token") is not None:
            # an older cockpit kept its token here, in clear: never again
            await self._io_call(self.cache.forget_token)
        if self.token is None and self.token_store is not None:
            self.token = await self._io_call(self.token_store.get)
        if state is not None:
            self.log_id = await self._io_call(self.cache.get_meta, "log_id")
        for row in await self._io_call(self.cache.outbox):
            self.outbox[row["id"]] = row
        if self.retain_days is not None:
            self._spawn(self._prune_loop())
        for cid, row in self.outbox.items():
            self.listener.on_command(cid, row["status"], row)
        return None if state is None else max(0.0, time.time() - (saved or time.time()))

    def _show_cached(self, state: dict, saved: float | None) -> None:
        self.state = state
        self.listener.on_reset(self.state, max(0.0, time.time() - (saved or time.time())))
        self.history_loaded.clear()           # live frames wait for the history (see _load_history)

    async def _load_history(self, now: float) -> None:
        """Page the cache's older cases into the state. Live events wait for this (they may
        touch an old case), so it runs before the session reads the server's frames."""
        try:
            after = None
            while not self._stop.is_set():
                cases, after = await self._io_call(self.cache.load_cold, now, after,
                                                   COLD_PAGE, self.archive_before(now))
                if not cases:
                    break
                self._add_cases(cases)
        finally:
            self.history_loaded.set()

    # ---- the window and the archive -----------------------------------------------
    def archive_before(self, now: float | None = None) -> float | None:
        """Closed cases last updated before this (epoch seconds) belong in the archive;
        None when everything stays in memory."""
        if self.retain_days is None or self._keep_all:
            return None
        return (self.clock() if now is None else now) - self.retain_days * 86400.0

    @staticmethod
    def _aged_out(case: dict, before: float) -> bool:
        return case["status"] == "closed" and last_update(case) < before

    async def _cache_settled(self) -> bool:
        """Wait until every cache write started or owed has been handed to the cache thread
        (reads there come after them). False when writes are failing."""
        while self._writing is not None or self._full_write is not None:
            if self.status.cache_problem:
                return False
            if self._writing is not None:
                await asyncio.wait({self._writing})
            else:
                if self._flush_handle is not None:
                    self._flush_handle.cancel()
                    self._flush_handle = None
                self._flush()
        return not self.status.cache_problem

    def _add_cases(self, cases: list[dict]) -> list[str]:
        """Cases read from the cache, into the state (a copy in memory is newer and wins);
        the listener hears of them as history, not news."""
        have = self.state["cases"]
        ids = []
        for c in cases:
            if c["id"] not in have:
                have[c["id"]] = c
                ids.append(c["id"])
        if ids:
            self.listener.on_history(ids)
        return ids

    def _bring_back(self, cases: list[dict]) -> list[str]:
        """Archived cases read from the cache, into the state, kept THAWED_GRACE seconds."""
        now = self.clock()
        for c in cases:
            self._thawed_at[c["id"]] = now
        return self._add_cases(cases)

    async def _thaw(self, ids: list[str]) -> bool:
        """Bring archived cases an event touches back from the cache; False if the cache
        does not have them all (then the state must come from a snapshot)."""
        if not self.cache or not await self._cache_settled():
            return False
        self._bring_back(await self._io_call(self.cache.get_cases, ids))
        return all(i in self.state["cases"] for i in ids)

    async def search_archive(self, text: str) -> tuple[list[str], bool]:
        """Closed cases older than the window whose id, title, address, grid, squad or
        business (or, from the server, pinyin initials) hold every word of `text` (newest
        first, at most cache.ARCHIVE_HITS), brought into the state so the queue shows them.
        Online, the server's archive answers (the whole history); offline, the local cache.
        Returns (their ids, whether there were more)."""
        if not text.strip():
            return [], False
        if self._ws is not None and self.status.state == "online":
            try:
                return await self._search_server(text)
            except (asyncio.TimeoutError, ConnectionClosed, KeyError, TypeError) as e:
                log.info("archive search on the server failed (%r): searching the local cache", e)
        before = self.archive_before()
        if before is None or not await self._cache_settled():
            return [], False
        cases, more = await self._io_call(self.cache.search_archive, text, before)
        self._bring_back(cases)
        return [c["id"] for c in cases], more

    async def _query(self, frame_of, timeout: float = ARCHIVE_TIMEOUT) -> dict:
        """Send an archive query (frame_of(id) -> frame) and wait for its answer (an
        archive.* frame or an error with its id)."""
        qid = f"q{uuid.uuid4().hex[:12]}"
        fut = asyncio.get_running_loop().create_future()
        self._archive_queries[qid] = fut
        ws = self._ws
        if ws is None:
            raise ConnectionClosed(None, None)
        try:
            await ws.send(frame_of(qid))
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._archive_queries.pop(qid, None)

    async def _search_server(self, text: str) -> tuple[list[str], bool]:
        from models.timeutil import iso

        from .cache import ARCHIVE_HITS
        before = self.archive_before()
        closed_before = iso(before) if before is not None else None
        ids: list[str] = []
        cursor, more = None, False
        while len(ids) < ARCHIVE_HITS:
            r = await self._query(lambda q: protocol.archive_search(
                q, text, min(protocol.ARCHIVE_MAX_LIMIT, ARCHIVE_HITS - len(ids)), cursor, closed_before))
            if r.get("type") != "archive.result":
                raise KeyError(r.get("message", "no result"))
            # a case the server read after events this link has not applied yet waits for them
            cases = [c for c, s in zip(r["cases"], r["seqs"]) if s is None or s <= self.state["seq"]]
            self._keep_found(cases)
            ids += [c["id"] for c in r["cases"]]
            more, cursor = r["more"], r["next"]
            if not more:
                break
        return ids, more

    async def fetch_case(self, case_id: str) -> dict | None:
        """A case by id from the server's archive (None when there is none or offline),
        brought into the state."""
        if self._ws is None or self.status.state != "online":
            return None
        r = await self._query(lambda q: protocol.archive_get(q, case_id))
        case = r.get("case")
        if case and (r.get("seq") or 0) <= self.state["seq"]:
            self._keep_found([case])
        return case

    async def archive_stats(self, since: str, until: str, by: str = "day", tz_minutes: int = 480) -> list[dict]:
        """Aggregates over the server's whole history (docs/protocol.md, Archive)."""
        r = await self._query(lambda q: protocol.archive_stats(q, since, until, by, tz_minutes))
        if r.get("type") != "archive.stats":
            raise RuntimeError(r.get("message", "the archive did not answer"))
        return r["rows"]

    def _keep_found(self, cases: list[dict]) -> None:
        """Cases from the server's archive into the state (kept THAWED_GRACE seconds) and
        into the local cache, so an offline search finds them too."""
        ids = self._bring_back(cases)
        if ids and self.cache:
            self._dirty.update(ids)
            self._schedule_flush(CACHE_FLUSH)

    def _on_restored(self, case: dict) -> None:
        """The server read a case back from its archive and sends it before an event on it
        (archive.case without an id): a link that does not hold it adds it."""
        if isinstance(case, dict) and isinstance(case.get("id"), str) and case["id"] not in self.state["cases"]:
            self._keep_found([case])

    def prune(self, now: float | None = None) -> list[str] | None:
        """Move closed cases that aged out of the window to the archive: out of memory (the
        cache holds them). Only while every change is in the cache (else None: try again
        soon); archived cases an event or a search brought back stay THAWED_GRACE seconds."""
        now = self.clock() if now is None else now
        before = self.archive_before(now)
        if (before is None or self._dirty or self._writing is not None or self._full_write is not None
                or self.status.cache_problem):
            return None if before is not None else []
        cases = self.state["cases"]
        gone = [cid for cid, c in cases.items() if self._aged_out(c, before)
                and now - self._thawed_at.get(cid, 0.0) > THAWED_GRACE and cid not in self.pinned]
        for cid in gone:
            del cases[cid]
            self._thawed_at.pop(cid, None)
        if gone:
            self.listener.on_archived(gone)
        return gone

    async def _prune_loop(self) -> None:
        wait = PRUNE_EVERY
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), wait)
            except asyncio.TimeoutError:
                wait = PRUNE_EVERY if self.prune() is not None else 5.0

    def _missing_cases(self, ev: dict) -> list[str]:
        """Cases an event touches that are not in memory (archived)."""
        if ev["seq"] <= self.state["seq"]:
            return []
        cases = self.state["cases"]
        return [c for c in touched(ev).needs if c not in cases]

    # ---- cache writes: the cases a batch touched, one write at a time, in order ---------
    def _queue_cache(self, events: list[dict]) -> None:
        if not self.cache:
            return
        for ev in events:
            t = touched(ev)
            self._dirty.update(t.cases)            # (a case a filtered view removed is skipped)
            if t.everything:
                self._street_dirty = True
        self._schedule_flush(CACHE_FLUSH)

    def settled(self) -> bool:
        """The local cache holds everything the link holds: no write running or waiting
        (True without a cache)."""
        return self.cache is None or (self._full_write is None and self._writing is None
                                      and not self._dirty and not self._street_dirty)

    def _schedule_flush(self, delay: float) -> None:
        if self._flush_handle is None and not self._stop.is_set():
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self) -> asyncio.Task | None:
        """Start the next cache write: a snapshot's whole state if one is waiting, else the
        touched cases and the head. Each write is one transaction holding a consistent state
        at its seq; a failed one is redone (its cases stay dirty), so the cache never claims a
        seq it does not hold."""
        self._flush_handle = None
        if self._writing is not None:
            self._schedule_flush(CACHE_FLUSH)
            return None
        if self._full_write is None and not (self._dirty or self._street_dirty):
            return None
        from .cache import case_row, state_head
        state = self.state
        ids, street_dirty = set(self._dirty), self._street_dirty
        rows = [case_row(state["cases"][c]) for c in ids if c in state["cases"]]
        self._dirty.clear()
        self._street_dirty = False
        seq, head = state["seq"], state_head(state)
        full = self._full_write is not None
        if full:
            raws = self._full_write
            self._full_write = None
            street = json.dumps(state["street"], ensure_ascii=False) if state.get("street") else None

            def job():
                # the snapshot from its own frames (nobody else holds those dicts), then the
                # cases live events changed since, all in one transaction
                self.cache.replace_all(seq, head, street, _snapshot_pages(raws), rows)
        else:
            street = json.dumps(state["street"], ensure_ascii=False) if street_dirty and state.get("street") else None

            def job():
                self.cache.write(seq, head, rows, street)

        def failed():
            if full and self._full_write is None:     # unless a newer snapshot came meanwhile
                self._full_write = raws
            self._dirty |= ids
            self._street_dirty |= street_dirty

        async def write():
            try:
                await self._io_call(job)
            except Exception as e:
                failed()
                self._task_failed(e)
                self._schedule_flush(CACHE_RETRY)
            else:
                if full:
                    self._keep_all = False               # the cache holds every case again
                    if self.log_id and self._full_write is None:
                        # the cache's state is this identity's now (not before: a crash in
                        # between must not leave an old state under the new identity)
                        await self._io_call(self.cache.set_meta, "log_id", self.log_id)
                if self.status.cache_problem:
                    self._set_status(cache_problem="")     # the cache caught up
            finally:
                self._writing = None
        self._writing = self._spawn(write())
        return self._writing

    def _spawn(self, coro) -> asyncio.Task:
        return self._tasks.spawn(coro)

    def _task_failed(self, exc: BaseException) -> None:
        # a cache write failed (locked, disk full): the state in memory is still right and
        # the next snapshot write retries; the link goes on
        log.error("background task failed: %r", exc)
        self._set_status(cache_problem=cache_problem(exc))

    # ---- commands -------------------------------------------------------------
    async def submit(self, name: str, args: dict, cid: str | None = None) -> str:
        """Issue a command: stored durably in the outbox first, sent now if online, else
        when the link returns. Returns its id."""
        cid = cid or str(uuid.uuid4())
        row = {"id": cid, "name": name, "args": args, "created": time.time(), "status": "pending",
               "code": None, "message": None}
        if self.cache:
            try:
                await self._io_call(self.cache.outbox_add, cid, name, args)
            except Exception as e:   # locked or full: still send it, and say it is not kept locally
                log.warning("could not keep command %s in the local outbox: %s", cid, e)
                row["unsaved"] = True
                self._set_status(cache_problem=cache_problem(e))
        self.outbox[cid] = row
        self.listener.on_command(cid, "pending", row)
        if self._ws is not None and self.status.state == "online":
            await self._send_command(row)
        return cid

    async def dismiss(self, cid: str) -> None:
        """Forget a refused command once the operator has seen it."""
        self.outbox.pop(cid, None)
        if self.cache:
            await self._io_call(self.cache.outbox_dismiss, cid)

    async def _send_command(self, row: dict) -> None:
        try:
            await self._ws.send(protocol.command(row["id"], row["name"], row["args"]))
        except ConnectionClosed:
            pass   # resent on reconnect

    async def query(self, kind: str, args: dict, timeout: float = 120.0):
        """Ask the server a read-only question (`query.report`, `query.aggregates`, see
        docs/protocol.md) and return its data; raises QueryFailed when it refuses, or when the
        link is down or goes down before the answer."""
        ws = self._ws
        if ws is None or self.status.state != "online":
            raise QueryFailed("offline", "not connected to the server")
        qid = str(uuid.uuid4())
        fut = asyncio.get_running_loop().create_future()
        self._queries[qid] = fut
        try:
            await ws.send(json.dumps({**args, "type": kind, "id": qid}, ensure_ascii=False))
            return await asyncio.wait_for(fut, timeout)
        except ConnectionClosed:
            raise QueryFailed("offline", "the connection to the server was lost") from None
        except asyncio.TimeoutError:
            raise QueryFailed("timeout", "the server did not answer in time") from None
        finally:
            self._queries.pop(qid, None)

    def pending_commands(self) -> list[dict]:
        return [r for r in self.outbox.values() if r["status"] == "pending"]

    # ---- connection -------------------------------------------------------------
    def set_credentials(self, user: str, password: str) -> None:
        self.user, self._password, self.token = user, password, None
        self._credentials_changed.set()

    async def stop(self) -> None:
        """Close the link, write what is still unwritten, close the cache; again: nothing."""
        if self._stop.is_set() and self._io._shutdown:
            return
        self._stop.set()
        if self._ws is not None:
            await self._ws.close()
        if self._flush_handle:
            self._flush_handle.cancel()
            self._flush_handle = None
        for t in self._tasks:
            try:
                await t
            except Exception:
                pass
        if self.cache:
            for _ in range(2):           # whatever is still dirty, and a snapshot waiting behind it
                w = self._flush()
                if w is not None:
                    await w
            await self._io_call(self.cache.close)
        self._io.shutdown(wait=True)

    def _set_status(self, **kw) -> None:
        new = replace(self.status, **kw)
        if new != self.status:
            self.status = new
            self.listener.on_link(new)

    async def run(self) -> None:
        """Stay connected until stop(): reconnect with jittered backoff, resume, resync."""
        attempt = 0
        while not self._stop.is_set():
            if self.status.state not in ("online",):
                self._set_status(state="resyncing" if self._want_snapshot else
                                 ("connecting" if self.status.offline_since is None else "reconnecting"),
                                 next_retry_at=None)
            refusal = tls.cleartext_refusal(self.url, self.insecure)
            if refusal:
                log.error("%s", refusal)
                self._set_status(state="auth_failed", error="insecure", message=refusal)
                await self._stop.wait()
                break
            try:
                async with connect(self.url, max_size=self.max_size, compression=None, open_timeout=5,
                                   ping_interval=10, ping_timeout=10, ssl=self.ssl, close_timeout=2) as ws:
                    self._ws = ws
                    await self._session(ws)
                    attempt = 0
            except AuthFailed as e:
                self._ws = None
                if self.token and self._password:
                    self.token = None          # the token expired: log in with the password again
                    continue
                self._set_status(state="auth_failed", message=str(e), error=e.kind,
                                 offline_since=self.status.offline_since or time.time())
                self._credentials_changed.clear()
                stop = asyncio.ensure_future(self._stop.wait())
                cred = asyncio.ensure_future(self._credentials_changed.wait())
                await asyncio.wait({stop, cred}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel(), cred.cancel()
                continue
            except SessionEnded:
                pass                           # reconnect at once (new role, or with the password)
            except (OSError, ConnectionClosed, asyncio.TimeoutError, InvalidHandshake) as e:
                log.debug("link down: %r", e)
                kind, detail = tls.describe(e)
                if kind != "closed" or self.status.error in ("", "closed"):
                    self._set_status(error=kind, message=detail)
            except InvalidURI as e:
                self._set_status(state="auth_failed", message=f"bad server address: {e}")
                return
            finally:
                self._ws = None
            if self._stop.is_set():
                break
            delay = backoff_delay(attempt)
            attempt += 1
            self._set_status(state="reconnecting", rtt_ms=None, next_retry_at=time.time() + delay,
                             offline_since=self.status.offline_since or time.time())
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
        self._set_status(state="stopped")

    async def _session(self, ws) -> None:
        if not self.token and not (self.user and self._password is not None):
            raise AuthFailed("no credentials: log in with a user name and password")
        resume = self.state["seq"] if self.state["seq"] and not self._want_snapshot else None
        # with the log's identity: a server with another one sends a snapshot
        await ws.send(protocol.hello(self.user, self._password, token=self.token, resume_from=resume,
                                     log_id=self.log_id if resume is not None else None))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if welcome.get("type") != "welcome":
            if welcome.get("code") == "unavailable":       # the server's database: try again later
                self._set_status(error="unavailable", message=welcome.get("message", ""))
                raise SessionEnded(welcome.get("message", ""))
            raise AuthFailed(welcome.get("message", "login refused"))
        self.role, self.team_id, self.user = welcome["role"], welcome.get("team_id"), welcome["user"]
        if welcome.get("token") and welcome["token"] != self.token:
            self.token = welcome["token"]
            if self.token_store is not None:
                self._spawn(self._io_call(self.token_store.set, self.token))
        self.listener.on_welcome(welcome)
        resumed = resume is not None
        self._server_log = welcome.get("log_id")
        # resuming into another history (a restored database) is never right: a snapshot
        other_log = resumed and bool(self.log_id and self._server_log and self._server_log != self.log_id)
        if resumed and not other_log and self._server_log and self.log_id is None:
            self._adopt_log()                    # a cache from before identities: this one from now on
        self._want_snapshot = False
        if resumed and not other_log and welcome["head"] == self.state["seq"]:
            self._online()
        # commands issued while offline go out now, in the order they were issued
        for row in self.pending_commands():
            await self._send_command(row)
        pinger = asyncio.ensure_future(self._ping_loop(ws))
        await self.history_loaded.wait()     # events may touch a case still being paged in
        snapshot: dict | None = None
        try:
            async for raw in ws:
                msg = orjson.loads(raw)
                kind = msg.get("type")
                if kind == "event":
                    if snapshot is not None:
                        raise ConnectionClosed(None, None)   # events before the snapshot completed
                    if other_log:
                        log.warning("the server's log is another history (%s, was %s): resyncing",
                                    self._server_log, self.log_id)
                        self._want_snapshot = True
                        self._set_status(state="resyncing")
                        await ws.close()
                        return
                    missing = self._missing_cases(msg)
                    if missing and not await self._thaw(missing):
                        log.warning("event %d touches %s, which the cache does not have: resyncing",
                                    msg["seq"], missing)
                        self._keep_all = True           # the next snapshot stays whole in memory
                        self._want_snapshot = True
                        self._set_status(state="resyncing")
                        await ws.close()
                        return
                    if not self._on_event(msg):
                        await ws.close()
                        return
                    if self.status.state != "online" and self.state["seq"] >= welcome["head"]:
                        self._online()
                elif kind == "snapshot":
                    other_log = False
                    snapshot = msg
                    snapshot["_before"] = None if self.status.cache_problem else self.archive_before()
                    snapshot["_cases"] = self._in_window(msg["state"].get("cases", []), snapshot["_before"])
                    msg["state"]["cases"] = []
                    snapshot["_raw"] = [raw]
                    if msg.get("pages", 0) == 0:
                        self._apply_snapshot(snapshot)
                        snapshot = None
                elif kind == "snapshot.page" and snapshot is not None:
                    # the window as the pages arrive: aged-out cases are not kept in memory
                    # (the cache gets them from the raw frames)
                    snapshot["_cases"].extend(self._in_window(msg["cases"], snapshot["_before"]))
                    snapshot["_raw"].append(raw)
                    if msg["page"] >= snapshot.get("pages", 0):
                        self._apply_snapshot(snapshot)
                        snapshot = None
                elif kind == "ack":
                    self._on_ack(msg)
                elif msg.get("id") in self._archive_queries:       # the answer to an archive query
                    answered = self._archive_queries.pop(msg["id"])
                    if not answered.done():
                        answered.set_result(msg)
                elif kind == "archive.case":
                    self._on_restored(msg.get("case"))
                elif kind == "error":
                    self._on_error(msg)
                elif kind == "session.ended":
                    await self._session_ended(msg)
                elif kind == "admin.result":
                    fut = self._admin_pending.pop(msg.get("id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg.get("result") or {})
                elif kind == "query.result":
                    fut = self._queries.get(msg.get("id"))
                    if fut is not None and not fut.done():
                        fut.set_result(msg.get("data"))
                elif kind == "pong":
                    sent = self._pings.pop(msg.get("t"), None)
                    if sent is not None:
                        self._set_status(rtt_ms=round((time.perf_counter() - sent) * 1000, 1))
        finally:
            pinger.cancel()
            for fut in self._queries.values():       # asked on this connection: no answer will come
                if not fut.done():
                    fut.set_exception(QueryFailed("offline", "the connection to the server was lost"))
            for fut in self._archive_queries.values():
                if not fut.done():
                    fut.set_exception(ConnectionClosed(None, None))

    def _adopt_log(self) -> None:
        """`state` now follows the server's log: remember its identity (in the cache too,
        for a snapshot only once the snapshot's own write has landed)."""
        self.log_id = self._server_log
        if self.cache and self._full_write is None and self.log_id:
            self._spawn(self._io_call(self.cache.set_meta, "log_id", self.log_id))

    def _online(self) -> None:
        self._set_status(state="online", offline_since=None, next_retry_at=None, message="", error="")

    async def _session_ended(self, msg: dict) -> None:
        """The server ended the session: a new role (reconnect with the token), a flood
        (reconnect after the back-off), a logout (stop), or the token is no longer good
        (log in again with the password if the link has it, else ask for it)."""
        reason, message = msg.get("reason"), msg.get("message") or ""
        log.warning("the server ended the session: %s (%s)", reason, message)
        self._set_status(error=f"ended_{reason}", message=message)
        if reason in ("role_changed", "flood"):
            raise SessionEnded(message) if reason == "role_changed" else ConnectionClosed(None, None)
        self.token = None
        if self.token_store is not None:
            self._spawn(self._io_call(self.token_store.set, None))
        if reason == "logout":
            self._stop.set()
            raise SessionEnded(message)
        if self._password:
            raise SessionEnded(message)
        raise AuthFailed(message, f"ended_{reason}")

    # ---- account management and logout ----------------------------------------------
    async def admin(self, name: str, args: dict | None = None, timeout: float = 15.0) -> dict:
        """An account operation (admin role): the result, or AdminRefused; never queued
        offline (passwords are not kept in the outbox)."""
        ws = self._ws
        if ws is None or self.status.state != "online":
            raise AdminRefused("offline", "not connected to the server")
        rid = str(uuid.uuid4())
        fut = asyncio.get_running_loop().create_future()
        self._admin_pending[rid] = fut
        try:
            await ws.send(json.dumps({"type": "admin", "id": rid, "name": name, "args": args or {}},
                                     ensure_ascii=False))
            return await asyncio.wait_for(fut, timeout)
        except (ConnectionClosed, asyncio.TimeoutError):
            raise AdminRefused("offline", "the connection was lost; try again") from None
        finally:
            self._admin_pending.pop(rid, None)

    async def logout(self) -> None:
        """End the session on the server (its token stops working) and stop the link."""
        self._password = None
        ws = self._ws
        if ws is not None:
            try:
                await ws.send(json.dumps({"type": "logout"}))
                await asyncio.wait_for(ws.wait_closed(), 5)
            except (ConnectionClosed, asyncio.TimeoutError):
                pass
        self.token = None
        if self.token_store is not None:
            await self._io_call(self.token_store.set, None)
        await self.stop()

    def _in_window(self, cases: list[dict], before: float | None) -> list[dict]:
        """A snapshot page's cases that belong in memory: all, without a cache (or when it
        cannot be written); else not the closed ones older than the window (the archive: in
        the cache, written from the snapshot's frames)."""
        if before is None or self.cache is None:
            return cases
        aged = self._aged_out
        return [c for c in cases if not aged(c, before)]

    def _apply_snapshot(self, snap: dict) -> None:
        wire = dict(snap["state"])
        wire["cases"] = snap["_cases"]
        state = from_wire(wire)
        state["seq"] = snap["seq"]
        if snap.get("_before") is not None and self.cache is not None:
            self._thawed_at.clear()
        self.state = state
        self.log_id = self._server_log
        self.listener.on_reset(self.state, None)
        self._online()
        if self.cache:
            # written from the frames on the cache thread: no 100k-case serialisation here
            self._dirty.clear()
            self._street_dirty = False
            self._full_write = snap["_raw"]
            self._schedule_flush(0)

    def _on_event(self, ev: dict) -> bool:
        if ev["seq"] <= self.state["seq"]:
            return True        # already applied (a resend after reconnect)
        try:
            apply(self.state, ev)
        except SeqGap:
            log.warning("gap in events (have %d, got %d): resyncing", self.state["seq"], ev["seq"])
            self._want_snapshot = True
            self._set_status(state="resyncing")
            return False
        self.listener.on_events([ev])
        self._queue_cache([ev])
        return True

    def _on_ack(self, msg: dict) -> None:
        cid = msg.get("id")
        row = self.outbox.pop(cid, None)
        if row is None:
            return
        if self.cache:
            self._spawn(self._io_call(self.cache.outbox_done, cid))
        self.listener.on_command(cid, "acked", {"seq": msg.get("seq"), **row})

    def _on_error(self, msg: dict) -> None:
        cid = msg.get("id")
        fut = self._admin_pending.pop(cid, None) if cid else None
        if fut is not None:
            if not fut.done():
                fut.set_exception(AdminRefused(msg.get("code") or "", msg.get("message") or ""))
            return
        fut = self._queries.get(cid) if cid else None
        if fut is not None:
            if not fut.done():
                fut.set_exception(QueryFailed(msg.get("code") or "error", msg.get("message") or ""))
            return
        row = self.outbox.get(cid) if cid else None
        if row is None:
            log.warning("server error: %s %s", msg.get("code"), msg.get("message"))
            return
        if msg.get("code") in ("unavailable", "busy"):
            # the server's database hiccuped, or it is busy: the command stays pending and goes
            # again shortly
            ws = self._ws
            asyncio.get_running_loop().call_later(
                1.0, lambda: self._spawn(self._send_command(row)) if self._ws is ws and ws else None)
            return
        row.update(status="refused", code=msg.get("code"), message=msg.get("message"))
        if self.cache:
            self._spawn(self._io_call(self.cache.outbox_refused, cid, row["code"], row["message"] or ""))
        self.listener.on_command(cid, "refused", row)

    async def _ping_loop(self, ws) -> None:
        while True:
            t = time.time()
            self._pings = {t: time.perf_counter()}
            try:
                await ws.send(protocol.ping(t))
            except ConnectionClosed:
                return
            await asyncio.sleep(PING_EVERY)


def _open_cache(path) -> Cache:
    from .cache import Cache  # SQLAlchemy is imported here, on the cache thread
    return Cache(path)


def _snapshot_pages(raws: list[str]):
    """The cases of a snapshot's frames, a frame at a time (on the cache thread)."""
    for i, raw in enumerate(raws):
        msg = orjson.loads(raw)
        yield msg["state"].get("cases", []) if i == 0 else msg["cases"]
