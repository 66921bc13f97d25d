"""Evidence files over HTTP, without Qt: upload, ask, download, thumbnails (docs/protocol.md, Evidence).

The server takes files on the WebSocket's own host and port (`ws://h:p/ws` -> `http://h:p/files`,
`wss` -> `https`, the same TLS context). Every request carries the session's token in
`Authorization: Bearer …`. Requests go over a few kept-alive connections (a case detail asks
for dozens of thumbnails), one request per connection at a time.

    files = FileClient(link.url, token=lambda: link.token, ssl=link.ssl)
    meta = await files.upload("/tmp/after.jpg", case_id="C000123")      # -> {"id": sha256, "thumb": …}
    # then the command case.attach {case_id, attachment: meta["id"], label: "after"} through the link
    png = await files.fetch(meta["id"], case_id="C000123", rendition="thumb")
    await files.download(meta["id"], "/home/me/copy.jpg", case_id="C000123")

Errors are `FileError` (`status`, `code`, `message` as the server said them; `status` 0 and
code `unavailable` when the server could not be reached or the connection dropped: nothing
was stored then, send it again).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import ssl as ssl_mod
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from . import tls

CHUNK = 256 * 1024
RENDITIONS = ("original", "thumb", "preview")
MAX_IDLE = 6                 # kept-alive connections per client
HEAD_LIMIT = 64 * 1024       # a response head longer than this is not one of ours


class FileError(Exception):
    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details = details or {}        # what the server says to word it (docs/protocol.md, Errors)


def http_base(ws_url: str) -> str:
    """`ws://h:p/ws` -> `http://h:p` (`wss` -> `https`)."""
    u = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(u.scheme.lower(), u.scheme.lower())
    return f"{scheme}://{u.netloc}"


def sha256_file(path: str | os.PathLike) -> str:
    """The attachment id a file will have (blocking: call it off the UI thread)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _error(status: int, body: bytes) -> FileError:
    try:
        d = json.loads(body)
        details = d.get("details")
        return FileError(status, str(d.get("code") or "error"), str(d.get("message") or ""),
                         details if isinstance(details, dict) else None)
    except (ValueError, AttributeError):
        return FileError(status, "error", body[:200].decode("utf-8", "replace") or f"HTTP {status}")


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.reused = False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _Response:
    def __init__(self, status: int, headers: dict[str, str], conn: _Conn):
        self.status, self.headers, self.conn = status, headers, conn
        self.length = int(headers.get("content-length", "0") or 0)
        self.keep = headers.get("connection", "").lower() != "close"


