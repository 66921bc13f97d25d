"""Resumable uploads (`/files/uploads…`, docs/protocol.md "Resumable upload"): a file sent in
one or more requests, an interrupted one continued from the last byte the server holds.

    POST   /files/uploads?name=…&case=…&sha256=…   Upload-Length: N      -> 201 {upload, offset: 0}
    PUT    /files/uploads/ID   Content-Range: bytes K-E/N  (the body: bytes K..E)
                               -> 200 {upload, offset: E+1}, or, with the last byte, the file's
                                  answer as POST /files gives it (201/200 {id, kind, …})
    HEAD   /files/uploads/ID   -> 200, Upload-Offset: K, Upload-Length: N
    DELETE /files/uploads/ID   -> 204 (abandoned: its bytes removed)

The bytes received so far are kept under the data directory in `uploads/ID.part` with the
session's particulars in `uploads/ID.json` (who, length, name, case, expected SHA-256). They
are nobody's file until the last byte arrives: then the whole is checked and stored exactly
as a one-request upload is (server/http_files.py `_store`), so nothing is half-visible. A
session is its account's only, and lasts SESSION_TTL after its last byte.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.commands import Actor

from . import files as fs

if TYPE_CHECKING:
    from .http_files import FilesConnection, FileService, _Request

log = logging.getLogger("xiaonao.files")

SESSION_TTL = 24 * 3600.0
SESSIONS_PER_ACCOUNT = 32
HEAD_WAIT = 10.0             # a HEAD waits this long at most for a request still adding to the upload
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
PATH = re.compile(r"^/files/uploads(?:/([^/?]*))?/?$")
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class ResumableUploads:
    """The `/files/uploads` endpoints of a FileService."""

    def __init__(self, svc: FileService):
        self.svc = svc
        self.content = svc.content
        self.limits = svc.limits
        self._hashes: dict[str, tuple[int, Any]] = {}     # upload id -> (offset, sha256 so far)
        self._sending: dict[str, asyncio.Event] = {}           # uploads a request is adding to now: set when it ends

    @property
    def upload_dir(self) -> Path:
        return self.content.root / "uploads"

    def _session_paths(self, uid: str) -> tuple[Path, Path]:
        return self.upload_dir / f"{uid}.part", self.upload_dir / f"{uid}.json"

    def sweep_uploads(self, now: float | None = None) -> int:
        """Remove the sessions untouched for SESSION_TTL (blocking; at start and on each new one)."""
        now = time.time() if now is None else now
        gone = 0
        with contextlib.suppress(OSError):
            self.upload_dir.mkdir(parents=True, exist_ok=True)
            for meta in self.upload_dir.glob("*.json"):
                part = meta.with_suffix(".part")
                seen = max((p.stat().st_mtime for p in (meta, part) if p.exists()), default=0)
                if now - seen > SESSION_TTL:
                    for p in (meta, part):
                        with contextlib.suppress(OSError):
                            p.unlink()
                    gone += 1
        return gone

    def _load(self, uid: str, actor: Actor) -> dict:
        part, meta = self._session_paths(uid)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = None
        if info is None or info.get("user") != actor.name:      # another account's is not told apart
            raise fs.FileRefused(404, "not_found", "no such upload (it finished, was abandoned or expired "
                                                   "after a day): start a new one")
        if info.get("done"):
            info["offset"] = info["length"]         # finished: the file is `done`
            return info
        try:
            info["offset"] = part.stat().st_size
        except OSError:
            info["offset"] = 0
        return info

    async def handle(self, conn: FilesConnection, reader, req: _Request, peer: str) -> bool:
        m = PATH.match(req.path)
        assert m is not None
        uid = m.group(1) or ""
        actor = await self.svc._actor(req)
        if actor.role == "wall":
            raise fs.FileRefused(403, "forbidden", "role wall may not upload files", {"role": "wall"})
        if not uid:
            if req.method != "POST":
                raise fs.FileRefused(405, "bad_request", f"{req.method} is not served on /files/uploads")
            return await self._create(conn, req, actor)
        if not UPLOAD_ID.fullmatch(uid):
            raise fs.FileRefused(400, "bad_request", f"{uid[:80]!r} is not an upload id (32 hex digits)")
        loop = asyncio.get_running_loop()
        if req.method == "HEAD":
            adding = self._sending.get(uid)
            if adding is not None:
                # a dropped request may still be writing what it received: the offset once it ends
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(adding.wait(), HEAD_WAIT)
            info = await loop.run_in_executor(None, self._load, uid, actor)
            done = [("Upload-File", info["done"])] if info.get("done") else []
            await conn.files_send(self.svc._head(200, [("Upload-Offset", str(info["offset"])),
                                                   ("Upload-Length", str(info["length"])), *done,
                                                   ("Cache-Control", "no-store")], 0))
            return True
        if req.method == "DELETE":
            await loop.run_in_executor(None, self._load, uid, actor)
            if uid in self._sending:
                raise fs.FileRefused(409, "conflict", "a request is sending this upload now")
            await loop.run_in_executor(None, self._drop, uid)
            await conn.files_send(self.svc._head(204, [], 0))
            return True
        if req.method != "PUT":
            raise fs.FileRefused(405, "bad_request", f"{req.method} is not served on {req.path}")
        return await self._append(conn, reader, req, actor, uid, peer)

    async def _create(self, conn: FilesConnection, req: _Request, actor: Actor) -> bool:
        if req.headers.get("content-length", "0") != "0" or "transfer-encoding" in req.headers:
            raise fs.FileRefused(400, "bad_request", "POST /files/uploads takes no body: say the file's size "
                                                     "in Upload-Length, then PUT its bytes")
        try:
            length = int(req.headers.get("upload-length", ""))
            if length < 0:
                raise ValueError
        except ValueError:
            raise fs.FileRefused(400, "bad_request", "send the file's size: Upload-Length: BYTES") from None
        if length == 0:
            raise fs.invalid("empty", fs.EMPTY)
        if length > self.limits.largest:
            raise fs.too_large(length, self.limits.largest)
        cid = req.query.get("case") or None
        if cid is not None:
            await self.svc._case_for_upload(actor, cid)
        sha = (req.query.get("sha256") or "").lower() or None
        if sha is not None and not fs.ID_PATTERN.fullmatch(sha):
            raise fs.FileRefused(400, "bad_request", "sha256 must be 64 hex digits")
        loop = asyncio.get_running_loop()
        mine = await loop.run_in_executor(None, self._count_sessions, actor.name)
        if mine >= SESSIONS_PER_ACCOUNT:
            raise fs.FileRefused(429, "busy", f"this account has {mine} unfinished uploads; finish or abandon "
                                              "one (DELETE /files/uploads/ID)")
        uid = secrets.token_hex(16)
        info = {"user": actor.name, "length": length, "name": fs.clean_name(req.query.get("name")), "case": cid,
                "sha256": sha, "created": time.time()}

        def make() -> None:
            self.sweep_uploads()
            part, meta = self._session_paths(uid)
            part.touch()
            meta.write_text(json.dumps(info), encoding="utf-8")
        try:
            await loop.run_in_executor(None, make)
        except OSError as e:
            raise fs.FileRefused(503, "unavailable", f"the server cannot store files now ({e.strerror or e}); "
                                                     "nothing was stored") from None
        self._hashes[uid] = (0, hashlib.sha256())
        await conn.files_send(self.svc._json(201, {"upload": uid, "offset": 0, "length": length,
                                               "url": f"/files/uploads/{uid}"}))
        return True

    def _count_sessions(self, user: str) -> int:
        n = 0
        with contextlib.suppress(OSError):
            for meta in self.upload_dir.glob("*.json"):
                with contextlib.suppress(OSError, ValueError):
                    info = json.loads(meta.read_text(encoding="utf-8"))
                    n += info.get("user") == user and not info.get("done")
        return n

    async def _append(self, conn: FilesConnection, reader, req: _Request, actor: Actor, uid: str, peer: str) -> bool:
        loop = asyncio.get_running_loop()
        info = await loop.run_in_executor(None, self._load, uid, actor)
        total, offset = info["length"], info["offset"]
        if info.get("done"):
            raise fs.FileRefused(409, "conflict", f"this upload is finished: it is file {info['done']} "
                                                  "(HEAD tells it in Upload-File)")
        if "transfer-encoding" in req.headers or "content-length" not in req.headers:
            raise fs.FileRefused(411, "length_required", "send the bytes with a Content-Length (no chunked body)")
        try:
            count = int(req.headers["content-length"])
        except ValueError:
            raise fs.FileRefused(400, "bad_request", "Content-Length is not a number of bytes") from None
        rng = RANGE.fullmatch(req.headers.get("content-range", "").strip())
        if rng is None:
            raise fs.FileRefused(400, "bad_request", f"send Content-Range: bytes {offset}-{total - 1}/{total}")
        start, end, whole = (int(x) for x in rng.groups())
        if whole != total or end < start or end >= total or end - start + 1 != count:
            raise fs.FileRefused(400, "bad_request", f"Content-Range must be bytes START-END/{total} with "
                                                     "Content-Length END-START+1")
        if start != offset:
            # the client's idea of where it stopped is not the server's: it asks (HEAD) and goes on from there
            raise fs.FileRefused(409, "conflict", f"the server holds {offset} bytes of this upload: "
                                                  f"send from byte {offset} (HEAD tells the offset)")
        if uid in self._sending:
            raise fs.FileRefused(409, "conflict", "another request is sending this upload now")
        if offset == 0 and count < min(fs.SNIFF, total):
            raise fs.FileRefused(400, "bad_request", f"send at least the first {min(fs.SNIFF, total)} bytes "
                                                     "in the first request (they tell the file's type)")
        uploads = self.svc._uploads
        lim = self.limits
        if uploads.get(actor.name, 0) >= lim.uploads_per_account or sum(uploads.values()) >= lim.uploads_total:
            raise fs.FileRefused(429, "busy", "too many uploads are under way; send it again shortly")
        if req.headers.get("expect", "").lower() == "100-continue":
            await conn.files_send(b"HTTP/1.1 100 Continue\r\n\r\n")
        part, _meta = self._session_paths(uid)
        if offset:
            log.info("%s (%s) from %s goes on with upload %s from byte %d of %d", actor.name, actor.role, peer,
                     uid[:8], offset, total)
        uploads[actor.name] = uploads.get(actor.name, 0) + 1
        self._sending[uid] = asyncio.Event()
        try:
            head = b""
            if offset == 0:
                try:
                    head, _kind, _mime = await self.svc._sniff(reader, total)
                except fs.FileRefused:            # not a file this server takes: the upload ends here
                    await loop.run_in_executor(None, self._drop, uid)
                    raise
            known = self._hashes.get(uid)
            if known is not None and known[0] == offset:
                h = known[1]
            else:                               # (a restarted server: the bytes so far, hashed again)
                h = await loop.run_in_executor(None, _hash_of, part)
            f = await self.svc._open_part(part, "ab", peer)
            try:
                try:
                    await self.svc._read_into(conn, f, h, head, count)
                finally:
                    await loop.run_in_executor(None, f.close)
                    got = await loop.run_in_executor(None, lambda: part.stat().st_size)
                    self._hashes[uid] = (got, h)
            except OSError as e:
                log.error("could not store an upload from %s: %s", peer, e)
                raise fs.FileRefused(503, "unavailable", f"the server cannot store files now "
                                                         f"({e.strerror or e})") from None
            if got < total:
                await conn.files_send(self.svc._json(200, {"upload": uid, "offset": got, "length": total}))
                return True
            return await self._complete(conn, actor, uid, info, h.hexdigest(), peer)
        finally:
            ended = self._sending.pop(uid, None)
            if ended is not None:
                ended.set()
            left = uploads.get(actor.name, 1) - 1
            if left > 0:
                uploads[actor.name] = left
            else:
                uploads.pop(actor.name, None)

    async def _complete(self, conn: FilesConnection, actor: Actor, uid: str, info: dict, file_id: str,
                        peer: str) -> bool:
        """The last byte is in: the whole is checked and stored as a one-request upload is."""
        loop = asyncio.get_running_loop()
        part, _meta_path = self._session_paths(uid)
        self._hashes.pop(uid, None)
        try:
            if info.get("sha256") and info["sha256"] != file_id:
                raise fs.FileRefused(422, "mismatch", "the bytes received are not the file announced (its SHA-256 "
                                                      "differs): nothing was stored; send it again from the start")
            with open(part, "rb") as f:
                head = f.read(fs.SNIFF)
            kind_type = fs.sniff(head)
            if kind_type is None:
                raise fs.FileRefused(415, "unsupported_type", fs.UNSUPPORTED)
            kind, mime = kind_type
            self.svc._check_size(kind, info["length"])
            meta, created = await self.svc._store(part, file_id, kind, mime, info["length"], info.get("name") or "",
                                              actor, info.get("case"), peer)
        except BaseException:
            await loop.run_in_executor(None, self._drop, uid)
            raise
        # the session is kept as finished (its bytes are the file now): a client that lost this
        # answer (a dropped connection, a reloaded page) asks HEAD and learns the file's id
        await loop.run_in_executor(None, self._finished, uid, info, file_id)
        log.info("%s (%s) from %s finished resumable upload %s as %s (%s, %d bytes)", actor.name, actor.role, peer,
                 uid[:8], file_id[:12], kind, info["length"])
        await conn.files_send(self.svc._stored_answer(meta, created))
        return True

    def _finished(self, uid: str, info: dict, file_id: str) -> None:
        part, meta = self._session_paths(uid)
        with contextlib.suppress(OSError):
            part.unlink()
        with contextlib.suppress(OSError):
            meta.write_text(json.dumps({**info, "done": file_id, "finished": time.time()}), encoding="utf-8")

    def _drop(self, uid: str) -> None:
        self._hashes.pop(uid, None)
        for p in self._session_paths(uid):
            with contextlib.suppress(OSError):
                p.unlink()


def _hash_of(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h
