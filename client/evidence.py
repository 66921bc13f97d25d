"""Evidence on the cockpit's side, without Qt: thumbnails kept in the local cache (so a case
detail shows them offline), originals and previews downloaded beside it, and the upload
queue: files the operator attached wait in it like commands in the outbox and go out
exactly once (docs/protocol.md, "Evidence"; the HTTP client is `client/files.py`).

An upload is two steps, each idempotent: the bytes (`POST /files`, content-addressed: the
same bytes again store nothing; `HEAD /files/ID` skips them when the server has them), then
the command `case.attach` with a command id chosen when the operator attached the file and
kept with it, through the link's own outbox (a resend is acknowledged with the same seq).
The queue's rows are in the local cache file (tables `evidence_uploads`, `evidence_thumbs`)
and the bytes in a spool folder beside it, copied when the operator attaches them (a
pasted image has no file; a file may be moved or deleted after it is attached), so a
cockpit that is closed or crashes with uploads waiting sends them when it is back.

Every database and file operation runs on this module's own thread; the coroutines run on
the link's loop (qasync's in the cockpit).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, LargeBinary, String, Text, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from .cache import cache_engine
from .files import FileClient, FileError

log = logging.getLogger("xiaonao.evidence")

THUMBS_KEPT = 5000                 # thumbnails kept in the cache file (~25 KB each: ~120 MB at most)
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # seconds between tries of an upload the server could not take now
HELD_BEHIND_UPLOADS = frozenset({"case.feedback", "case.close"})
RESUMABLE_FROM = 256 * 1024        # files from this size go as resumable uploads (smaller: one request)
# an upload refused for one of these is not tried again (the operator must choose another file)
FINAL_CODES = frozenset({"too_large", "unsupported_type", "invalid", "forbidden", "not_found", "gone",
                         "bad_request", "length_required"})
LABELS = ("before", "after", "alert-frame", "document")
# waiting (for the link) -> uploading (the bytes) -> attaching (case.attach sent) -> sent (acknowledged)
#                        \-> refused (code, message): stays until the operator dismisses it (-> dismissed)
STATUSES = ("waiting", "uploading", "attaching", "sent", "refused")
_SAFE = re.compile(r"[^0-9A-Za-z._\-\u4e00-\u9fff]+")


class Base(DeclarativeBase):
    pass


class UploadRow(Base):
    __tablename__ = "evidence_uploads"
    order: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(80), unique=True)       # the case.attach command's id
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    sha: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    spool: Mapped[str] = mapped_column(Text)                      # the copy of the bytes
    created: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[str | None] = mapped_column(Text)                # the server's answer to the upload
    resume: Mapped[str | None] = mapped_column(String(40))        # the server's resumable upload id
    details: Mapped[str | None] = mapped_column(Text)             # a refusal's details (JSON: too_large's limit, …)


class ThumbRow(Base):
    __tablename__ = "evidence_thumbs"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)    # "<attachment id>:<rendition>"
    body: Mapped[bytes] = mapped_column(LargeBinary)
    used: Mapped[float] = mapped_column(Float, index=True)


def _row(r: UploadRow) -> dict:
    return {"id": r.id, "case_id": r.case_id, "label": r.label, "name": r.name, "note": r.note, "sha": r.sha,
            "size": r.size, "spool": r.spool, "created": r.created, "status": r.status, "code": r.code,
            "message": r.message, "meta": json.loads(r.meta) if r.meta else None, "resume": r.resume,
            "details": json.loads(r.details) if r.details else None, "progress": 0.0}


class EvidenceStore:
    """The cache file's evidence tables (synchronous: call on the evidence thread)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.engine = cache_engine(self.path, busy_ms=5000)    # the session's cache thread writes the same file

        Base.metadata.create_all(self.engine)
        with self.engine.begin() as c:          # a cache file from before resumable uploads
            cols = {r[1] for r in c.exec_driver_sql("PRAGMA table_info(evidence_uploads)")}
            if "resume" not in cols:
                c.exec_driver_sql("ALTER TABLE evidence_uploads ADD COLUMN resume VARCHAR(40)")
            if "details" not in cols:
                c.exec_driver_sql("ALTER TABLE evidence_uploads ADD COLUMN details TEXT")

    def close(self) -> None:
        self.engine.dispose()

    def uploads(self) -> list[dict]:
        with Session(self.engine) as s:
            return [_row(r) for r in s.scalars(select(UploadRow).order_by(UploadRow.order))]

    def add_upload(self, row: dict) -> None:
        with Session(self.engine) as s, s.begin():
            s.add(UploadRow(id=row["id"], case_id=row["case_id"], label=row["label"], name=row["name"],
                            note=row["note"], sha=row["sha"], size=row["size"], spool=row["spool"],
                            created=row["created"], status=row["status"]))

    def set_upload(self, cid: str, **kw: Any) -> None:
        for k in ("meta", "details"):
            if kw.get(k) is not None:
                kw[k] = json.dumps(kw[k], ensure_ascii=False)
        with Session(self.engine) as s, s.begin():
            r = s.scalars(select(UploadRow).where(UploadRow.id == cid)).first()
            if r is not None:
                for k, v in kw.items():
                    setattr(r, k, v)

    def remove_upload(self, cid: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(UploadRow).where(UploadRow.id == cid))

    def get_thumb(self, key: str) -> bytes | None:
        with Session(self.engine) as s:
            r = s.get(ThumbRow, key)
            return bytes(r.body) if r is not None else None

    def get_thumbs(self, keys: list[str]) -> dict[str, bytes]:
        """Many at once (a case detail's fifty thumbnails: one query)."""
        out: dict[str, bytes] = {}
        with Session(self.engine) as s:
            for i in range(0, len(keys), 500):
                for r in s.scalars(select(ThumbRow).where(ThumbRow.key.in_(keys[i:i + 500]))):
                    out[r.key] = bytes(r.body)
        return out

    def put_thumb(self, key: str, body: bytes) -> None:
        with Session(self.engine) as s, s.begin():
            r = s.get(ThumbRow, key)
            if r is None:
                s.add(ThumbRow(key=key, body=body, used=time.time()))
            else:
                r.body, r.used = body, time.time()
            n = s.scalar(select(func.count()).select_from(ThumbRow)) or 0
            if n > THUMBS_KEPT:                 # the least recently fetched go first
                old = select(ThumbRow.key).order_by(ThumbRow.used).limit(n - THUMBS_KEPT)
                s.execute(delete(ThumbRow).where(ThumbRow.key.in_(old)))


