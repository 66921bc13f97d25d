"""The evidence endpoints (`/files…`) on the WebSocket's own port (docs/protocol.md, Evidence).

websockets' HTTP parser reads a request's head only (its maintainers say so: a request body
is not for `process_request`), so uploads cannot go through it. `serve()` takes the class of
its connections (`create_connection`): `FilesConnection` looks at the request line of each
new connection first. A request for `/files…` stays here (streamed request bodies, streamed
downloads with flow control, keep-alive); anything else (`/ws`, `/healthz`, the terminal's
static files) is handed to websockets as it was, unchanged, before any byte of it was parsed.
TLS is the listening socket's, so `--cert/--key` cover both.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

import orjson
from sqlalchemy import insert
from sqlalchemy.orm import Session
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import ServerConnection

from models import protocol
from models.commands import Actor, owns
from models.evidence import ID_RE, private_categories

from . import files as fs
from .auth import ROLES, actor_of, token_hash
from .resumable import ResumableUploads
from .store import AuditRow
from .views import view_for

if TYPE_CHECKING:
    from .app import XiaonaoServer

log = logging.getLogger("xiaonao.files")

HEAD_TIMEOUT = 10.0          # the request line and headers must arrive within this
IDLE_TIMEOUT = 30.0          # a kept-alive connection with no request is closed after this
BODY_TIMEOUT = 60.0          # no byte of an upload for this long: it is dropped
HEAD_LIMIT = 16 * 1024
READER_LIMIT = 128 * 1024
WS_READ = 32 * 1024           # bytes a WebSocket connection reads at a time (see data_received)
WRITE_BATCH = 1 << 20
READ_CHUNK = 256 * 1024
CHECK_YIELD_S = 2.0          # a photo's check waits this long at most for uploads being received
YIELD_WINDOW = 0.02          # ...while a body's bytes arrived within this
WRITEBACK_EVERY = 4 << 20   # an upload's bytes handed to the disk's writeback every this many
PAUSE_AT = 4 << 20           # an upload's bytes waiting for the disk before reading pauses
TOKEN_CACHE_S = 1.0          # a checked token is checked again after this (a logout or an account change: at once)
MAX_FILE_CONNECTIONS = 256
ROW_CACHE = 20_000           # file metadata rows kept in memory (~1 KB each)
ROLE_RENDITION = re.compile(r"^/files/([^/?]+)(?:/(thumb|preview))?/?$")
STATUS_TEXT = {200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content", 304: "Not Modified", 400: "Bad Request",
               401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
               411: "Length Required", 413: "Payload Too Large", 415: "Unsupported Media Type",
               416: "Range Not Satisfiable", 422: "Unprocessable Entity", 429: "Too Many Requests",
               500: "Internal Server Error", 503: "Service Unavailable"}


class _Request:
    def __init__(self, method: str, target: str, headers: dict[str, str]):
        self.method, self.target, self.headers = method, target, headers
        u = urlsplit(target)
        self.path = unquote(u.path)
        self.query = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        self.keep = headers.get("connection", "").lower() != "close"


def _parse_head(raw: bytes) -> _Request:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise fs.FileRefused(400, "bad_request", "not an HTTP/1.1 request")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        k, sep, v = line.partition(":")
        if not sep:
            raise fs.FileRefused(400, "bad_request", "a malformed header")
        key = k.strip().lower()
        if key in headers and key in ("content-length", "authorization", "transfer-encoding"):
            raise fs.FileRefused(400, "bad_request", f"{k.strip()} given twice")
        headers[key] = v.strip()
    req = _Request(parts[0], parts[1], headers)
    if parts[2] == "HTTP/1.0":
        req.keep = headers.get("connection", "").lower() == "keep-alive"
    return req


class _Reader(asyncio.StreamReader):
    """The connection's StreamReader, which can hand what it holds to a body sink."""

    def take(self, n: int) -> bytes:
        """Up to `n` bytes of what is buffered now (no waiting), reading resumed if it was paused."""
        buf: bytearray = self._buffer  # type: ignore[attr-defined]  # (CPython's own, stable since 3.4)
        data = bytes(buf[:n])
        del buf[:n]
        self._maybe_resume_transport()  # type: ignore[attr-defined]
        return data


