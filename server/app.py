"""The WebSocket front of the server: sessions, catch-up, commands and health.

One task reads a connection's frames, one writes its outgoing queue; when either ends the
other is cancelled, and the connection is unregistered in `finally`.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections import defaultdict, deque
from collections.abc import Callable
from functools import partial
from http import HTTPStatus

from sqlalchemy.exc import SQLAlchemyError
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from models import protocol
from models.commands import Actor, CommandError
from models.domain import ROLES

from .auth import new_token, token_hash, verify_password
from .backup import log_id
from .hub import Hub, Subscriber, dumps
from .reports import QUERIES, ReportService
from .store import EventStore, is_full
from .views import view_for

log = logging.getLogger("xiaonao.server")

MAX_IN_FRAME = protocol.MAX_IN_FRAME      # bytes; a larger frame from a client closes it with 1009
MAX_OUT_FRAME = protocol.MAX_OUT_FRAME    # snapshot pages stay under this
HELLO_TIMEOUT = 10.0
TOKEN_TTL = 12 * 3600.0
LOCK_AFTER = 5                   # failed logins in a row lock the account ...
LOCK_SECONDS = 300.0             # ... for this long
PEER_FAILURES_PER_MINUTE = 20
RESUME_LIMIT = 200_000           # beyond this many missed events a snapshot is cheaper


class _Refused(Exception):
    pass


def _peer(ws: ServerConnection) -> str:
    addr = ws.remote_address
    return f"{addr[0]}:{addr[1]}" if addr else "?"


error_frame = protocol.error      # (cid, code, message) -> the error frame


class XiaonaoServer:
    def __init__(self, db_url: str, host: str = "127.0.0.1", port: int = 8765,
                 certfile: str | None = None, keyfile: str | None = None,
                 clock: Callable[[], float] = time.time, token_ttl: float = TOKEN_TTL,
                 subscriber_queue: int = 20_000, keep_days: float | None = None):
        self.store = EventStore(db_url)
        self.hub = Hub(self.store, clock=clock, subscriber_queue=subscriber_queue,
                       **({"keep_days": keep_days} if keep_days is not None else {}))
        self.reports = ReportService(self.store, clock=clock)
        self.host, self.port = host, port
        self.token_ttl = token_ttl
        self.ssl = None
        if certfile:
            self.ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ssl.load_cert_chain(certfile, keyfile)
        self._server = None
        self._tasks: set[asyncio.Task] = set()
        self._peer_failures: dict[str, deque] = defaultdict(deque)
        self.connections: set[ServerConnection] = set()
        self.log_id: str | None = None

    @property
    def url(self) -> str:
        return f"{'wss' if self.ssl else 'ws'}://{self.host}:{self.port}/ws"

    async def start(self) -> None:
        await self.hub.start()
        # the log's identity (a restore makes a new one): a client resumes only within it
        self.log_id = await self.hub.run_db(log_id, self.store)
        self._server = await serve(
            self._handle, self.host, self.port, process_request=self._http, ssl=self.ssl,
            max_size=MAX_IN_FRAME, compression=None, ping_interval=20, ping_timeout=20,
            max_queue=64, logger=logging.getLogger("xiaonao.ws"))
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving %s (database %s, head %d)", self.url, self.store.engine.url.render_as_string(),
                 self.hub.head)

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        await self.hub.stop()
        self.reports.close()
        self.store.dispose()

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    # ---- HTTP ------------------------------------------------------------------
    async def _http(self, connection, request):
        if request.path == "/healthz":
            # a real round trip to the database, bounded in time (hub.health)
            ok, why = await self.hub.health()
            return connection.respond(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, f"{why}\n")
        if request.path.split("?")[0] != "/ws":
            return connection.respond(HTTPStatus.NOT_FOUND, "the WebSocket endpoint is /ws\n")
        return None

    # ---- sessions --------------------------------------------------------------
    def issue_token(self, user: str) -> str:
        """A token for a local user, without a password (the embedded cockpit's own operator)."""
        tok, h = new_token()
        self.store.add_token(h, user, time.time() + self.token_ttl)
        return tok

    async def _login(self, ws: ServerConnection, peer: str) -> tuple[Actor, int | None, bool]:
        try:
            raw = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            await self._refuse(ws, None, "unauthenticated", "no hello within 10 s")
        try:
            msg = json.loads(raw)
            if not isinstance(msg, dict) or msg.get("type") != "hello":
                raise ValueError
        except (ValueError, TypeError):
            await self._refuse(ws, None, "unauthenticated", "the first message must be a hello")
        resume = msg.get("resume_from")
        if resume is not None and (isinstance(resume, bool) or not isinstance(resume, int) or resume < 0):
            await self._refuse(ws, None, "bad_request", "'resume_from' must be a non-negative integer")
        subscribe = msg.get("subscribe", True)
        if not isinstance(subscribe, bool):
            await self._refuse(ws, None, "bad_request", "'subscribe' must be true or false")
        ip = peer.rsplit(":", 1)[0]
        fails = self._peer_failures[ip]
        while fails and fails[0] < time.monotonic() - 60:
            fails.popleft()
        if len(fails) >= PEER_FAILURES_PER_MINUTE:
            await self._refuse(ws, None, "unauthenticated", "too many failed logins from this address; wait a minute")
        if isinstance(msg.get("token"), str):
            name = await self.hub.run_db(self.store.token_user, token_hash(msg["token"]))
            user = await self.hub.run_db(self.store.get_user, name) if name else None
            if user is None or user["disabled"]:
                fails.append(time.monotonic())
                await self.hub.run_db(self.store.audit, name, "login.failed", "token invalid or expired", peer)
                await self._refuse(ws, None, "unauthenticated", "the session token is invalid or has expired")
            token = msg["token"]
        else:
            name, password = msg.get("user"), msg.get("password")
            if not isinstance(name, str) or not isinstance(password, str):
                await self._refuse(ws, None, "unauthenticated", "hello needs a user and password, or a token")
            user = await self.hub.run_db(self.store.get_user, name)
            if user and user["locked_until"] > time.time():
                until = time.strftime("%H:%M:%S", time.localtime(user["locked_until"]))
                await self.hub.run_db(self.store.audit, name, "login.locked", "", peer)
                await self._refuse(ws, None, "unauthenticated",
                                   f"account locked after repeated failed logins until {until}")
            ok = bool(user) and not user["disabled"] and await asyncio.get_running_loop().run_in_executor(
                None, verify_password, password, user["password_hash"])
            if not ok:
                fails.append(time.monotonic())
                if user:
                    await self.hub.run_db(self.store.record_login, name, False, LOCK_AFTER, LOCK_SECONDS)
                await self.hub.run_db(self.store.audit, name, "login.failed", "wrong user or password", peer)
                await asyncio.sleep(0.3)   # slows guessing
                await self._refuse(ws, None, "unauthenticated", "wrong user name or password")
            await self.hub.run_db(self.store.record_login, name, True, LOCK_AFTER, LOCK_SECONDS)
            token, h = new_token()
            await self.hub.run_db(self.store.add_token, h, name, time.time() + self.token_ttl)
        if user["role"] not in ROLES:
            await self._refuse(ws, None, "unauthenticated", f"unknown role {user['role']}")
        await self.hub.run_db(self.store.audit, name, "login", user["role"], peer)
        log.info("%s (%s) logged in from %s", name, user["role"], peer)
        actor = Actor(name, user["role"], user.get("team_id"))
        await ws.send(json.dumps({"type": "welcome", "user": name, "role": actor.role, "token": token,
                                  "head": self.hub.head, "team_id": actor.team_id,
                                  "server_time": self.hub.clock(), "max_frame": MAX_IN_FRAME,
                                  "log_id": self.log_id}))
        if resume and isinstance(msg.get("log_id"), str) and msg["log_id"] != self.log_id:
            # its seq counts another history (a restored database): it starts from a snapshot
            log.info("%s resumed from log %s, not this server's %s: snapshot", name, msg["log_id"], self.log_id)
            resume = None
        return actor, resume, subscribe

    async def _refuse(self, ws, cid, code, message):
        try:
            await ws.send(error_frame(cid, code, message))
            await ws.close(1008, message[:100])
        except ConnectionClosed:
            pass
        raise _Refused(message)

    async def _handle(self, ws: ServerConnection) -> None:
        peer = _peer(ws)
        if ws.request.path.split("?")[0] != "/ws":
            return
        try:
            actor, resume, subscribe = await self._login(ws, peer)
        except (_Refused, ConnectionClosed):
            return
        except SQLAlchemyError as e:        # the database could not record the login: say so
            log.error("login from %s failed on the database: %s", peer, str(getattr(e, "orig", e)).splitlines()[0])
            why = ("the server's database disk is full, so it cannot record a new login; sessions already "
                   "open (and logins with a session token) keep working; tell the administrator"
                   if is_full(e) else "the server's database is unavailable; try again in a moment")
            with contextlib.suppress(_Refused, ConnectionClosed):
                await self._refuse(ws, None, "unavailable", why)
            return
        self.connections.add(ws)
        view = view_for(actor)
        if subscribe:
            sub, head = self.hub.subscribe(ws, view)
        else:   # commands only (an importer): answers, no state and no events
            sub, head = Subscriber(self.hub.subscriber_queue, ws, view), self.hub.head
        try:
            catchup: tuple
            if not subscribe:
                catchup = ("none",)
            elif view.filtered:
                # a filtered view's frames carry objects as they are now, not as of a seq:
                # it always starts from a snapshot of the view (small: a squad's cases)
                catchup = ("snapshot", self.hub.snapshot_source(MAX_OUT_FRAME, view))
            elif resume and 0 < resume <= head and head - resume <= RESUME_LIMIT:
                catchup = ("events", resume, head)
            elif resume == head and head > 0:
                catchup = ("none",)
            else:
                catchup = ("snapshot", self.hub.snapshot_source(MAX_OUT_FRAME, view))  # same tick as subscribe
            sender = asyncio.create_task(self._send_loop(ws, sub, catchup))
            receiver = asyncio.create_task(self._recv_loop(ws, actor, sub, peer))
            overflow = asyncio.create_task(sub.overflowed.wait())
            done, pending = await asyncio.wait({sender, receiver, overflow}, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            if overflow in done:
                # it is not reading, so a close frame would wait behind what it has not read:
                # cut the connection; it reconnects and resumes from its last seq
                log.warning("%s at %s did not keep up; disconnecting (it will resume)", actor.name, peer)
                ws.transport.abort()
            for t in done:
                if t is not overflow and not t.cancelled() and t.exception() and \
                        not isinstance(t.exception(), ConnectionClosed):
                    log.error("connection %s failed", peer, exc_info=t.exception())
        finally:
            self.hub.unsubscribe(sub)
            self.connections.discard(ws)
            log.info("%s at %s disconnected", actor.name, peer)

    async def _send_loop(self, ws, sub: Subscriber, catchup) -> None:
        if catchup[0] == "snapshot":
            frames = catchup[1]
            if callable(frames):         # built off the loop; events queue for this subscriber meanwhile
                frames = await asyncio.get_running_loop().run_in_executor(None, frames)
            for frame in frames:
                await ws.send(frame)
        elif catchup[0] == "events":
            # a small first batch so the events start at once, then the next batch is read
            # on the database thread while this one is being sent
            after, upto = catchup[1], catchup[2]
            batch = await self.hub.run_db(self.store.events_after, after, upto, 500)
            while batch:
                after = batch[-1]["seq"]
                ahead = asyncio.ensure_future(self.hub.run_db(self.store.events_after, after, upto, 5000)) \
                    if after < upto else None
                try:
                    view, state = sub.view, self.hub.state
                    for ev in batch:
                        await ws.send(dumps(ev if view.full else view.event(ev, state)))
                finally:
                    if ahead is not None and not ahead.done():
                        ahead.add_done_callback(lambda f: f.cancelled() or f.exception())   # closed: nobody waits
                batch = await ahead if ahead is not None else []
        # what arrived during the catch-up, then live: frames go straight to the transport
        while not sub.queue.empty():
            await ws.send(sub.queue.get_nowait())
        sub.live = True           # no await between the last queued frame and this: order kept
        await ws.wait_closed()

    async def _recv_loop(self, ws, actor: Actor, sub: Subscriber, peer: str) -> None:
        async for raw in ws:
            frame = protocol.parse_client_frame(raw)
            if isinstance(frame, protocol.ProtocolError):
                sub.put(frame.frame())
            elif isinstance(frame, protocol.Ping):
                sub.put(protocol.pong(frame.t))
            elif isinstance(frame, protocol.ArchiveQuery):
                # read on the archive's own threads: the command pipeline does not wait for it
                t = asyncio.create_task(self._archive(frame, sub))
                self._tasks.add(t)
                t.add_done_callback(self._tasks.discard)
            elif isinstance(frame, protocol.Query):
                if frame.kind in QUERIES:     # reports and aggregates: answered off the loop (server/reports.py)
                    self._spawn_answer(self.reports.answer(frame.msg, actor, peer), sub)
                else:
                    sub.put(protocol.error(None, "bad_request", f"unknown message type {frame.kind!r}"))
            else:
                # submitted in arrival order; answered as each completes
                fut = self.hub.submit(actor, frame.name, frame.args, frame.id, peer)
                # answered by a callback, not a task per command (an import sends thousands)
                fut.add_done_callback(partial(self._answered, frame.id, sub))

    async def _archive(self, q: protocol.ArchiveQuery, sub: Subscriber) -> None:
        try:
            sub.put(await self.hub.archive(q, sub.view))
        except CommandError as e:
            sub.put(error_frame(q.id, e.code, e.message))
        except Exception as e:                       # the database failed to answer
            log.warning("archive query %s failed: %s", q.kind, e)
            sub.put(error_frame(q.id, "unavailable", "the archive is unavailable; retry"))

    def _spawn_answer(self, coro, sub: Subscriber) -> None:
        async def go():
            sub.put(await coro)
        t = asyncio.create_task(go())
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    @staticmethod
    def _answered(cid: str, sub: Subscriber, fut: asyncio.Future) -> None:
        if fut.cancelled():
            return
        e = fut.exception()
        if e is None:
            sub.put(protocol.ack(cid, fut.result()))
        elif isinstance(e, CommandError):
            sub.put(error_frame(cid, e.code, e.message))
        else:
            log.error("command %s failed", cid, exc_info=e)