class FileClient:
    def __init__(self, ws_url: str, token: str | Callable[[], str | None], *,
                 ssl: ssl_mod.SSLContext | None = None, ca_file: str | None = None, timeout: float = 30.0):
        self.base = http_base(ws_url)
        u = urlsplit(self.base)
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.ssl = tls.context_for(ws_url, ca_file, ssl) if u.scheme == "https" else None
        self._token = token
        self.timeout = timeout
        self._idle: list[_Conn] = []

    # ---- public -----------------------------------------------------------------
    async def upload(self, source: str | os.PathLike | bytes, *, name: str | None = None,
                     case_id: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> dict:
        """Send a file (a path, or bytes); returns the server's metadata (`id`, `kind`, `type`,
        `size`, `width`, `height`, `duration`, `taken_at`, `gps`, `thumb`, `preview`, `created`).
        Raises FileError with the server's refusal (too_large, unsupported_type, invalid, …)."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            raw = bytes(source)
            data: bytes | None = raw
            size = len(raw)
            path = None
        else:
            data, path = None, Path(source)
            size = path.stat().st_size
            name = name if name is not None else path.name
        query = []
        if name:
            query.append("name=" + quote(name, safe=""))
        if case_id:
            query.append("case=" + quote(case_id, safe=""))
        target = "/files" + ("?" + "&".join(query) if query else "")

        async def body(writer: asyncio.StreamWriter) -> None:
            sent = 0
            if data is not None:
                for i in range(0, size, CHUNK):
                    writer.write(data[i:i + CHUNK])
                    await writer.drain()
                    sent = min(size, i + CHUNK)
                    if progress:
                        progress(sent, size)
                return
            assert path is not None
            await _send_file(writer, path, 0, size, progress)

        status, _h, payload = await self._request("POST", target, length=size, body=body)
        if status not in (200, 201):
            raise _error(status, payload)
        return json.loads(payload)

    async def upload_resumable(self, path: str | os.PathLike, *, name: str | None = None,
                               case_id: str | None = None, sha256: str | None = None,
                               upload_id: str | None = None,
                               on_session: Callable[[str], None] | None = None,
                               progress: Callable[[int, int], None] | None = None) -> dict:
        """Send a file so that an interruption loses nothing sent (docs/protocol.md, Resumable
        upload): a session (`POST /files/uploads`, its id given to `on_session` so the caller
        keeps it), then the bytes from where the server's copy ends (`HEAD`, then one `PUT`
        with `Content-Range`). Given the `upload_id` of an interrupted one, it goes on from
        the server's offset; one that finished (its answer lost) gives {"id", "created": False};
        one the server no longer knows (expired, abandoned) starts anew.
        Returns what `upload` returns; raises FileError (status 0 `unavailable` on a drop:
        call again with the same `upload_id`)."""
        for attempt in (0, 1):
            try:
                return await self._upload_resumable(path, name, case_id, sha256, upload_id, on_session, progress)
            except FileError as e:
                # the server holds more than it said (a dropped request was still writing): ask again
                if e.code != "conflict" or attempt or not upload_id:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _upload_resumable(self, path, name, case_id, sha256, upload_id, on_session, progress) -> dict:
        path = Path(path)
        size = path.stat().st_size
        name = name if name is not None else path.name
        offset = None
        if upload_id:
            status, headers, payload = await self._request("HEAD", f"/files/uploads/{quote(upload_id, safe='')}")
            if status == 200 and headers.get("upload-file"):
                return {"id": headers["upload-file"], "created": False}      # finished, its answer lost
            if status == 200:
                offset = int(headers.get("upload-offset", "0"))
            elif status != 404:
                raise _error(status, payload)
        if offset is None:
            query = [f"name={quote(name, safe='')}"] if name else []
            if case_id:
                query.append("case=" + quote(case_id, safe=""))
            if sha256:
                query.append("sha256=" + sha256)
            status, _h, payload = await self._request(
                "POST", "/files/uploads" + ("?" + "&".join(query) if query else ""), length=0,
                extra=[f"Upload-Length: {size}"])
            if status != 201:
                raise _error(status, payload)
            upload_id, offset = json.loads(payload)["upload"], 0
            if on_session:
                on_session(upload_id)
        assert upload_id is not None
        start = offset

        async def body(writer: asyncio.StreamWriter) -> None:
            await _send_file(writer, path, start, size, progress)

        if progress:
            progress(start, size)
        status, _h, payload = await self._request(
            "PUT", f"/files/uploads/{quote(upload_id, safe='')}", length=size - start, body=body,
            extra=[f"Content-Range: bytes {start}-{size - 1}/{size}"], retry=False)
        if status not in (200, 201) or "id" not in (answer := json.loads(payload)):
            raise _error(status, payload)
        return answer

    async def has(self, attachment_id: str) -> bool:
        """Whether the server already holds these bytes (HEAD): an outbox skips the upload."""
        status, _h, payload = await self._request("HEAD", f"/files/{attachment_id}")
        if status == 200:
            return True
        if status == 404:
            return False
        raise _error(status, payload)

    async def fetch(self, attachment_id: str, *, case_id: str | None = None, rendition: str = "thumb",
                    max_bytes: int = 32 * 1024 * 1024) -> bytes:
        """A rendition in memory (thumbnails and previews; at most `max_bytes`)."""
        status, _h, payload = await self._request("GET", self._path(attachment_id, case_id, rendition),
                                                  max_bytes=max_bytes)
        if status != 200:
            raise _error(status, payload)
        return payload

    async def download(self, attachment_id: str, dest: str | os.PathLike, *, case_id: str | None = None,
                       rendition: str = "original",
                       progress: Callable[[int, int], None] | None = None) -> Path:
        """Stream a rendition to `dest` (written as `dest.part`, then renamed: a dropped
        connection leaves no half file under the name)."""
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        loop = asyncio.get_running_loop()
        conn = await self._conn()
        ok = False
        try:
            resp = await self._send(conn, "GET", self._path(attachment_id, case_id, rendition))
            if resp.status != 200:
                payload = await asyncio.wait_for(resp.conn.reader.readexactly(resp.length), self.timeout)
                ok = resp.keep
                raise _error(resp.status, payload)
            f = await loop.run_in_executor(None, open, part, "wb")
            try:
                got = 0
                while got < resp.length:
                    chunk = await asyncio.wait_for(conn.reader.read(min(CHUNK, resp.length - got)), self.timeout)
                    if not chunk:
                        raise FileError(0, "unavailable", "the connection dropped during the download; try again")
                    await loop.run_in_executor(None, f.write, chunk)
                    got += len(chunk)
                    if progress:
                        progress(got, resp.length)
            finally:
                await loop.run_in_executor(None, f.close)
            await loop.run_in_executor(None, os.replace, part, dest)
            ok = resp.keep
            return dest
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
            raise FileError(0, "unavailable", f"the download failed: {e.__class__.__name__}; try again") from e
        finally:
            with contextlib.suppress(OSError):
                if part.exists():
                    part.unlink()
            self._release(conn, ok)

    async def close(self) -> None:
        for c in self._idle:
            c.close()
        self._idle.clear()

    def url(self, attachment_id: str, case_id: str | None = None, rendition: str = "original") -> str:
        return self.base + self._path(attachment_id, case_id, rendition)

    # ---- HTTP -------------------------------------------------------------------
    @staticmethod
    def _path(attachment_id: str, case_id: str | None, rendition: str) -> str:
        if rendition not in RENDITIONS:
            raise ValueError(f"rendition must be one of {RENDITIONS}")
        p = f"/files/{quote(attachment_id, safe='')}" + ("" if rendition == "original" else f"/{rendition}")
        return p + (f"?case={quote(case_id, safe='')}" if case_id else "")

    def _token_value(self) -> str:
        t = self._token() if callable(self._token) else self._token
        if not t:
            raise FileError(401, "unauthenticated", "not logged in: no session token")
        return t

    async def _conn(self, fresh: bool = False) -> _Conn:
        while self._idle and not fresh:
            c = self._idle.pop()
            if not c.writer.is_closing() and not c.reader.at_eof():
                c.reused = True
                return c
            c.close()
        try:
            r, w = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self.ssl,
                                        server_hostname=self.host if self.ssl else None), self.timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise FileError(0, "unavailable", f"cannot reach the server: {tls.describe(e)[1] or e}") from e
        return _Conn(r, w)

    def _release(self, conn: _Conn, keep: bool) -> None:
        if keep and len(self._idle) < MAX_IDLE and not conn.writer.is_closing():
            self._idle.append(conn)
        else:
            conn.close()

    async def _send(self, conn: _Conn, method: str, target: str, length: int | None = None,
                    body: Callable | None = None, extra: list[str] | None = None) -> _Response:
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Authorization: Bearer {self._token_value()}", "Accept: */*", *(extra or ())]
        if length is not None:
            head.append(f"Content-Length: {length}")
            head.append("Content-Type: application/octet-stream")
        conn.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if body is not None:
            # the server may refuse before reading everything (too large, forbidden): stop sending then
            sender = asyncio.ensure_future(body(conn.writer))
            reading = asyncio.ensure_future(self._read_head(conn))
            done, _ = await asyncio.wait({sender, reading}, return_when=asyncio.FIRST_COMPLETED)
            if reading in done:
                sender.cancel()
                with contextlib.suppress(BaseException):
                    await sender
                resp = reading.result()
                resp.keep = resp.keep and sender.done() and not sender.cancelled() and sender.exception() is None
                return resp
            if sender.exception() is not None:
                reading.cancel()
                raise sender.exception()          # type: ignore[misc]
            return await asyncio.wait_for(reading, self.timeout * 4)
        await conn.writer.drain()
        return await asyncio.wait_for(self._read_head(conn), self.timeout)

    @staticmethod
    async def _read_head(conn: _Conn) -> _Response:
        raw = await conn.reader.readuntil(b"\r\n\r\n")
        if len(raw) > HEAD_LIMIT:
            raise FileError(0, "unavailable", "the server's answer is not HTTP")
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise FileError(0, "unavailable", "the server's answer is not HTTP")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return _Response(int(parts[1]), headers, conn)

    async def _request(self, method: str, target: str, *, length: int | None = None, body=None,
                       max_bytes: int = 1 << 20, fresh: bool = False, extra: list[str] | None = None,
                       retry: bool = True) -> tuple[int, dict, bytes]:
        for attempt in (0, 1):
            # (a resumable PUT is not sent twice from the same offset: its caller asks where to go on)
            conn = await self._conn(fresh=fresh or attempt > 0 or not retry)
            keep = False
            try:
                resp = await self._send(conn, method, target, length, body, extra)
                if method == "HEAD":
                    payload = b""
                else:
                    if resp.length > max_bytes:
                        raise FileError(0, "too_large", f"the answer is larger than {max_bytes} bytes")
                    payload = await asyncio.wait_for(conn.reader.readexactly(resp.length), self.timeout)
                keep = resp.keep
                return resp.status, resp.headers, payload
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError) as e:
                # a kept-alive connection the server had closed: once more on a new one (an
                # upload too: the same bytes are stored once however often they are sent)
                if attempt == 0 and conn.reused:
                    continue
                if not retry:           # a resumable upload's bytes: the server keeps what arrived
                    raise FileError(0, "unavailable", f"the connection dropped ({e.__class__.__name__}); "
                                                      "it goes on from where it stopped") from e
                raise FileError(0, "unavailable", f"the request failed ({e.__class__.__name__}); nothing was "
                                                  "stored; send it again") from e
            finally:
                self._release(conn, keep)
        raise AssertionError("unreachable")  # pragma: no cover


async def _send_file(writer: asyncio.StreamWriter, path, start: int, size: int, progress=None) -> None:
    """Bytes start..size of the file at `path` to `writer`, read off the loop, `progress(sent,
    size)` after each chunk (a plain upload from 0, a resumed one from the server's offset)."""
    loop = asyncio.get_running_loop()
    f = await loop.run_in_executor(None, open, path, "rb")
    try:
        if start:
            await loop.run_in_executor(None, f.seek, start)
        sent = start
        while sent < size:
            chunk = await loop.run_in_executor(None, f.read, min(CHUNK, size - sent))
            if not chunk:
                raise FileError(0, "invalid", f"{path} got shorter while it was sent")
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            if progress:
                progress(sent, size)
    finally:
        await loop.run_in_executor(None, f.close)