class _BodySink:
    """An upload's body, taken straight from the transport (`data_received`) rather than
    through the StreamReader: no copy of a byte in the loop (the reader's buffer copies each
    byte in and out again, and a task woken per chunk reads it), batches of about 1 MiB
    written and hashed on a worker thread while the next batch arrives, reading paused while
    more than PAUSE_AT waits for the disk. `done` ends with the number of bytes written;
    on a drop or a stall, with the error after what arrived is written (a resumable upload
    goes on from there)."""

    def __init__(self, conn: FilesConnection, write, count: int):
        self.conn, self._write, self.left = conn, write, count
        self.loop = conn.loop
        self.batch: list[bytes] = []
        self.size = 0
        self.written = 0
        self.writing: asyncio.Future | None = None
        self.paused = False
        self.ended: BaseException | None = None
        self.done: asyncio.Future = self.loop.create_future()
        self.last = self.loop.time()
        self._watch = self.loop.call_later(BODY_TIMEOUT / 4, self._watchdog)

    def feed(self, data: bytes) -> bytes:
        """Take what belongs to the body; returns what follows it (the next request's)."""
        rest = b""
        if len(data) > self.left:
            data, rest = data[:self.left], data[self.left:]
        self.left -= len(data)
        self.batch.append(data)
        self.size += len(data)
        self.last = self.conn.service.body_seen = self.loop.time()
        if self.size >= WRITE_BATCH or self.left == 0:
            self._flush()
        return rest

    def end(self, exc: BaseException) -> None:
        """The connection ended (or stalled) before the body did."""
        if self.ended is None and self.left > 0:
            self.ended = exc
            self._flush()

    def _flush(self) -> None:
        if self.writing is not None:
            if self.size >= PAUSE_AT and not self.paused:
                self.paused = True
                self.conn.transport.pause_reading()
            return
        if not self.batch:
            self._finish()
            return
        chunks, self.batch, self.size = self.batch, [], 0
        self.writing = self.loop.run_in_executor(None, self._write_all, chunks)
        self.writing.add_done_callback(self._written)

    def _write_all(self, chunks: list[bytes]) -> int:
        n = 0
        for c in chunks:
            self._write(c)
            n += len(c)
        return n

    def _written(self, fut: asyncio.Future) -> None:
        self.writing = None
        if self.paused:
            self.paused = False
            if not self.conn.transport.is_closing():
                self.conn.transport.resume_reading()
        exc = fut.exception() if not fut.cancelled() else asyncio.CancelledError()
        if exc is not None:
            self.batch, self.size = [], 0
            self._settle(exc)
            return
        self.written += fut.result()
        if self.batch and (self.size >= WRITE_BATCH or self.left == 0 or self.ended is not None):
            self._flush()
        elif self.left == 0 or self.ended is not None:
            self._finish()

    def _finish(self) -> None:
        if self.writing is None and not self.batch and (self.left == 0 or self.ended is not None):
            self._settle(self.ended)

    def _settle(self, exc: BaseException | None) -> None:
        self._watch.cancel()
        self.conn._sink = None
        if not self.done.done():
            if exc is None:
                self.done.set_result(self.written)
            else:
                self.done.set_exception(exc)

    def _watchdog(self) -> None:
        if self.done.done():
            return
        if self.loop.time() - self.last > BODY_TIMEOUT and not self.paused:
            self.end(asyncio.TimeoutError())
        self._watch = self.loop.call_later(BODY_TIMEOUT / 4, self._watchdog)


class _HashAlongside:
    """SHA-256 of an upload's bytes on a thread of its own, beside the writer thread that
    writes them (hashing 19 MB is ~26 ms of a core: done in turn with the writes it put the
    writer thread behind the arriving bytes). `update` hands the bytes over (no copy: bytes
    are immutable); `hexdigest` (blocking: call it off the loop) waits for the last of them."""

    def __init__(self):
        import queue
        import threading
        self._h = hashlib.sha256()
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._t = threading.Thread(target=self._run, name="xiaonao-hash", daemon=True)
        self._t.start()

    def _run(self) -> None:
        while (data := self._q.get()) is not None:
            self._h.update(data)

    def update(self, data: bytes) -> None:
        self._q.put(data)

    def hexdigest(self) -> str:
        self.close()
        return self._h.hexdigest()

    def close(self) -> None:
        if self._t.is_alive():
            self._q.put(None)
            self._t.join()