class EvidenceListener:
    """Callbacks of Evidence, on the loop's thread."""

    def on_upload(self, row: dict) -> None:
        """An upload was queued or its fate changed (`status`, `progress`, `code`, `message`)."""


def _spool_copy(source: str | Path | bytes, spool_dir: Path) -> tuple[str, int, Path]:
    """Copy what the operator attached into the spool, hashing on the way (evidence thread)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    tmp = spool_dir / f".{uuid.uuid4().hex}.part"
    h = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as out:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            h.update(data)
            out.write(data)
            size = len(data)
        else:
            with open(source, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    sha = h.hexdigest()
    final = spool_dir / sha
    os.replace(tmp, final)
    return sha, size, final


class Evidence:
    """Thumbnails, originals and the upload queue of one link (a `client.session.ServerLink`,
    or anything with `url`, `token`, `ssl`, `status.state`, `outbox` and `submit`)."""

    def __init__(self, link, cache_path: str | Path | None = None, listener: EvidenceListener | None = None,
                 files: FileClient | None = None, clock: Callable[[], float] = time.monotonic):
        self.link = link
        self.listener = listener or EvidenceListener()
        self.files = files or FileClient(link.url, token=lambda: link.token, ssl=link.ssl)
        self.clock = clock
        self._cache_path = Path(cache_path) if cache_path else None
        base = self._cache_path.parent if self._cache_path else Path(os.environ.get("TMPDIR", "/tmp"))
        stem = self._cache_path.name if self._cache_path else f"xiaonao-evidence-{os.getpid()}"
        self.spool_dir = base / (stem + ".uploads")       # bytes waiting to go out
        self.files_dir = base / (stem + ".files")         # originals and previews fetched
        self.store: EvidenceStore | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-evidence")
        self.uploads: dict[str, dict] = {}                # command id -> row, in the order attached
        self._thumbs: dict[str, bytes] = {}               # this session's, when there is no cache file
        self._fetching: dict[str, asyncio.Future] = {}
        self._wake = asyncio.Event()
        self._stopped = False
        self._retry_at = 0.0
        self._opened = False
        self._ready = asyncio.Event()            # the cache's tables are open (or there are none)
        self._tasks: set[asyncio.Future] = set()

    def _keep(self, coro) -> None:
        """Run a coroutine beside the current one, holding a reference until it ends."""
        t = asyncio.ensure_future(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    # ---- lifecycle ------------------------------------------------------------------
    async def open(self) -> None:
        """Read the queue left by an earlier run (after the link has read its outbox)."""
        if self._opened:
            return
        self._opened = True
        if self._cache_path is not None:
            if self._stopped:        # the cockpit closed before the link got this far (a --screenshot run)
                return
            try:
                self.store = await self._call(EvidenceStore, self._cache_path)
                rows = await self._call(self.store.uploads)
            except Exception:        # the cockpit works on without it; uploads are kept in memory
                if self._stopped:    # closed meanwhile: the executor is gone, nothing was read or written
                    return
                log.exception("could not open the evidence tables of the local cache")
                self.store, rows = None, []
            for r in rows:
                if r["status"] == "sent":
                    continue
                if r["status"] == "uploading":       # interrupted: it goes on from the server's offset
                    r["status"] = "waiting"
                cmd = self.link.outbox.get(r["id"]) if hasattr(self.link.outbox, "get") else None
                if r["status"] == "attaching" and cmd and cmd.get("status") == "refused":
                    r.update(status="refused", code=cmd.get("code"), message=cmd.get("message"))   # while closed
                self.uploads[r["id"]] = r
                self.listener.on_upload(dict(r))
        self._ready.set()
        self._wake.set()

    async def _opening(self) -> None:
        """Wait for open() (a detail shown while the link still reads its cache)."""
        if self._cache_path is not None and not self._ready.is_set():
            await self._ready.wait()

    async def close(self) -> None:
        self._stopped = True
        self._ready.set()
        self._wake.set()
        with contextlib.suppress(Exception):
            await self.files.close()
        if self.store is not None:
            await self._call(self.store.close)
        self._io.shutdown(wait=True)

    def wake(self) -> None:
        """The link changed (online again): try what waits."""
        self._retry_at = 0.0
        self._wake.set()

    # ---- thumbnails and originals ----------------------------------------------------
    async def thumbnail(self, att: dict, case_id: str, rendition: str = "thumb") -> bytes:
        """The thumbnail (or preview) of an attachment: from the local cache when it has it
        (offline too), else from the server, then kept. Raises FileError."""
        key = f"{att['id']}:{rendition}"
        if key in self._thumbs:
            return self._thumbs[key]
        await self._opening()
        if self.store is not None:
            body = await self._call(self.store.get_thumb, key)
            if body is not None:
                return body
        fut = self._fetching.get(key)
        if fut is None:                     # one request however many views ask at once
            fut = asyncio.ensure_future(self._fetch_thumb(att["id"], case_id, rendition, key))
            self._fetching[key] = fut
            fut.add_done_callback(lambda _f: self._fetching.pop(key, None))
        return await asyncio.shield(fut)

    async def thumbnails_cached(self, att_ids: list[str], rendition: str = "thumb") -> dict[str, bytes]:
        """What the local cache holds of these attachments' thumbnails, in one read."""
        keys = [f"{i}:{rendition}" for i in att_ids]
        await self._opening()
        out = {k.split(":")[0]: self._thumbs[k] for k in keys if k in self._thumbs}
        if self.store is not None:
            got = await self._call(self.store.get_thumbs, [k for k in keys if k not in self._thumbs])
            out.update({k.split(":")[0]: v for k, v in got.items()})
        return out

    async def _fetch_thumb(self, att_id: str, case_id: str, rendition: str, key: str) -> bytes:
        body = await self.files.fetch(att_id, case_id=case_id, rendition=rendition)
        if self.store is not None:
            try:
                await self._call(self.store.put_thumb, key, body)
            except Exception as e:           # disk full: shown now, fetched again next time
                log.warning("could not keep thumbnail %s in the local cache: %s", key, e)
                self._thumbs[key] = body
        else:
            self._thumbs[key] = body
        return body

    def local_original(self, att: dict, rendition: str = "original") -> Path | None:
        """The file already on this computer (fetched before, or the operator's own upload)."""
        p = self._local_path(att, rendition)
        if p.exists():
            return p
        if rendition == "original":
            spooled = self.spool_dir / str(att["id"])
            if spooled.exists():
                return spooled
        return None

    def _local_path(self, att: dict, rendition: str) -> Path:
        name = _SAFE.sub("_", str(att.get("name") or ""))[-80:].lstrip(".") or "file"
        return self.files_dir / str(att["id"]) / (name if rendition == "original" else f"{rendition}.jpg")

    async def original(self, att: dict, case_id: str, rendition: str = "original",
                       progress: Callable[[int, int], None] | None = None) -> Path:
        """The original (or its preview) as a local file, downloaded once. Raises FileError."""
        have = self.local_original(att, rendition)
        if have is not None:
            return have
        dest = self._local_path(att, rendition)
        await self._call(lambda: dest.parent.mkdir(parents=True, exist_ok=True))
        key = f"{att['id']}:{rendition}:file"
        fut = self._fetching.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self.files.download(att["id"], dest, case_id=case_id, rendition=rendition,
                                                            progress=progress))
            self._fetching[key] = fut
            fut.add_done_callback(lambda _f: self._fetching.pop(key, None))
        return Path(await asyncio.shield(fut))

    # ---- the upload queue -------------------------------------------------------------
    async def attach(self, case_id: str, label: str, source: str | Path | bytes, name: str | None = None,
                     note: str = "", cid: str | None = None) -> dict:
        """Queue a file for a case: copied into the spool and kept in the cache before this
        returns; it goes out when the link is online. Returns its row (`id`: the command id)."""
        if label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}")
        if name is None:
            name = Path(source).name if not isinstance(source, (bytes, bytearray, memoryview)) else "pasted.png"
        sha, size, spooled = await self._call(_spool_copy, source, self.spool_dir)
        row = {"id": cid or str(uuid.uuid4()), "case_id": case_id, "label": label, "name": name[:200],
               "note": note, "sha": sha, "size": size, "spool": str(spooled), "created": time.time(),
               "status": "waiting", "code": None, "message": None, "meta": None, "details": None,
               "progress": 0.0}
        if self.store is not None:
            try:
                await self._call(self.store.add_upload, row)
            except Exception as e:
                log.warning("could not keep upload %s in the local cache: %s", row["id"], e)
                row["unsaved"] = True
        self.uploads[row["id"]] = row
        self.listener.on_upload(dict(row))
        self._wake.set()
        return row

    def hold_reason(self, command: dict) -> str | None:
        """Why a command must wait (None: it may go): a case's feedback or close waits for the
        files attached to that case that are not on it yet (waiting, uploading, attaching),
        so it never overtakes the 'after' photo its closing rule needs. The names of those files."""
        if command.get("name") not in HELD_BEHIND_UPLOADS:
            return None
        cid = (command.get("args") or {}).get("case_id")
        names = [r["name"] for r in self.uploads.values()
                 if r["case_id"] == cid and r["status"] in ("waiting", "uploading", "attaching")]
        return ", ".join(names) if names else None

    def pending(self, case_id: str | None = None) -> list[dict]:
        """Uploads not yet acknowledged (and refused ones until dismissed), in order."""
        return [dict(r) for r in self.uploads.values() if case_id is None or r["case_id"] == case_id]

    async def dismiss(self, cid: str) -> None:
        """Forget a refused upload once the operator has seen it."""
        row = self.uploads.pop(cid, None)
        if row is None:
            return
        self.listener.on_upload(dict(row, status="dismissed"))
        self._release()
        if self.store is not None:
            await self._call(self.store.remove_upload, cid)
        await self._drop_spool(row)

    async def _drop_spool(self, row: dict) -> None:
        if any(r["sha"] == row["sha"] for r in self.uploads.values()):
            return                              # the same bytes wait for another case
        with contextlib.suppress(OSError):
            await self._call(os.unlink, row["spool"])

    async def _set(self, row: dict, **kw) -> None:
        row.update(kw)
        if self.store is not None and not row.get("unsaved"):
            persist = {k: v for k, v in kw.items() if k in ("status", "code", "message", "meta", "resume", "details")}
            if persist:
                try:
                    await self._call(lambda: self.store.set_upload(row["id"], **persist))
                except Exception as e:
                    log.warning("could not note upload %s in the local cache: %s", row["id"], e)
        self.listener.on_upload(dict(row))
        if kw.get("status") in ("sent", "refused"):
            self._release()

    def _release(self) -> None:
        release = getattr(self.link, "release_held", None)
        if release is not None:
            release()

    def command_result(self, cid: str, outcome: str, detail: dict) -> None:
        """The link's word on a command: a `case.attach` of ours acknowledged or refused."""
        row = self.uploads.get(cid)
        if row is None or outcome == "pending":
            return
        asyncio.ensure_future(self._attached(row, outcome, detail))

    async def _attached(self, row: dict, outcome: str, detail: dict) -> None:
        if outcome == "acked":
            self.uploads.pop(row["id"], None)
            await self._keep_original(row)
            await self._set(row, status="sent")
            if self.store is not None:
                with contextlib.suppress(Exception):
                    await self._call(self.store.remove_upload, row["id"])
        else:
            await self._set(row, status="refused", code=detail.get("code") or "refused",
                            message=detail.get("message") or "", details=None)

    async def _keep_original(self, row: dict) -> None:
        """The sent bytes become the cached original: the viewer opens them without a download."""
        att = {"id": row["sha"], "name": row["name"]}
        dest = self._local_path(att, "original")

        def move():
            if dest.exists() or not os.path.exists(row["spool"]):
                return
            dest.parent.mkdir(parents=True, exist_ok=True)
            if any(r["sha"] == row["sha"] for r in self.uploads.values()):
                shutil.copyfile(row["spool"], dest)
            else:
                os.replace(row["spool"], dest)
        with contextlib.suppress(OSError):
            await self._call(move)

    def _online(self) -> bool:
        return getattr(self.link.status, "state", "") == "online" and bool(self.link.token)

    async def run(self) -> None:
        """Send what waits, one at a time in the order attached, while the link is online."""
        while not self._stopped:
            await self._wake.wait()
            self._wake.clear()
            while not self._stopped and self._online():
                wait = self._retry_at - self.clock()
                if wait > 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
                    self._wake.clear()
                    continue
                row = next((r for r in self.uploads.values() if r["status"] in ("waiting", "uploading")
                            or (r["status"] == "attaching" and r["id"] not in self.link.outbox
                                and not r.get("submitted"))), None)
                if row is None:
                    break
                await self._send(row)

    async def _send(self, row: dict) -> None:
        attempt = row.get("attempt", 0)
        try:
            if row["status"] != "attaching":
                await self._set(row, status="uploading", code=None, message=None, details=None, progress=0.0)
                meta = row.get("meta")
                if not meta:
                    if await self.files.has(row["sha"]):
                        meta = {"id": row["sha"]}
                    else:
                        def progress(sent: int, total: int) -> None:
                            before = int(100 * row.get("progress", 0.0))
                            row["progress"] = sent / total if total else 1.0
                            if int(100 * row["progress"]) != before:      # a word per percent, not per chunk
                                self.listener.on_upload(dict(row))
                        if row["size"] >= RESUMABLE_FROM:
                            # an interruption loses nothing sent: the next try goes on from the
                            # server's offset (the session id is kept with the row)
                            def keep(uid: str) -> None:
                                row["resume"] = uid
                                self._keep(self._set(row, resume=uid))
                            meta = await self.files.upload_resumable(
                                row["spool"], name=row["name"], case_id=row["case_id"], sha256=row["sha"],
                                upload_id=row.get("resume"), on_session=keep, progress=progress)
                        else:
                            meta = await self.files.upload(row["spool"], name=row["name"],
                                                           case_id=row["case_id"], progress=progress)
                    if meta.get("id") != row["sha"]:
                        raise FileError(0, "invalid", "the server stored other bytes than were sent")
                await self._set(row, status="attaching", meta=meta, progress=1.0)
            args = {"case_id": row["case_id"], "attachment": row["sha"], "label": row["label"]}
            if row.get("note"):
                args["note"] = row["note"]
            row["submitted"] = True
            await self.link.submit("case.attach", args, row["id"])
            row.pop("attempt", None)
        except FileError as e:
            if e.code == "mismatch":            # the server's copy went wrong: from the start next time
                row["resume"] = None
                await self._set(row, resume=None)
            if e.code in FINAL_CODES:
                await self._set(row, status="refused", code=e.code, message=e.message, details=e.details or None)
                return
            # unreachable, busy, unavailable, or a token the link is renewing: later, backing off
            row["attempt"] = attempt + 1
            self._retry_at = self.clock() + min(RETRY_MAX, RETRY_FIRST * 2 ** attempt)
            await self._set(row, status="waiting", code=e.code, message=e.message)
        except OSError as e:                    # the spooled copy is gone (disk trouble)
            await self._set(row, status="refused", code="missing", message=str(e))
