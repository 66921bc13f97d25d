"""A headless session to the server (asyncio + websockets, no Qt).

It logs in, applies the snapshot and events with the shared reducer, keeps the last seq,
resumes from it after a reconnect, resyncs from a snapshot when it sees a gap, and keeps an
outbox of commands that survives restarts. Benchmarks and tests open hundreds of these;
the cockpit wraps one in `client.qtlink.LinkService`.

`ServerLink` keeps the connection (reconnect with back-off, RTT pings) and routes; the
jobs it routes to live beside it:

- `client.clientproto.ClientProtocol`: the hello, the welcome, and what each frame asks
  for (Sans-I/O: no socket, no clock);
- `client.cachewriter.CacheWriter`: writes to the local cache, one at a time, a snapshot
  staged as it arrives (`settled()`, `problem`);
- `client.window.ArchiveWindow`: which closed cases stay in memory and which only in the
  cache (the archive);
- `client.archive.LinkArchive`: the archive's queries (the server's while online, else the
  local cache's) and the cases they bring into the state;
- `client.outbox.Outbox`: the commands issued and not yet acknowledged.
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from models import protocol
from models.state import SeqGap, apply, empty_state, touched

from . import clientproto as cp
from . import tls
from .archive import LinkArchive
from .cachefile import COLD_PAGE, read_hot
from .cachewriter import CACHE_FLUSH, CACHE_RETRY, CacheIO, CacheWriter, cache_problem
from .clientproto import AuthFailed, SessionEnded
from .outbox import Outbox
from .tasks import TaskSet
from .window import RETAIN_DAYS, THAWED_GRACE, ArchiveWindow

if TYPE_CHECKING:
    from .cache import Cache

__all__ = ["AdminRefused", "AuthFailed", "LinkStatus", "QueryFailed", "ServerLink", "SessionEnded",
           "SessionListener", "backoff_delay", "cache_problem", "CACHE_FLUSH", "CACHE_RETRY", "RETAIN_DAYS",
           "THAWED_GRACE"]

log = logging.getLogger("xiaonao.client")

BACKOFF_FIRST = 0.3
BACKOFF_MAX = 2.0        # once the server is back, a client is in again within 2 s
PING_EVERY = 5.0
PRUNE_EVERY = 600.0      # seconds between moves of aged-out cases to the archive
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
    task: str = ""                           # another background job that failed: "" | "token" (the session's
                                             # token could not be kept: no usable keyring) | "link" (any other)
    task_error: str = ""                     # its detail (the exception, in one line)
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


class AdminRefused(Exception):
    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.details = code, message, details or {}


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
        self._cache_path = cache_path if cache is None else None   # with only a path: opened by open_cache
        self.listener = listener or SessionListener()
        self.ssl = tls.context_for(url, ca_file, ssl)       # None for ws://
        self.insecure = insecure                           # allow credentials over ws:// to another host
        self.token_store = token_store                     # client.tokens: where the token is kept
        self.max_size = max_size
        self.state: dict = empty_state()
        self.role: str | None = None
        self.team_id: str | None = None
        self.status = LinkStatus()
        self._ws: ClientConnection | None = None
        self._stop = asyncio.Event()
        self._tasks = TaskSet(self._task_failed)
        self._io = CacheIO()
        self._io.cache = cache
        self.proto = cp.ClientProtocol()
        self.writer = CacheWriter(self._io, lambda: self.state, self._tasks.spawn,
                                  on_problem=lambda p: self._set_status(cache_problem=p),
                                  on_whole=self._cache_whole, on_lost=self._cache_lost)
        self.outbox = Outbox(self._io, self._tasks.spawn, self._cache_task_failed)
        # the window: closed cases last updated more than retain_days ago live only in the
        # local cache (the archive); with no cache, or None, everything stays in memory
        self.window = ArchiveWindow(retain_days if (cache is not None or cache_path is not None) else None, clock)
        self.archive = LinkArchive(self._io, self.window, self.writer, lambda: self.state, lambda: self._ws,
                                   lambda: self._ws is not None and self.status.state == "online",
                                   lambda ids: self.listener.on_history(ids))
        self.history_loaded = asyncio.Event()      # the cache's older cases are in the state
        self.history_loaded.set()                  # (nothing to page in until open_cache says so)
        self._pings: dict[float, float] = {}
        self._credentials_changed = asyncio.Event()
        # questions waiting for their answer, by id: admin operations, queries (the archive's: its own)
        self._admin_pending: dict[str, asyncio.Future] = {}
        self._queries: dict[str, asyncio.Future] = {}
        # why a command must wait before it is sent (None: send it), set by the cockpit's
        # evidence queue: a case's feedback or close waits for that case's photos still
        # being uploaded (client/evidence.py, Evidence.hold_reason); the ones waiting now
        self.hold: Callable[[dict], str | None] | None = None
        self.waiting: dict[str, str] = {}

    # ---- what the parts hold, for the link's users ---------------------------------------
    @property
    def cache(self) -> Cache | None:
        return self._io.cache

    @property
    def log_id(self) -> str | None:
        """The identity of the log `state` follows (the server's `log_id`): a restored
        database has a new one, and a state from another identity resyncs from a snapshot."""
        return self.proto.log_id

    @property
    def retain_days(self) -> float | None:
        return self.window.retain_days

    @property
    def pinned(self) -> set[str]:
        """Cases never archived (the case on the operator's screen)."""
        return self.window.pinned

    @pinned.setter
    def pinned(self, ids: set[str]) -> None:
        self.window.pinned = set(ids)

    def settled(self) -> bool:
        """The local cache holds everything the link holds: no write running or waiting
        (True without a cache)."""
        return self.writer.settled()

    def pending_commands(self) -> list[dict]:
        return self.outbox.pending()

    # ---- background tasks: their failures, as what they are ---------------------------------
    def _spawn(self, coro, on_error=None) -> asyncio.Task:
        return self._tasks.spawn(coro, on_error)

    def _task_failed(self, exc: BaseException) -> None:
        log.error("a background task of the link failed: %r", exc, exc_info=exc)
        self._set_status(task="link", task_error=f"{type(exc).__name__}: {exc}")

    def _cache_task_failed(self, exc: BaseException) -> None:
        # a cache write failed (locked, disk full): the state in memory is still right
        log.error("a cache task failed: %r", exc)
        self._set_status(cache_problem=cache_problem(exc))

    def _token_task_failed(self, exc: BaseException) -> None:
        log.error("could not keep the session's token: %r", exc)
        self._set_status(task="token", task_error=f"{type(exc).__name__}: {exc}")

    def _keep_token(self, token: str | None) -> None:
        if self.token_store is not None:
            self._spawn(self._store_token(self.token_store, token), self._token_task_failed)

    async def _store_token(self, store, token: str | None) -> None:
        """Keep the token where the store keeps it; a store that fell back to memory (no usable
        keyring: the password is asked for after a restart) says so in `problem`."""
        await self._io.call(store.set, token)
        problem = getattr(store, "problem", "")
        if problem:
            self._set_status(task="token", task_error=problem)
        elif self.status.task == "token":
            self._set_status(task="", task_error="")

    # ---- cache --------------------------------------------------------------
    async def _io_call(self, fn, *args):
        return await self._io.call(fn, *args)

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
                state, saved = await self._io.call(read_hot, self._cache_path, now, before)
                if state is not None:
                    self._show_cached(state, saved)
                try:
                    self._io.cache = await self._io.call(_open_cache, self._cache_path)
                finally:
                    self._cache_path = None
            cache = self.cache
            assert cache is not None
            if state is None:                      # (or an older schema the cache proper migrates)
                state, saved = await self._io.call(cache.load_hot, now, before)
                if state is not None:
                    self._show_cached(state, saved)
            if state is not None:
                self._spawn(self._load_history(now), self._cache_task_failed)
        except Exception as e:
            # no usable cache: the link works from the server alone, nothing is archived
            self._io.cache, self.window.retain_days = None, None
            self.history_loaded.set()
            self._set_status(cache_problem=cache_problem(e))
            raise
        if await self._io.call(cache.get_meta, "token") is not None:
            # an older cockpit kept its token here, in clear: never again
            await self._io.call(cache.forget_token)
        if self.token is None and self.token_store is not None:
            self.token = await self._io.call(self.token_store.get)
        if state is not None:
            self.proto.log_id = await self._io.call(cache.get_meta, "log_id")
        rows = await self.outbox.load()
        if self.window.retain_days is not None:
            self._spawn(self._prune_loop())
        for row in rows:
            self.listener.on_command(row["id"], row["status"], row)
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
            cache = self.cache
            while cache is not None and not self._stop.is_set():
                cases, after = await self._io.call(cache.load_cold, now, after,
                                                   COLD_PAGE, self.archive_before(now))
                if not cases:
                    break
                self.archive.add(cases)
        finally:
            self.history_loaded.set()

    def _cache_whole(self) -> None:
        self.window.keep_all = False               # the cache holds every case again

    def _cache_lost(self) -> None:
        """A snapshot did not reach the cache and it can be written again: take a fresh one."""
        self.resync()

    # ---- the window and the archive -----------------------------------------------
    def archive_before(self, now: float | None = None) -> float | None:
        """Closed cases last updated before this (epoch seconds) belong in the archive;
        None when everything stays in memory."""
        return self.window.before(now)

    # what the archive answers (client/archive.py), for the link's users
    async def thaw(self, ids: list[str]) -> bool:
        """Bring archived cases back from the cache into the state (LinkArchive.thaw)."""
        return await self.archive.thaw(ids)

    async def count_archive(self) -> int:
        """How many cases the local archive holds (LinkArchive.count)."""
        return await self.archive.count()

    async def search_archive(self, text: str) -> tuple[list[str], bool]:
        """Closed cases older than the window holding every word of `text`, from the server
        online, else the local cache (LinkArchive.search): (their ids, whether there were more)."""
        return await self.archive.search(text)

    async def fetch_case(self, case_id: str) -> dict | None:
        """A case by id from the server's archive (LinkArchive.fetch)."""
        return await self.archive.fetch(case_id)

    async def archive_stats(self, since: str, until: str, by: str = "day", tz_minutes: int = 480) -> list[dict]:
        """Aggregates over the server's whole history (LinkArchive.stats)."""
        return await self.archive.stats(since, until, by, tz_minutes)

    def prune(self, now: float | None = None) -> list[str] | None:
        """Move closed cases that aged out of the window to the archive: out of memory (the
        cache holds them). Only while every change is in the cache (else None: try again
        soon); archived cases an event or a search brought back stay THAWED_GRACE seconds."""
        before = self.archive_before(now)
        if before is None:
            return []
        if not self.writer.settled() or self.writer.problem:
            return None
        cases = self.state["cases"]
        gone = self.window.to_archive(cases, now)
        for cid in gone:
            del cases[cid]
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

    # ---- commands -------------------------------------------------------------
    async def submit(self, name: str, args: dict, cid: str | None = None) -> str:
        """Issue a command: stored durably in the outbox first, sent now if online, else
        when the link returns. Returns its id."""
        cid = cid or str(uuid.uuid4())
        row, problem = await self.outbox.add(cid, name, args)
        if problem is not None:
            self._set_status(cache_problem=cache_problem(problem))
        if self._ws is not None and self.status.state == "online":
            self.listener.on_command(cid, "pending", row)
            await self._send_command(row)
        else:                 # (offline: said already when it will wait for a photo as well)
            why = self.hold(row) if self.hold is not None else None
            self.listener.on_command(cid, "pending", dict(row, waiting_for=why) if why else row)
        return cid

    def release_held(self) -> None:
        """Send the commands held back (`hold`) whose reason has gone, in the order issued."""
        for cid in list(self.waiting):
            row = self.outbox.get(cid)
            if row is None or row.get("status") != "pending":
                self.waiting.pop(cid, None)
                continue
            if self.hold is None or not self.hold(row):
                self._spawn(self._send_command(row))

    async def dismiss(self, cid: str) -> None:
        """Forget a refused command once the operator has seen it."""
        await self.outbox.dismiss(cid)

    async def _send_command(self, row: dict) -> None:
        ws = self._ws
        if ws is None:
            return        # sent on reconnect
        why = self.hold(row) if self.hold is not None else None
        if why:
            self.waiting[row["id"]] = why         # sent by release_held() once that is done
            self.listener.on_command(row["id"], "pending", dict(row, waiting_for=why))
            return
        if self.waiting.pop(row["id"], None) is not None:
            self.listener.on_command(row["id"], "pending", row)
        try:
            await ws.send(protocol.command(row["id"], row["name"], row["args"]))
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
            await ws.send(protocol.admin(rid, name, args or {}))
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
                await ws.send(protocol.logout())
                await asyncio.wait_for(ws.wait_closed(), 5)
            except (ConnectionClosed, asyncio.TimeoutError):
                pass
        self.token = None
        if self.token_store is not None:
            await self._io.call(self.token_store.set, None)
        await self.stop()

    # ---- connection -------------------------------------------------------------
    def set_credentials(self, user: str, password: str) -> None:
        self.user, self._password, self.token = user, password, None
        self._credentials_changed.set()

    def resync(self) -> None:
        """Take a fresh snapshot: now if connected (the connection is closed and opened
        again), else at the next connection."""
        self.proto.want_snapshot = True
        ws = self._ws
        if ws is not None:
            self._set_status(state="resyncing")
            self._spawn(ws.close())

    async def stop(self) -> None:
        """Close the link, write what is still unwritten, close the cache; again: nothing."""
        if self._stop.is_set() and self._io.closed:
            return
        self._stop.set()
        if self._ws is not None:
            await self._ws.close()
        for t in self._tasks:
            try:
                await t
            except Exception:
                pass
        await self.writer.close()
        self._io.shutdown()

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
                self._set_status(state="resyncing" if self.proto.want_snapshot else
                                 ("connecting" if self.status.offline_since is None else "reconnecting"),
                                 next_retry_at=None)
            refusal = tls.cleartext_refusal(self.url, self.insecure)
            if refusal:
                log.error("%s", refusal)
                self._set_status(state="auth_failed", error="insecure", message=refusal)
                await self._stop.wait()
                break
            try:
                async with connect(self.url, max_size=self.max_size, compression="deflate", open_timeout=5,
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
            except cp.Unavailable as e:        # the server's database: try again later
                self._set_status(error="unavailable", message=str(e))
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
        proto = self.proto
        await ws.send(proto.hello(self.user, self._password, self.token, self.state["seq"]))
        welcome = proto.welcome(await asyncio.wait_for(ws.recv(), 10))
        self.role, self.team_id, self.user = welcome.role, welcome.team_id, welcome.user
        if welcome.token and welcome.token != self.token:
            self.token = welcome.token
            self._keep_token(self.token)
        self.listener.on_welcome(welcome.msg)
        if proto.adopts_log():                   # a cache from before identities: this one from now on
            self.writer.adopt_log(proto.log_id)
        if proto.resumed and proto.current(self.state["seq"]) and welcome.head == self.state["seq"]:
            self._online()
        # commands issued while offline go out now, in the order they were issued
        for row in self.pending_commands():
            await self._send_command(row)
        pinger = asyncio.ensure_future(self._ping_loop(ws))
        await self.history_loaded.wait()     # events may touch a case still being paged in
        try:
            async for raw in ws:
                for action in proto.receive(raw, self._snapshot_filter):
                    if not await self._carry_out(action, ws):
                        await ws.close()
                        return
        finally:
            pinger.cancel()
            if proto.in_snapshot:
                self.writer.snapshot_abort()
            for fut in self._queries.values():       # asked on this connection: no answer will come
                if not fut.done():
                    fut.set_exception(QueryFailed("offline", "the connection to the server was lost"))
            self.archive.connection_lost()

    def _snapshot_filter(self):
        """The window for a snapshot that starts now: all of it in memory without a cache or
        while the cache cannot be written (nothing would hold the rest)."""
        before = None if (self.cache is None or self.writer.problem) else self.archive_before()
        return self.window.keeps(before)

    async def _carry_out(self, action, ws) -> bool:
        """Do what a frame asked; False: close this connection (the run loop reconnects)."""
        if isinstance(action, cp.ApplyEvent):
            ev = action.event
            missing = self._missing_cases(ev)
            if missing and not await self.archive.thaw(missing):
                log.warning("event %d touches %s, which the cache does not have: resyncing", ev["seq"], missing)
                self.window.keep_all = True           # the next snapshot stays whole in memory
                return self._resync_now()
            if not self._on_event(ev):
                return False
            if self.status.state != "online" and self.proto.current(self.state["seq"]):
                self._online()
        elif isinstance(action, cp.SnapshotFrame):
            self.writer.snapshot_frame(action.raw, action.first)
        elif isinstance(action, cp.ReplaceState):
            self._replace_state(action.state)
        elif isinstance(action, cp.Acked):
            self._on_ack(action.id, action.seq)
        elif isinstance(action, cp.Refused):
            self._on_error(action)
        elif isinstance(action, cp.Answer):
            self._on_answer(action)
        elif isinstance(action, cp.Restored):
            self.archive.restored(action.case)
        elif isinstance(action, cp.Ended):
            self._session_ended(action.reason, action.message)
        elif isinstance(action, cp.Pong):
            sent = self._pings.pop(action.t, None)
            if sent is not None:
                self._set_status(rtt_ms=round((time.perf_counter() - sent) * 1000, 1))
        elif isinstance(action, cp.Resync):
            log.warning("%s: resyncing", action.why)
            return self._resync_now()
        elif isinstance(action, cp.Drop):
            raise ConnectionClosed(None, None)
        return True

    def _resync_now(self) -> bool:
        self.proto.want_snapshot = True
        self._set_status(state="resyncing")
        return False

    def _online(self) -> None:
        self._set_status(state="online", offline_since=None, next_retry_at=None, message="", error="")

    def _session_ended(self, reason: str, message: str) -> None:
        """The server ended the session: a new role (reconnect with the token), a flood
        (reconnect after the back-off), a logout (stop), or the token is no longer good
        (log in again with the password if the link has it, else ask for it)."""
        log.warning("the server ended the session: %s (%s)", reason, message)
        self._set_status(error=f"ended_{reason}", message=message)
        if reason in ("role_changed", "flood"):
            raise SessionEnded(message) if reason == "role_changed" else ConnectionClosed(None, None)
        self.token = None
        self._keep_token(None)
        if reason == "logout":
            self._stop.set()
            raise SessionEnded(message)
        if self._password:
            raise SessionEnded(message)
        raise AuthFailed(message, f"ended_{reason}")

    def _replace_state(self, state: dict) -> None:
        if self.cache is not None and self.writer.problem == "" and self.archive_before() is not None:
            self.window.reset()
        self.state = state
        self.listener.on_reset(self.state, None)
        self._online()
        self.writer.snapshot_applied(self.proto.log_id)

    def _on_event(self, ev: dict) -> bool:
        if ev["seq"] <= self.state["seq"]:
            return True        # already applied (a resend after reconnect)
        try:
            apply(self.state, ev)
        except SeqGap:
            log.warning("gap in events (have %d, got %d): resyncing", self.state["seq"], ev["seq"])
            return self._resync_now()
        self.listener.on_events([ev])
        self.writer.changed([ev])
        return True

    def _on_ack(self, cid: str | None, seq: int | None) -> None:
        row = self.outbox.acked(cid)
        if row is not None and cid:
            self.listener.on_command(cid, "acked", {"seq": seq, **row})

    def _on_answer(self, answer: cp.Answer) -> None:
        msg, rid = answer.msg, answer.id
        if self.archive.answer(rid, msg):
            return
        if msg["type"] == "archive.case":
            self.archive.restored(msg.get("case"))
        elif msg["type"] == "admin.result":
            fut = self._admin_pending.pop(rid, None) if rid else None
            if fut is not None and not fut.done():
                fut.set_result(msg.get("result") or {})
        elif msg["type"] == "query.result":
            fut = self._queries.get(rid) if rid else None
            if fut is not None and not fut.done():
                fut.set_result(msg.get("data"))

    def _on_error(self, err: cp.Refused) -> None:
        cid = err.id
        if self.archive.refused(cid, err.code, err.message):       # an archive query's answer
            return
        fut = self._admin_pending.pop(cid, None) if cid else None
        if fut is not None:
            if not fut.done():
                fut.set_exception(AdminRefused(err.code, err.message, err.details))
            return
        fut = self._queries.get(cid) if cid else None
        if fut is not None:
            if not fut.done():
                fut.set_exception(QueryFailed(err.code or "error", err.message))
            return
        row = self.outbox.get(cid)
        if row is None or cid is None:
            log.warning("server error: %s %s", err.code, err.message)
            return
        if err.code in (protocol.UNAVAILABLE, protocol.BUSY):
            # the server's database hiccuped, or it is busy: the command stays pending and goes
            # again shortly
            ws, again = self._ws, row
            asyncio.get_running_loop().call_later(
                1.0, lambda: self._spawn(self._send_command(again)) if self._ws is ws and ws else None)
            return
        refused = self.outbox.refused(cid, err.code, err.message)
        if refused is not None:
            self.listener.on_command(cid, "refused", refused)

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