class FilesConnection(ServerConnection):
    """A connection that serves `/files…` itself and hands everything else to websockets."""
    service: FileService              # set on the subclass each server makes (FileService.connection_class)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # the base Connection's set-up, without starting websockets' handler yet: it starts
        # once the request line shows a WebSocket (or other non-file) request
        Connection.connection_made(self, transport)
        self._mode: str | None = None
        self._sniffed = bytearray()
        self._reader: _Reader | None = None
        self._sink: _BodySink | None = None
        self._timer: asyncio.TimerHandle | None = self.loop.call_later(HEAD_TIMEOUT, self._no_request)
        self.service.undecided.add(self)

    def _no_request(self) -> None:
        if self._mode is None:
            self.transport.abort()

    def _start_websocket(self) -> None:
        handler = self.loop.create_task(self.server.handler(self))
        self.server.handler_tasks.add(handler)

    def data_received(self, data: bytes) -> None:
        if self._mode == "ws":
            super().data_received(data)
            return
        if self._mode == "files":
            assert self._reader is not None
            sink = self._sink
            if sink is not None:
                data = sink.feed(data)
                if not data:
                    return
            self._reader.feed_data(data)
            return
        self._sniffed += data
        end = self._sniffed.find(b"\r\n")
        if end < 0 and len(self._sniffed) < HEAD_LIMIT:
            return
        line = bytes(self._sniffed[:end if end >= 0 else HEAD_LIMIT])
        buf, self._sniffed = bytes(self._sniffed), bytearray()
        self.service.undecided.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        parts = line.split(b" ")
        target = parts[1] if len(parts) == 3 else b""
        if target in (b"/files", b"/r") or target.startswith((b"/files/", b"/files?", b"/r/", b"/r?")):
            self._mode = "files"
            # its buffer (2 x limit) bounds what a connection holds before reading pauses; a
            # request head longer than HEAD_LIMIT is refused by the service
            self._reader = _Reader(limit=READER_LIMIT, loop=self.loop)
            self._reader.set_transport(self.transport)       # pauses reading while its buffer is full
            self._reader.feed_data(buf)
            self.service.open_connection(self, self._reader)
        else:
            self._mode = "ws"
            if hasattr(self.transport, "max_size"):       # (plain TCP; TLS reads through its own buffer)
                # a WebSocket's reads in pieces of WS_READ: websockets parses every frame of a
                # read in one callback (a 256 KiB read of an intake's burst, ~800 reports: 3-5 ms
                # of the loop in one piece)
                self.transport.max_size = WS_READ
            self._start_websocket()
            super().data_received(buf)

    def eof_received(self) -> None:
        if self._mode == "files":
            assert self._reader is not None
            if self._sink is not None:
                self._sink.end(asyncio.IncompleteReadError(b"", None))
            self._reader.feed_eof()
        elif self._mode == "ws":
            super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.service.undecided.discard(self)
        if self._timer is not None:
            self._timer.cancel()
        if self._mode == "files" and self._reader is not None:
            # an end, not an error, even for a reset: what arrived before it is still read (a
            # resumable upload keeps it), then the short body ends the request as a drop
            if self._sink is not None:
                self._sink.end(asyncio.IncompleteReadError(b"", None))
            self._reader.feed_eof()
        super().connection_lost(exc)

    async def receive_body(self, count: int, write, head: bytes = b"") -> int:
        """The next `count` bytes of the request body through `write(bytes)` (called on a
        worker thread, in order), after `head` (bytes of it read already, written first in the
        same batch): what the reader holds first, the rest straight from the transport
        (_BodySink). Returns the bytes written (head included). Raises IncompleteReadError (a
        drop: what arrived is written) or TimeoutError (no byte for BODY_TIMEOUT)."""
        reader = self._reader
        assert reader is not None and self._sink is None
        sink = _BodySink(self, write, count + len(head))
        self._sink = sink
        if head:
            sink.feed(head)
        held = reader.take(count)
        if held:
            sink.feed(held)
        if reader.at_eof() or self.transport.is_closing():
            sink.end(asyncio.IncompleteReadError(b"", count))
        elif sink.left == 0:
            sink._flush()
        try:
            return await sink.done
        finally:
            if self._sink is sink:             # (cancelled: the connection goes back to its reader)
                sink._watch.cancel()
                self._sink = None
                if sink.writing is not None:       # the file is closed after the write under way
                    with contextlib.suppress(BaseException):
                        await asyncio.shield(sink.writing)

    # -- writing ------------------------------------------------------------------
    async def files_send(self, data: bytes) -> None:
        """Write on a file connection, waiting while the peer's buffer is full."""
        self.transport.write(data)
        await self.drain()


