"""The WebSocket front of the server: sessions, catch-up, commands and health.

One task reads a connection's frames, one writes its outgoing queue; when either ends the
other is cancelled, and the connection is unregistered in `finally`.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus

from sqlalchemy.exc import SQLAlchemyError
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from models import protocol
from models.commands import Actor, CommandError
from models.compact import FORM as COMPACT_FORM
from models.evidence import private_categories

from .auth import Accounts, LiveSession, Login, LoginRefused, binding_of, new_token
from .backup import log_id
from .deflate import LargeFrameDeflateFactory
from .files import ContentStore, FileLimits
from .http_files import FileService, default_data_dir
from .hub import Hub, Subscriber, dumps
from .limits import Limits, TokenBucket, default_max_connections, install_storm_summary
from .replay import QUERY as REPLAY_QUERY
from .replay import ReplayService
from .reports import QUERIES, ReportService
from .resident import ResidentRatings
from .retention import Retention
from .stalls import LoopLog, StallWatch, looplog_from_env, watch_from_env
from .store import EventStore, is_full
from .views import view_for
from .web import StaticFiles

log = logging.getLogger("xiaonao.server")

MAX_IN_FRAME = protocol.MAX_IN_FRAME      # bytes; a larger frame from a client closes it with 1009
MAX_OUT_FRAME = protocol.MAX_OUT_FRAME    # snapshot pages stay under this
HELLO_TIMEOUT = 10.0
TOKEN_TTL = 12 * 3600.0
RESUME_LIMIT = 200_000           # beyond this many missed events a snapshot is cheaper
# s of one connection's frames taken in one turn of the loop: a client's frames already
# received are read without the loop getting a turn in between, so a burst (an intake's
# backlog, thousands of reports) would hold it, and with it every commit's completion and
# every live frame to the other clients, for as long as it takes to parse and queue them.
# 2 ms (was 5): each step a console's report takes through the loop (read, queued, its
# commit's end, published) waits for a turn, and a burst's turn is mostly this slice
RECV_SLICE = 0.002
# s a connection ended for flooding is still read (and dropped) for its close reply, then cut
FLOOD_DRAIN = 1.0


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
                 subscriber_queue: int = 20_000, keep_days: float | None = None,
                 limits: Limits | None = None, data_dir: str | None = None,
                 file_limits: FileLimits | None = None, auth_clock: Callable[[], float] = time.time,
                 retention: Retention | None = None, public_url: str | None = None,
                 follow_rota: bool = False):
        self.store = EventStore(db_url)
        # evidence files: bytes under the data directory, served on this port (server/http_files.py)
        self.data_dir = data_dir or str(default_data_dir(db_url))
        self.content = ContentStore(self.data_dir, file_limits)
        self.files = FileService(self, self.content)
        # follow_rota: the shifts start by themselves at the street's rota's times (server/hub.py)
        self.hub = Hub(self.store, clock=clock, subscriber_queue=subscriber_queue, retention=retention,
                       follow_rota=follow_rota,
                       **({"keep_days": keep_days} if keep_days is not None else {}))
        # a command naming a photo still being decoded waits for it; a damaged one is refused
        self.hub.file_checks = self.files.checks_for
        self.hub.file_damage = self.content.damage
        # tokens and sessions expire by auth_clock (tests move a tests.helpers.Clock); the hub's
        # clock stamps events
        self.accounts = Accounts(self.store, token_ttl, clock=auth_clock)
        self.accounts.street = lambda: self.hub.state.get("street")
        self.terminals: dict[str, int] = {}        # squad -> field terminals connected now
        self.reports = ReportService(self.store, clock=clock)
        # past shifts replayed from the log (server/replay.py): checkpoints as the log grows
        self.replay = ReplayService(self.store, self.hub)
        self.hub.listeners.append(self.replay.on_events)
        self.host, self.port = host, port
        self.token_ttl = token_ttl
        self.limits = limits or Limits()
        self.max_connections = self.limits.max_connections or default_max_connections()
        self._account_buckets: dict[str, TokenBucket] = {}
        self.ssl = None
        if certfile:
            self.ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ssl.load_cert_chain(certfile, keyfile)
        self._server = None
        self._tasks: set[asyncio.Task] = set()
        self.connections: set[ServerConnection] = set()
        self._full_logged = False
        self._loop: asyncio.AbstractEventLoop | None = None    # set by start()
        self._admitted: set[ServerConnection] = set()   # past the cap check and not yet gone
        self.log_id: str | None = None
        self.web = StaticFiles()         # the field terminal at /m/ (server/web.py)
        self._stalls: StallWatch | None = None
        self._looplog: LoopLog | None = None
        # residents' rating links and their page at /r/ (server/resident.py)
        self.resident = ResidentRatings(self, public_url=public_url)

    @property
    def url(self) -> str:
        return f"{'wss' if self.ssl else 'ws'}://{self.host}:{self.port}/ws"

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        install_storm_summary()
        self._stalls = watch_from_env(self._loop)        # XIAONAO_STALLS=path: what holds the loop
        self._looplog = looplog_from_env(self._loop)     # XIAONAO_LOOPLOG=path: its costly callbacks, collections
        await self.hub.start()
        await self.replay.start()
        await self.accounts.start()
        await self.resident.start()
        # the log's identity (a restore makes a new one): a client resumes only within it
        self.log_id = await self.hub.run_db(log_id, self.store)
        await asyncio.get_running_loop().run_in_executor(None, self.content.open)
        self.files.resume_checks()
        await self._clear_presence()
        self._server = await serve(
            self._handle, self.host, self.port, process_request=self._http, ssl=self.ssl,
            create_connection=self.files.connection_class(),
            # permessage-deflate when the client offers it, for large frames only (server/deflate.py)
            max_size=MAX_IN_FRAME, compression=None, extensions=[LargeFrameDeflateFactory()],
            ping_interval=20, ping_timeout=20,
            max_queue=64, logger=logging.getLogger("xiaonao.ws"))
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving %s (database %s, head %d)", self.url, self.store.engine.url.render_as_string(),
                 self.hub.head)

    async def stop(self) -> None:
        await self.files.stop()
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        await self.accounts.stop()
        await self.hub.stop()
        if self._stalls is not None:
            self._stalls.stop()
        if self._looplog is not None:
            self._looplog.stop()
        self.reports.close()
        self.replay.close()
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
        if self.web.handles(request.path):
            return self.web.respond(request)
        if request.path.split("?")[0] != "/ws":
            return connection.respond(HTTPStatus.NOT_FOUND, "the WebSocket endpoint is /ws\n")
        if len(self._admitted) >= self.max_connections:
            self._admitted = {c for c in self._admitted if c.state is not State.CLOSED}
        if len(self._admitted) >= self.max_connections:
            if not self._full_logged:
                log.warning("connection cap reached (%d): refusing new connections with 503",
                            self.max_connections)
            self._full_logged = True
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE,
                                      f"server full: {self.max_connections} connections; retry shortly\n")
        self._full_logged = False
        self._admitted.add(connection)
        return None

    # ---- sessions --------------------------------------------------------------
    def issue_token(self, user: str) -> str:
        """A token for a local user, without a password (the embedded cockpit's own operator)."""
        tok, h = new_token()
        self.store.add_token(h, user, time.time() + self.token_ttl)
        return tok

    async def _login(self, ws: ServerConnection, peer: str) -> Login:
        try:
            raw = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            await self._refuse(ws, None, "unauthenticated", "no hello within 10 s")
        try:
            login = await self.accounts.login(raw, peer)
        except LoginRefused as e:
            await self._refuse(ws, None, e.code, e.message)
        except SQLAlchemyError:
            raise                    # _handle says what the database's trouble is
        except Exception as e:  # anything else: say so, no traceback per login
            log.warning("login from %s failed on the database: %s", peer, e.__class__.__name__)
            await self._refuse(ws, None, "unavailable", "logins cannot be checked now (the database is "
                                                        "unavailable); try again shortly")
        actor = login.actor
        log.info("%s (%s) logged in from %s", actor.name, actor.role, peer)
        bound = {"department": actor.department} if actor.role == "department" else (
            {"grids": list(actor.grids)} if actor.role == "community" else {})
        await ws.send(protocol.welcome(actor.name, actor.role, login.token, self.hub.head, actor.team_id,
                                       self.hub.clock(), token_expires=login.expires, log_id=self.log_id, **bound))
        if login.resume and login.log_id is not None and login.log_id != self.log_id:
            # its seq counts another history (a restored database): it starts from a snapshot
            log.info("%s resumed from log %s, not this server's %s: snapshot", actor.name, login.log_id,
                     self.log_id)
            login.resume = None
        return login

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
            login = await self._login(ws, peer)
        except (_Refused, ConnectionClosed):
            self._admitted.discard(ws)
            return
        except SQLAlchemyError as e:        # the database could not record the login: say so
            log.error("login from %s failed on the database: %s", peer, str(getattr(e, "orig", e)).splitlines()[0])
            why = ("the server's database disk is full, so it cannot record a new login; sessions already "
                   "open (and logins with a session token) keep working; tell the administrator"
                   if is_full(e) else "the server's database is unavailable; try again in a moment")
            with contextlib.suppress(_Refused, ConnectionClosed):
                await self._refuse(ws, None, "unavailable", why)
            self._admitted.discard(ws)
            return
        actor, resume, subscribe = login.actor, login.resume, login.subscribe
        self.connections.add(ws)
        view = view_for(actor, private_categories(self.hub.state))
        if subscribe:
            sub, head = self.hub.subscribe(ws, view)
        else:   # commands only (an importer): answers, no state and no events
            sub, head = Subscriber(self.hub.subscriber_queue, ws, view), self.hub.head
        loop = self._loop or asyncio.get_running_loop()
        ended = asyncio.Event()

        def end(reason: str, message: str) -> None:
            """Revocation, expiry or logout: no command is taken after this; the client is
            told why, then the connection closes."""
            if ended.is_set():
                return
            ended.set()
            log.info("%s at %s: session ended (%s)", actor.name, peer, reason)
            self._spawn(self._end(ws, reason, message))

        live = LiveSession(actor.name, actor.role, actor.team_id, login.token_hash, login.expires, end,
                           binding=binding_of(actor))
        self.accounts.register(live)
        terminal = actor.team_id if actor.role == "field" and actor.team_id in self.hub.state["teams"] else None
        if terminal:
            self._presence(actor, terminal, +1)
        expiry = loop.call_later(self.accounts.expires_in(login.expires), end, "expired",
                                 "the session token expired: log in again")
        try:
            catchup: tuple
            if not subscribe:
                catchup = ("none",)
            elif view.filtered:
                # a filtered view's frames carry objects as they are now, not as of a seq:
                # it always starts from a snapshot of the view (small: a squad's cases)
                catchup = ("snapshot", self.hub.snapshot_source(MAX_OUT_FRAME, view))
            elif (resume and 0 < resume <= head and head - resume <= RESUME_LIMIT
                  and resume >= self.hub.redacted_through):     # (blanked events by retention: a snapshot)
                catchup = ("events", resume, head)
            elif resume == head and head > 0:
                catchup = ("none",)
            else:
                catchup = ("snapshot", self.hub.snapshot_source(MAX_OUT_FRAME, view,   # same tick as subscribe
                                                                compact=COMPACT_FORM in login.forms))
            sender = asyncio.create_task(self._send_loop(ws, sub, catchup))
            receiver = asyncio.create_task(self._recv_loop(ws, actor, sub, peer, live, ended))
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
            if terminal:
                self._presence(actor, terminal, -1)
            self._admitted.discard(ws)
            expiry.cancel()
            self.accounts.unregister(live)
            self.hub.unsubscribe(sub)
            self.connections.discard(ws)
            log.info("%s at %s disconnected", actor.name, peer)

    def _presence(self, actor: Actor, team_id: str, delta: int) -> None:
        """A field terminal of `team_id` came online (+1) or went (-1): a `team.presence`
        event with the squad's count, appended by the server (the cockpit's roster shows it)."""
        n = max(0, self.terminals.get(team_id, 0) + delta)
        self.terminals[team_id] = n
        if self.hub.recovering:
            return
        fut = self.hub.submit(Actor(actor.name, "system"), "team.presence", {"team_id": team_id, "online": n},
                              None, "server")
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def _clear_presence(self) -> None:
        """At start nobody is connected: squads the log shows online (the server stopped with
        terminals connected) are marked offline, at the time of this start."""
        for tid, team in list(self.hub.state["teams"].items()):
            if (team.get("terminal") or {}).get("online"):
                try:
                    await self.hub.execute(Actor("server", "system"), "team.presence", {"team_id": tid, "online": 0})
                except CommandError as e:
                    log.warning("could not mark squad %s offline: %s", tid, e.message)

    def _spawn(self, coro) -> asyncio.Task:
        t = (self._loop or asyncio.get_running_loop()).create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return t

    @staticmethod
    async def _end(ws, reason: str, message: str) -> None:
        try:
            await ws.send(protocol.session_ended(reason, message))
            await ws.close(1000 if reason == "logout" else 1008, message[:100])
        except ConnectionClosed:
            pass

    def _account_bucket(self, actor: Actor) -> TokenBucket:
        b = self._account_buckets.get(actor.name)
        if b is None:
            budget = self.limits.intake_commands if actor.role == "intake" else self.limits.account_commands
            b = self._account_buckets[actor.name] = TokenBucket(budget.rate, budget.burst)
        return b

    async def _send_loop(self, ws, sub: Subscriber, catchup) -> None:
        if catchup[0] == "snapshot":
            frames = catchup[1]
            if callable(frames):         # built off the loop; events queue for this subscriber meanwhile
                frames = await asyncio.get_running_loop().run_in_executor(None, frames)
            for frame in frames:
                await ws.send(frame, text=True)      # (UTF-8 bytes, sent as a text frame)
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

    async def _recv_loop(self, ws, actor: Actor, sub: Subscriber, peer: str, live: LiveSession,
                         ended: asyncio.Event) -> None:
        lim = self.limits
        fb = lim.frames if actor.role != "intake" else \
            type(lim.frames)(max(lim.frames.rate, 2 * lim.intake_commands.rate),
                             max(lim.frames.burst, 2 * lim.intake_commands.burst))
        frames = TokenBucket(fb.rate, fb.burst)
        pings = TokenBucket(lim.pings.rate, lim.pings.burst)
        budget = lim.intake_commands if actor.role == "intake" else lim.session_commands
        session_cmds = TokenBucket(budget.rate, budget.burst)
        account_cmds = self._account_bucket(actor)
        clock = time.perf_counter
        turn = clock() + RECV_SLICE
        cut_at: float | None = None      # when it was ended for flooding
        async for raw in ws:
            if clock() >= turn:
                # the loop's turn (commits answered, frames out to the others), then this
                # connection's next frames; its own order is kept
                await asyncio.sleep(0)
                turn = clock() + RECV_SLICE
            if ended.is_set():
                if cut_at is not None and clock() - cut_at > FLOOD_DRAIN:
                    ws.transport.abort()      # a flooder still sending after its close: cut
                    break
                continue          # revoked or expired: nothing more is taken; the close follows
            if not frames.take():
                log.warning("%s at %s sent frames faster than %g/s; disconnecting", actor.name, peer, fb.rate)
                # its frames are still read (and dropped) while the close goes out: unread ones
                # ahead of its close reply held the close for close_timeout (10 s); one still
                # sending after FLOOD_DRAIN is cut
                ended.set()
                cut_at = clock()
                self._spawn(self._end(ws, "flood", f"too many frames (more than {fb.rate:g} a second)"))
                continue
            frame = protocol.parse_client_frame(raw)
            if isinstance(frame, protocol.ProtocolError):
                sub.put(frame.frame())
            elif isinstance(frame, protocol.Ping):
                if pings.take():
                    sub.put(protocol.pong(frame.t))
            elif isinstance(frame, protocol.Logout):
                ended.set()
                await self.accounts.logout(live, peer)
                await self._end(ws, "logout", "logged out")
                await self.accounts.revalidate([actor.name])    # other sessions on the same token
                return
            elif isinstance(frame, protocol.Admin):
                self._spawn(self._admin(frame, actor, sub, peer))
            elif isinstance(frame, (protocol.ArchiveQuery, protocol.Query)) and not session_cmds.take():
                qid = frame.id if isinstance(frame, protocol.ArchiveQuery) else frame.msg.get("id")
                sub.put(error_frame(qid if isinstance(qid, str) else None, protocol.BUSY,
                                    "too many requests from this session; slow down and ask again"))
            elif isinstance(frame, protocol.ArchiveQuery):
                # read on the archive's own threads: the command pipeline does not wait for it
                t = asyncio.create_task(self._archive(frame, sub))
                self._tasks.add(t)
                t.add_done_callback(self._tasks.discard)
            elif isinstance(frame, protocol.Query):
                if frame.kind in QUERIES:     # reports and aggregates: answered off the loop (server/reports.py)
                    self._spawn_answer(self.reports.answer(frame.msg, actor, peer), sub)
                elif frame.kind == "query.rating_link":      # a resident's rating link (server/resident.py)
                    self._spawn_answer(self._rating_link(frame.msg, actor, peer, ws.request.headers.get("Host")), sub)
                elif frame.kind == REPLAY_QUERY:   # a past shift, in this connection's view (server/replay.py)
                    self._spawn_answer(self.replay.answer(frame.msg, actor, sub.view), sub)
                else:
                    sub.put(protocol.error(None, "bad_request", f"unknown message type {frame.kind!r}"))
            elif isinstance(frame, protocol.Commands):
                # many in one frame (an import): each as if it came alone, in order
                for item in frame.items:
                    if clock() >= turn:
                        await asyncio.sleep(0)
                        turn = clock() + RECV_SLICE
                    if isinstance(item, protocol.ProtocolError):
                        sub.put(item.frame())
                    else:
                        self._take_command(item, actor, sub, peer, session_cmds, account_cmds)
            else:
                self._take_command(frame, actor, sub, peer, session_cmds, account_cmds)

    def _take_command(self, frame: protocol.Command, actor: Actor, sub: Subscriber, peer: str,
                      session_cmds: TokenBucket, account_cmds: TokenBucket) -> None:
        """A command from a connection: within its budgets and the queue's bound, submitted in
        arrival order and answered as it completes; `busy` otherwise."""
        if not session_cmds.take() or not account_cmds.take():
            sub.put(error_frame(frame.id, protocol.BUSY,
                                "too many commands from this account; slow down and send it again"))
        elif self.hub._queue is not None and self.hub._queue.qsize() >= self.limits.command_queue:
            sub.put(error_frame(frame.id, protocol.BUSY, "the server is busy; send it again in a moment"))
        else:
            fut = self.hub.submit(actor, frame.name, frame.args, frame.id, peer)
            # answered by a callback, not a task per command (an import sends thousands)
            fut.add_done_callback(partial(self._answered, frame.id, sub))

    async def _rating_link(self, msg: dict, actor: Actor, peer: str, host: str | None) -> str:
        """query.rating_link: the case's one-time rating link for its resident, made through the
        pipeline (case.rating_link) or shown again; answered query.result or an error."""
        raw_id = msg.get("id")
        qid = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 80 else None
        if qid is None:
            return error_frame(None, "bad_request", "a query needs an 'id': a unique string of at most 80 characters")
        try:
            data = await self.resident.link(actor, msg.get("case_id"), peer, host)
        except CommandError as e:
            return error_frame(qid, e.code, e.message)
        return dumps({"type": "query.result", "id": qid, "query": "rating_link", "data": data})

    async def _admin(self, req: protocol.Admin, actor: Actor, sub: Subscriber, peer: str) -> None:
        """Account management by an admin: answered `admin.result` or an error with the id."""
        rid, name, args = req.id, req.name, req.args
        try:
            result = await self.accounts.manage(actor, name, args, peer)
        except CommandError as e:
            sub.put(error_frame(rid, e.code, e.message, e.details))
            return
        except Exception as e:  # the database failed
            log.exception("admin %s failed", name)
            sub.put(error_frame(rid, "unavailable", f"could not {name}: {e.__class__.__name__}; retry"))
            return
        sub.put(protocol.admin_result(rid, name, result))

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