class FileService:
    """The `/files` endpoints of one server."""

    def __init__(self, server: XiaonaoServer, content: fs.ContentStore):
        self.server = server
        self.content = content
        self.limits = content.limits
        self.conns: set[FilesConnection] = set()
        self.undecided: set[FilesConnection] = set()     # accepted, request line not read yet
        self._tasks: set[asyncio.Task] = set()
        # token hash -> (when checked, its actor or None, the accounts' generation then)
        self._tokens: dict[str, tuple[float, Actor | None, int]] = {}
        self._uploads: dict[str, int] = {}
        self._audit: list[dict] = []
        self._audit_task: asyncio.Task | None = None
        self._rows: OrderedDict[str, dict] = OrderedDict()     # file rows read lately (they never change)
        # photos stored and being decoded in full (server/files.py, ContentStore.check): one
        # thread, so checks never take both cores from the loop and the database
        self._checks: dict[str, asyncio.Future] = {}
        # (not at a lower priority: on a loaded machine a niced thread starved, and the attach
        # waiting for it took 2-3 s instead of 0.5)
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-filecheck")
        # ...but a check pauses while upload bodies are arriving (CHECK_YIELD_S a photo at
        # most): on two cores a 19 MB photo's decoding, begun after its answer, otherwise takes
        # a core from the next upload's receiving
        self.body_seen = 0.0          # when a body's bytes last arrived (the loop's clock: monotonic)
        self.resumable = ResumableUploads(self)       # /files/uploads… (server/resumable.py)

    def resume_checks(self) -> None:
        """Start the checks a stop or a crash interrupted, and drop the resumable uploads left
        untouched for a day (on start, after content.open)."""
        self._checker.submit(_warm_up)            # (first: before any check; off the loop)
        for file_id in self.content.unchecked():
            self.check(file_id)
        self.resumable.sweep_uploads()

    def check(self, file_id: str) -> asyncio.Future:
        """The full check of a stored photo: its future (None: it decodes; else the reason it is
        damaged), started now unless it is under way."""
        fut = self._checks.get(file_id)
        if fut is None:
            fut = asyncio.ensure_future(self._check(file_id))
            self._checks[file_id] = fut
        return fut

    def _yield_to_uploads(self):
        """The gate of one check (called on the checker thread before each read of the photo,
        64 KB of it): it waits while upload bytes keep arriving, CHECK_YIELD_S at most in all."""
        end: list[float] = []

        def gate() -> None:
            if not end:
                end.append(time.monotonic() + CHECK_YIELD_S)     # (from the check's start, not its queueing)
            while (now := time.monotonic()) - self.body_seen < YIELD_WINDOW and now < end[0]:
                time.sleep(YIELD_WINDOW)
        return gate

    async def _check(self, file_id: str) -> str | None:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._checker, self.content.check, file_id,
                                                                    self._yield_to_uploads())
        except OSError as e:          # the store cannot be read or written: checked again at the next start
            log.error("could not check stored photo %s: %s", file_id[:12], e)
            return None
        finally:
            self._checks.pop(file_id, None)

    def checks_for(self, ids) -> list[asyncio.Future]:
        """The checks under way of these files (a command naming them waits for them)."""
        return [f for i in ids if (f := self._checks.get(i)) is not None]

    def checks_under_way(self) -> int:
        return len(self._checks)

    async def _row(self, file_id: str) -> dict | None:
        """The file's metadata row (None: not stored), from memory or the database's read threads."""
        row = self._rows.get(file_id)
        if row is not None:
            self._rows.move_to_end(file_id)
            return row
        hub = self.server.hub
        row = (await asyncio.get_running_loop().run_in_executor(
            hub.reads, fs.get_files, self.server.store, [file_id])).get(file_id)
        if row is not None:
            self._remember(row)
        return row

    def _remember(self, row: dict) -> None:
        self._rows[row["id"]] = row
        while len(self._rows) > ROW_CACHE:
            self._rows.popitem(last=False)

    def connection_class(self) -> type[FilesConnection]:
        return type("ServerFilesConnection", (FilesConnection,), {"service": self})

    def open_connection(self, conn: FilesConnection, reader: asyncio.StreamReader) -> None:
        if len(self.conns) >= MAX_FILE_CONNECTIONS:
            conn.transport.write(self._response(503, "unavailable", "too many file connections; retry shortly"))
            conn.transport.close()
            return
        self.conns.add(conn)
        t = asyncio.get_running_loop().create_task(self._serve(conn, reader))
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for c in list(self.conns) + list(self.undecided):
            c.transport.abort()
        for fut in list(self._checks.values()):
            fut.cancel()              # (the thread finishes the one it is on; the rest wait for the next start)
        self._checker.shutdown(wait=True, cancel_futures=True)
        self.content.close()            # (photos kept open for checks that will not come now)
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._audit_task is not None:
            self._audit_task.cancel()
            with contextlib.suppress(BaseException):
                await self._audit_task
        self._flush_audit_now()

    # ---- the connection's requests ------------------------------------------------
    async def _serve(self, conn: FilesConnection, reader: asyncio.StreamReader) -> None:
        peer = conn.remote_address
        peer_s = f"{peer[0]}:{peer[1]}" if peer else "?"
        first = True
        try:
            while not conn.transport.is_closing():
                try:
                    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"),
                                                 HEAD_TIMEOUT if first else IDLE_TIMEOUT)
                except asyncio.LimitOverrunError:
                    await conn.files_send(self._response(400, "bad_request", "the request head is too long"))
                    return
                first = False
                if len(raw) > HEAD_LIMIT:
                    await conn.files_send(self._response(400, "bad_request", "the request head is too long"))
                    return
                try:
                    req = _parse_head(raw)
                except fs.FileRefused as e:
                    await conn.files_send(self._response(e.status, e.code, e.message))
                    return
                try:
                    keep = await self._handle(conn, reader, req, peer_s)
                except fs.FileRefused as e:
                    # perhaps before the request's body was read: the connection cannot go on
                    answer = self._response(e.status, e.code, e.message, close=True, details=e.details)
                    if req.method == "HEAD":                # a HEAD answer has no body
                        answer = answer[:answer.index(b"\r\n\r\n") + 4]
                    await conn.files_send(answer)
                    await _linger(reader)
                    return
                if not (keep and req.keep):
                    return
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, OSError):
            return
        except Exception:
            log.exception("file request from %s failed", peer_s)
            with contextlib.suppress(Exception):
                await conn.files_send(self._response(500, "error", "the server failed on this request", close=True))
        finally:
            self.conns.discard(conn)
            if not conn.transport.is_closing():
                conn.transport.close()

    @staticmethod
    def _head(status: int, headers: list[tuple[str, str]], length: int, close: bool = False) -> bytes:
        lines = [f"HTTP/1.1 {status} {STATUS_TEXT.get(status, 'OK')}", f"Content-Length: {length}",
                 "Server: xiaonao", "X-Content-Type-Options: nosniff"]
        lines += [f"{k}: {v}" for k, v in headers]
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _response(self, status: int, code: str, message: str, close: bool = False,
                  details: dict | None = None) -> bytes:
        body = protocol.error(None, code, message).encode() if not details else \
            orjson.dumps({"type": "error", "id": None, "code": code, "message": message, "details": details})
        return self._head(status, [("Content-Type", "application/json")], len(body), close) + body

    def _json(self, status: int, obj) -> bytes:
        body = orjson.dumps(obj)
        return self._head(status, [("Content-Type", "application/json")], len(body)) + body

    async def _handle(self, conn: FilesConnection, reader, req: _Request, peer: str) -> bool:
        """Answer one request; returns whether the connection may carry another."""
        if req.path == "/r" or req.path.startswith("/r/"):
            # a resident's rating page (server/resident.py): no session, its own budget
            return await self.server.resident.handle(conn, reader, req, peer)
        if req.path == "/files/uploads" or req.path.startswith("/files/uploads/"):
            return await self.resumable.handle(conn, reader, req, peer)
        has_body = "content-length" in req.headers or "transfer-encoding" in req.headers
        if req.method == "POST" and req.path.rstrip("/") == "/files":
            return await self._upload(conn, reader, req, peer)
        if has_body and req.headers.get("content-length", "0") != "0":
            raise fs.FileRefused(400, "bad_request", f"{req.method} {req.path} takes no body")
        m = ROLE_RENDITION.match(req.path)
        if req.method not in ("GET", "HEAD") or m is None:
            if req.path.rstrip("/") == "/files" or m is not None:
                await conn.files_send(self._response(405, "bad_request", f"{req.method} is not served on {req.path}"))
                return True
            await conn.files_send(self._response(404, "not_found", "no such file endpoint"))
            return True
        return await self._download(conn, req, m.group(1), m.group(2) or "original", peer)

    # ---- who is asking --------------------------------------------------------------
    async def _actor(self, req: _Request) -> Actor:
        auth = req.headers.get("authorization", "")
        scheme, _, tok = auth.partition(" ")
        if scheme.lower() != "bearer" or not tok.strip():
            raise fs.FileRefused(401, "unauthenticated", "send the session token: Authorization: Bearer TOKEN")
        h = token_hash(tok.strip())
        now = time.monotonic()
        gen = self.server.accounts.generation
        hit = self._tokens.get(h)
        if hit is None or now - hit[0] > TOKEN_CACHE_S or hit[2] != gen:
            actor = await self.server.accounts.run(self._lookup, h)
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[h] = hit = (now, actor, gen)
        if hit[1] is None:
            raise fs.FileRefused(401, "unauthenticated", "the session token is invalid or has expired")
        return hit[1]

    def _lookup(self, h: str) -> Actor | None:
        store = self.server.store
        info = store.token_info(h)
        if info is None or info[1] <= time.time():
            return None
        user = store.get_user(info[0])
        if user is None or user["disabled"] or user["role"] not in ROLES:
            return None
        return actor_of(user)       # with its binding: squad, department or grids

    async def _case(self, cid: str) -> dict | None:
        hub = self.server.hub
        case = hub.state["cases"].get(cid)
        if case is not None:
            return case
        if len(cid) > 40:
            return None
        found = await asyncio.get_running_loop().run_in_executor(hub.reads, hub.store.get_case_texts, [cid])
        text = found.get(cid, (None, None))[0]
        return orjson.loads(text) if text is not None else None

    def _view(self, actor: Actor):
        return view_for(actor, private_categories(self.server.hub.state))

    async def _case_for_upload(self, actor: Actor, cid: str) -> None:
        case = await self._case(cid)
        if case is None:
            raise fs.FileRefused(404, "not_found", f"no case {cid}", {"case": cid})
        if not owns(actor, case):         # a squad's, a department's, a community's, an intake's own cases only
            whose = {"field": "assigned to your squad", "department": "transferred to your department",
                     "community": "in your grids", "intake": "one this account reported"}.get(actor.role, "yours")
            raise fs.FileRefused(403, "forbidden", f"case {cid} is not {whose}", {"case": cid, "role": actor.role})

    # ---- upload -------------------------------------------------------------------
    async def _upload(self, conn: FilesConnection, reader: asyncio.StreamReader, req: _Request, peer: str) -> bool:
        actor = await self._actor(req)
        if actor.role == "wall":
            raise fs.FileRefused(403, "forbidden", "role wall may not upload files", {"role": "wall"})
        if "transfer-encoding" in req.headers or "content-length" not in req.headers:
            raise fs.FileRefused(411, "length_required", "send the file with a Content-Length (no chunked body)")
        try:
            length = int(req.headers["content-length"])
            if length < 0:
                raise ValueError
        except ValueError:
            raise fs.FileRefused(400, "bad_request", "Content-Length is not a number of bytes") from None
        if length == 0:
            raise fs.invalid("empty", fs.EMPTY)
        lim = self.limits
        if length > lim.largest:
            raise fs.too_large(length, lim.largest)
        cid = req.query.get("case") or None
        if cid is not None:
            await self._case_for_upload(actor, cid)
        name = fs.clean_name(req.query.get("name"))
        mine = self._uploads.get(actor.name, 0)
        if mine >= lim.uploads_per_account:
            raise fs.FileRefused(429, "busy", f"{mine} uploads of this account are under way; "
                                              "send it again when one ends")
        if sum(self._uploads.values()) >= lim.uploads_total:
            raise fs.FileRefused(429, "busy", "the server takes no more uploads at once; send it again shortly")
        if req.headers.get("expect", "").lower() == "100-continue":
            await conn.files_send(b"HTTP/1.1 100 Continue\r\n\r\n")
        self._uploads[actor.name] = mine + 1
        try:
            return await self._receive(conn, reader, actor, length, cid, name, peer)
        finally:
            left = self._uploads.get(actor.name, 1) - 1
            if left > 0:
                self._uploads[actor.name] = left
            else:
                self._uploads.pop(actor.name, None)

    async def _sniff(self, reader, length: int) -> tuple[bytes, str, str]:
        """The body's first bytes and the kind and type they tell (refused: 415, 413)."""
        head = b""
        want = min(fs.SNIFF, length)
        while len(head) < want:
            chunk = await asyncio.wait_for(reader.read(want - len(head)), BODY_TIMEOUT)
            if not chunk:
                raise asyncio.IncompleteReadError(head, length)
            head += chunk
        kind_type = fs.sniff(head)
        if kind_type is None:
            raise fs.FileRefused(415, "unsupported_type", fs.UNSUPPORTED)
        kind, mime = kind_type
        self._check_size(kind, length)
        return head, kind, mime

    def _check_size(self, kind: str, length: int) -> None:
        if length > self.limits.of(kind):
            raise fs.too_large(length, self.limits.of(kind), kind)

    @staticmethod
    async def _read_into(conn: FilesConnection, f, h, head: bytes, count: int, close: bool = False) -> None:
        """Read `count` bytes of the body (`head` of them read already) into the open file
        `f`, hashing them into `h` on the way (FilesConnection.receive_body: batches written on
        a worker thread while the next arrives; the head goes in the first). The file and the
        hash always hold the same bytes; on a drop, what was received is written before the
        error goes on (a resumable upload goes on from there). `close`: the file is closed on
        the writer thread after its last byte (no hop to another thread for it)."""
        left = [count]
        flushed = [0]

        def write(data: bytes) -> None:
            f.write(data)
            h.update(data)
            left[0] -= len(data)
            if close and left[0] <= 0:
                f.close()
            elif (at := count - left[0]) - flushed[0] >= WRITEBACK_EVERY:
                # start the disk writing what arrived (not waiting for it): the fsync before
                # the answer then has only the last of it to wait for
                f.flush()
                fs.start_writeback(f.fileno(), flushed[0], at - flushed[0])
                flushed[0] = at
        if count > len(head):
            await conn.receive_body(count - len(head), write, head)
        elif head:
            await asyncio.get_running_loop().run_in_executor(None, write, head)

    async def _receive(self, conn, reader, actor: Actor, length: int, cid: str | None, name: str,
                       peer: str) -> bool:
        loop = asyncio.get_running_loop()
        head, kind, mime = await self._sniff(reader, length)
        part = self.content.new_part()
        t0 = time.perf_counter()
        f = await self._open_part(part, "wb", peer)
        h = _HashAlongside()
        done = False
        try:
            await self._read_into(conn, f, h, head, length, close=True)
            file_id = await loop.run_in_executor(None, h.hexdigest)
            t_received = time.perf_counter()
            meta, created = await self._store(part, file_id, kind, mime, length, name, actor, cid, peer)
            done = True
        finally:
            if not done:
                await loop.run_in_executor(None, h.close)
            if not f.closed:
                await loop.run_in_executor(None, f.close)
            if not done:
                await loop.run_in_executor(None, self.content.discard, part)
        log.info("%s (%s) from %s uploaded %s (%s, %d bytes%s) in %.0f ms (received %.0f, stored %.0f)",
                 actor.name, actor.role, peer, meta["id"][:12], kind, length, ", again" if not created else "",
                 (time.perf_counter() - t0) * 1000, (t_received - t0) * 1000,
                 (time.perf_counter() - t_received) * 1000)
        await conn.files_send(self._stored_answer(meta, created))
        return True

    async def _open_part(self, part: Path, mode: str, peer: str):
        try:
            return await asyncio.get_running_loop().run_in_executor(None, open, part, mode)
        except OSError as e:
            log.error("could not store an upload from %s: %s", peer, e)
            raise fs.FileRefused(503, "unavailable", f"the server cannot store files now ({e.strerror or e}); "
                                                     "nothing was stored") from None

    async def _store(self, part: Path, file_id: str, kind: str, mime: str, length: int, name: str, actor: Actor,
                     cid: str | None, peer: str) -> tuple[dict, bool]:
        """Move a received file (`part`, whole, closed) into the store and record it; the
        part is gone afterwards. Returns (its metadata, whether the row is new)."""
        loop = asyncio.get_running_loop()
        finished = False
        try:
            known = await self._row(file_id)
            state, why = await loop.run_in_executor(None, self._state_of, file_id)
            if state == "damaged":
                raise fs.invalid("damaged", why or "the photo is damaged")
            if known is not None and state is not None:
                meta = known
            else:
                # a photo: its header now, its full decoding and thumbnail right after the answer
                finished = True                  # (finish removes the part, whatever happens)
                probed = await loop.run_in_executor(None, self.content.finish, part, file_id, kind, mime, True)
                meta = {"id": file_id, "kind": kind, "type": mime, "size": length, "name": name, **probed}
            meta, created = await self.server.hub.run_db(fs.record_upload, self.server.store, meta, actor.name, cid)
        except OSError as e:
            log.error("could not store an upload from %s: %s", peer, e)
            raise fs.FileRefused(503, "unavailable", f"the server cannot store files now ({e.strerror or e}); "
                                                     "nothing was stored") from None
        finally:
            if not finished:
                await loop.run_in_executor(None, self.content.discard, part)
        self._remember(meta)
        if kind == "photo" and state in (None, "checking"):
            self.check(file_id)
        self._audit_row(actor.name, "file.upload", f"{file_id} {kind} {length} {cid or '-'}", peer)
        return meta, created

    def _state_of(self, file_id: str) -> tuple[str | None, str | None]:
        """(the store's state of the file, why it is damaged), in one trip to a worker thread."""
        state = self.content.state(file_id)
        return state, self.content.damage(file_id) if state == "damaged" else None

    def _stored_answer(self, meta: dict, created: bool) -> bytes:
        file_id = meta["id"]
        out = {**{k: meta[k] for k in ("id", "kind", "type", "size", "name", "width", "height", "duration",
                                       "taken_at", "gps")},
               "url": f"/files/{file_id}", "thumb": f"/files/{file_id}/thumb",
               "preview": f"/files/{file_id}/preview", "created": created,
               "checking": file_id in self._checks}
        return self._json(201 if created else 200, out)

    # ---- download -------------------------------------------------------------------
    async def _download(self, conn: FilesConnection, req: _Request, file_id: str, rendition: str,
                        peer: str) -> bool:
        if not ID_RE.fullmatch(file_id):
            raise fs.FileRefused(400, "bad_request", f"{file_id[:80]!r} is not an attachment id (64 hex digits)")
        actor = await self._actor(req)
        cid = req.query.get("case") or None
        store = self.server.store
        row = await self._row(file_id)
        if cid is None and req.method == "HEAD" and rendition == "original" and actor.role != "wall":
            # "do you hold these bytes?" (an outbox skips the upload): nothing else is told
            await conn.files_send(self._head(200 if row else 404, [("Content-Type", "application/json")], 0))
            return True
        if cid is None:
            if row is None or not await self.server.hub.run_db(fs.uploaded_by, store, file_id, actor.name):
                raise fs.FileRefused(403, "forbidden", "name the case the file is on (?case=C…); without one, "
                                                       "only its uploader may fetch it")
        else:
            case = await self._case(cid)
            if case is None:
                raise fs.FileRefused(404, "not_found", f"no case {cid}")
            seen = self._view(actor).case(case)
            if seen is None:
                raise fs.FileRefused(403, "forbidden", f"you may not see case {cid}")
            att = next((a for a in case.get("attachments") or () if a.get("id") == file_id), None)
            if att is None or row is None:
                raise fs.FileRefused(404, "not_found", f"no such file on {cid}")
            if att.get("removed") and actor.role not in ("leader", "admin"):
                raise fs.FileRefused(410, "gone", f"this file was removed from {cid}: "
                                                  f"{att['removed'].get('reason', '')}"[:300])
            shown = next((a for a in seen.get("attachments") or () if a.get("id") == file_id), None)
            if shown is None or shown.get("hidden"):
                raise fs.FileRefused(403, "forbidden", "this file is not shown on the wall" if actor.role == "wall"
                                     else f"you may not see this file of {cid}")
        path = self.content.original(file_id) if rendition == "original" else self.content.path(file_id, rendition)
        mime = row["type"] if rendition == "original" else "image/jpeg"
        loop = asyncio.get_running_loop()
        if rendition != "original" and row["kind"] == "photo":
            fut = self._checks.get(file_id)
            damaged = await asyncio.shield(fut) if fut is not None else \
                await loop.run_in_executor(None, self.content.damage, file_id)
            if damaged:
                raise fs.FileRefused(422, "damaged", f"the photo is damaged: {damaged}")
        if rendition == "preview" and row["kind"] == "photo" and not path.exists():
            try:
                path = await loop.run_in_executor(None, self.content.ensure_preview, file_id)
            except fs.FileRefused as e:       # (it decoded when it was stored: only a damaged store)
                raise fs.FileRefused(404, "not_found", f"no preview: {e.message}") from None
        try:
            size = (await loop.run_in_executor(None, path.stat)).st_size
        except FileNotFoundError:
            raise fs.FileRefused(404, "not_found", "the file's bytes are missing from the store") from None
        etag = f'"{file_id}"' if rendition == "original" else f'"{file_id}.{rendition}"'
        headers = [("Content-Type", mime), ("ETag", etag), ("Accept-Ranges", "bytes"),
                   ("Cache-Control", "private, max-age=31536000, immutable")]
        if rendition == "original":
            fname = row.get("name") or f"{file_id[:12]}"
            headers.append(("Content-Disposition", "attachment; filename*=UTF-8''" + _quote(fname)))
        if req.headers.get("if-none-match", "") == etag:
            await conn.files_send(self._head(304, [("ETag", etag)], 0))
            return True
        start, end, status = 0, size - 1, 200
        rng = req.headers.get("range")
        if rng and rendition == "original":
            mr = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            if mr and (mr.group(1) or mr.group(2)):
                if mr.group(1):
                    start = int(mr.group(1))
                    end = min(int(mr.group(2)), size - 1) if mr.group(2) else size - 1
                else:
                    start, end = max(0, size - int(mr.group(2))), size - 1
                if start > end or start >= size:
                    await conn.files_send(self._head(416, [("Content-Range", f"bytes */{size}")], 0))
                    return True
                status = 206
                headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        self._audit_row(actor.name, "file.get", f"{file_id} {cid or '-'} {rendition}", peer)
        await conn.files_send(self._head(status, headers, end - start + 1))
        if req.method == "HEAD":
            return True
        await self._send_file(conn, path, start, end - start + 1)
        return True

    async def _send_file(self, conn: FilesConnection, path: Path, start: int, count: int) -> None:
        loop = asyncio.get_running_loop()
        f = await loop.run_in_executor(None, open, path, "rb")
        try:
            if start:
                await loop.run_in_executor(None, f.seek, start)
            left = count
            while left > 0:
                chunk = await loop.run_in_executor(None, f.read, min(READ_CHUNK, left))
                if not chunk:
                    raise OSError("the file got shorter")
                left -= len(chunk)
                await conn.files_send(chunk)
        finally:
            await loop.run_in_executor(None, f.close)

    # ---- audit, in batches ------------------------------------------------------------
    def _audit_row(self, user: str, action: str, detail: str, peer: str) -> None:
        self._audit.append({"at": time.time(), "user": user, "action": action, "detail": detail, "peer": peer})
        if self._audit_task is None or self._audit_task.done():
            self._audit_task = asyncio.get_running_loop().create_task(self._flush_audit())

    async def _flush_audit(self) -> None:
        # (rows noted while a batch is being written go in the next one: this task is still
        # running then, so no other is started for them)
        while self._audit:
            await asyncio.sleep(0.5)      # gather a batch (a case detail asks for dozens of thumbnails)
            rows, self._audit = self._audit, []
            try:
                await self.server.accounts.run(_write_audit, self.server.store, rows)
            except Exception as e:  # noqa: BLE001 - the database is down: say so, do not fail downloads
                log.warning("could not write %d file audit rows: %s", len(rows), e.__class__.__name__)

    def _flush_audit_now(self) -> None:
        rows, self._audit = self._audit, []
        if rows:
            with contextlib.suppress(Exception):
                _write_audit(self.server.store, rows)

    def pending_audit(self) -> int:
        """Audit rows not written yet (they go in batches, within a second)."""
        return len(self._audit)

    def uploads_under_way(self) -> int:
        return sum(self._uploads.values())


async def _linger(reader: asyncio.StreamReader, limit: int = 4 << 20, seconds: float = 2.0) -> None:
    """Read (and drop) what the client is still sending for a moment before closing: closing
    with unread bytes resets the connection, and the reset can destroy the answer before the
    client has read it (a refused upload would look like a network error)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    got = 0
    with contextlib.suppress(Exception):
        while got < limit and (left := end - loop.time()) > 0:
            chunk = await asyncio.wait_for(reader.read(256 * 1024), left)
            if not chunk:
                return
            got += len(chunk)


def _warm_up() -> None:
    try:
        fs.warm_up()
    except Exception as e:  # noqa: BLE001 - only a head start: the first upload loads it otherwise
        log.warning("could not load the photo readers ahead: %s", e)


def _write_audit(store, rows: list[dict]) -> None:
    with Session(store.engine) as s, s.begin():
        s.execute(insert(AuditRow), rows)


def _quote(name: str) -> str:
    from urllib.parse import quote
    return quote(name, safe="")


def default_data_dir(db_url: str) -> Path:
    """Beside a SQLite database file (`xiaonao.db` -> `xiaonao-files/`); otherwise the user's
    data folder (`~/.local/share/xiaonao-server/files`): give `--data-dir` for a real server."""
    from platformdirs import user_data_path
    from sqlalchemy.engine import make_url
    try:
        u = make_url(db_url)
        if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
            p = Path(u.database)
            return p.with_name(p.stem + "-files").resolve()
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: the default folder
        pass
    return user_data_path("xiaonao-server") / "files"

