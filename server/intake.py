"""Intake from other systems: `xiaonao-server import FILE` (JSON lines or CSV).

Each row becomes a `case.report` under an intake role, through the same checks as any
client. Command ids come from the file's content and the row number, so importing the
same file twice reports nothing twice. Headers may be English or the Chinese column names
of a 12345-hotline export.

The file is streamed (constant memory: a row at a time, a bounded window of reports in
flight), its encoding detected (UTF-8 with or without BOM, UTF-16 with or without BOM,
GB18030/GBK), and every bad row (undecodable bytes, a huge field or line, JSON nested too
deeply, wrong types, what the server refuses) is reported with its reason while the rest
goes on. `--server ws://…` sends the rows through the running server as an intake account,
so every console sees them live; `--db` writes the database directly and refuses while a
server holds it.

A former system's cases come with their history: a row with a status (`status`/状态:
closed words such as 已办结, open ones such as 处理中), the time it was reported
(`reported_at`/受理时间) and, when closed, the time it was closed (`closed_at`/办结时间) and
how (`resolution`/办理结果) becomes a report with `history` (docs/protocol.md): a closed one
is closed as of that time, so a case closed long ago goes straight to the server's archive
(found by its search, not kept in memory); an open one keeps its SLA clock from the time it
was reported. Times without a zone are China's (UTC+8).
"""
from __future__ import annotations

import asyncio
import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import orjson

from models.commands import FIELD_LIMITS, TEXT_LIMIT, Actor, CommandError
from models.timeutil import iso

HEADER_ALIASES = {
    "标题": "title", "事件标题": "title", "类别": "category", "分类": "category", "事件类别": "category",
    "来源": "source", "渠道": "source", "优先级": "priority", "紧急程度": "priority", "地址": "address",
    "事发地址": "address", "网格": "grid", "片区": "area", "描述": "description", "内容": "description",
    "诉求内容": "description", "联系人": "reporter_name", "来电人": "reporter_name", "联系电话": "reporter_phone",
    "来电号码": "reporter_phone", "商户": "business", "涉及商户": "business",
    "附件": "attachments", "图片": "attachments", "照片": "attachments",
    # a former system's history (the case as it stands there: its status, when it was
    # reported and when it was closed, and how)
    "状态": "status", "办理状态": "status", "工单状态": "status", "受理时间": "reported_at",
    "来电时间": "reported_at", "登记时间": "reported_at", "上报时间": "reported_at", "called_at": "reported_at",
    "办结时间": "closed_at", "结案时间": "closed_at", "办结日期": "closed_at", "办理结果": "resolution",
    "处理结果": "resolution", "办结意见": "resolution",
}
CLOSED_WORDS = frozenset({"closed", "已办结", "办结", "已结案", "结案", "已完成", "完成", "已关闭", "关闭"})
OPEN_WORDS = frozenset({"open", "new", "待处理", "处理中", "办理中", "未办结", "受理", "已受理", "待受理"})
_WIRE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LOCAL_TZ = timezone(timedelta(hours=8))     # a time without a zone in an export is China's (UTC+8)
CATEGORY_ALIASES = {"纠纷": "dispute", "矛盾纠纷": "dispute", "城市管理": "city_management", "城管": "city_management",
                    "市场监管": "market", "消防": "fire", "消防安全": "fire", "治安": "public_security",
                    "社会治安": "public_security", "交通": "traffic", "公共服务": "public_service",
                    "环境": "environment", "生态环境": "environment", "应急": "emergency"}
SOURCE_ALIASES = {"12345热线": "12345", "热线": "12345", "网格员": "grid", "网格": "grid", "视频": "video",
                  "城市眼": "video", "巡查": "patrol", "传感器": "sensor", "来访": "walk_in", "扫码": "qrcode"}


MAX_FIELD = 65_536            # characters in one CSV field (a longer one is a bad row)
MAX_LINE = 262_144            # characters in one JSON line
WINDOW = 4000                 # reports in flight to the server (a commit and the batch decided beside it, and more)
BATCH = 250                   # reports in one `commands` frame (docs/protocol.md)
CHUNK = 1 << 20


class ImportError_(Exception):
    """The file or the server cannot be used at all (not a bad row)."""


@dataclass
class ImportReport:
    """Counts, and the rejected rows as they happen (printed at once by the CLI: nothing
    grows with the file)."""
    on_rejected: Callable[[int, str], None] | None = None
    accepted: int = 0
    rejected: int = 0
    first: str | None = None      # the first and last case id (or seq) loaded
    last: str | None = None
    kept: list[tuple[int, str]] = field(default_factory=list)   # rejected rows, when nobody prints them
    encoding: str = ""

    def reject(self, row: int, why: str) -> None:
        self.rejected += 1
        if self.on_rejected:
            self.on_rejected(row, why)
        elif len(self.kept) < 10_000:
            self.kept.append((row, why))

    def accept(self, ref: str) -> None:
        self.accepted += 1
        if self.first is None:
            self.first = ref
        self.last = ref

    def summary(self) -> str:
        span = f" ({self.first} to {self.last})" if self.accepted else ""
        return f"loaded {self.accepted} case(s){span}; rejected {self.rejected} row(s)"

    def lines(self) -> list[str]:
        return [f"row {row}: rejected: {why}" for row, why in self.kept] + [self.summary()]


# ---- reading the file ------------------------------------------------------------

def sniff(path: str | Path) -> tuple[str, str]:
    """(encoding, content digest) in one pass over the file, a chunk at a time. UTF-8 when
    its multi-byte sequences are nearly all valid (a few bad bytes in a UTF-8 file are bad
    rows, not a reason to read the whole file as GB18030), else GB18030."""
    h = hashlib.sha1()
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    wide = bad = 0
    first = b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if not first:
                first = chunk[:4096]
                if first.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(first):
                    h.update(chunk)
                    while more := f.read(CHUNK):    # (hashing only; decoded as UTF-16 below)
                        h.update(more)
                    break
            h.update(chunk)
            text = utf8.decode(chunk)
            if not text.isascii():
                bad += text.count("\ufffd")
                wide += len(text) - len(text.encode("ascii", "ignore"))     # (characters beyond ASCII)
    digest = h.hexdigest()[:12]
    if first.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", digest
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", digest
    if _looks_utf16(first):
        return ("utf-16-le" if first[1::2].count(0) > first[0::2].count(0) else "utf-16-be"), digest
    if bad == 0 or bad * 20 < wide - bad:
        return "utf-8", digest
    return "gb18030", digest          # GBK's superset; what still fails decodes as U+FFFD: a bad row


def _looks_utf16(b: bytes) -> bool:
    """UTF-16 without a BOM: text in UTF-8 or GB18030 has no NUL byte at all, UTF-16 has one
    beside every ASCII character (digits, commas, line ends), on one side only."""
    if len(b) < 8:
        return False
    even, odd = b[0::2].count(0), b[1::2].count(0)
    return max(even, odd) >= 4 and min(even, odd) * 10 <= max(even, odd)


def _open_text(path: str | Path, encoding: str) -> io.TextIOWrapper:
    return open(path, encoding=encoding, errors="replace", newline="")


def iter_rows(path: str | Path, encoding: str) -> Iterator[tuple[int, dict | str]]:
    """(row number, report args or why the row cannot be read), a row at a time."""
    bad_text = f"the row holds bytes that are not valid {encoding} text"
    with _open_text(path, encoding) as f:
        if Path(path).suffix.lower() in (".jsonl", ".ndjson", ".json"):
            n = 0
            while True:
                line = f.readline(MAX_LINE + 1)
                if not line:
                    break
                n += 1
                if len(line) > MAX_LINE and not line.endswith("\n"):
                    while (rest := f.readline(MAX_LINE)) and not rest.endswith("\n"):
                        pass
                    yield n, f"the line is longer than {MAX_LINE} characters"
                    continue
                if not line.strip():
                    continue
                if "\ufffd" in line:
                    yield n, bad_text
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as e:
                    why = str(e).split(":")[0]
                    if "recursion" in str(e).lower():
                        why = "nested too deeply"
                    yield n, f"not valid JSON ({why})"
                    continue
                if not isinstance(obj, dict):
                    yield n, "a row must be a JSON object"
                    continue
                yield n, _checked(obj)
            return
        csv.field_size_limit(MAX_FIELD)
        reader = csv.reader(f, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise ImportError_(f"the CSV header cannot be read: {e}") from None
        keys = [HEADER_ALIASES.get(k.strip().lstrip("\ufeff"), k.strip().lstrip("\ufeff")) for k in header]
        n = 1
        while True:
            n += 1
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                msg = str(e)
                if "field larger" in msg:
                    msg = f"a field is longer than {MAX_FIELD} characters"
                yield n, f"not valid CSV ({msg})"
                continue
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if any("\ufffd" in v for v in rec):
                yield n, bad_text
                continue
            yield n, _checked({k: v.strip() for k, v in zip(keys, rec) if k})


def _checked(obj: dict) -> dict | str:
    try:
        args = _to_args(obj)
    except BadRow as e:
        return str(e)
    except Exception as e:  # any shape of bad row: reported, never the end of the import
        return f"the row cannot be read ({e.__class__.__name__})"
    res = (args.get("history") or {}).get("resolution")
    if isinstance(res, str) and len(res) > TEXT_LIMIT:
        return f"'resolution' is longer than {TEXT_LIMIT} characters"
    for key, value in (("title", args.get("title")), ("description", args.get("description")),
                       ("business", args.get("business")), ("address", args["location"].get("address"))):
        if isinstance(value, str) and len(value) > FIELD_LIMITS[key]:
            return f"'{key}' is longer than {FIELD_LIMITS[key]} characters"
    rep = args.get("reporter")
    if isinstance(rep, dict):
        for k in ("name", "phone"):
            v = rep.get(k)
            if isinstance(v, str) and len(v) > FIELD_LIMITS[f"reporter.{k}"]:
                return f"'{k}' is longer than {FIELD_LIMITS['reporter.' + k]} characters"
    return args


def _to_args(obj: dict) -> dict:
    obj = {HEADER_ALIASES.get(k, k): v for k, v in obj.items()}
    args = {k: obj[k] for k in ("title", "category", "source", "description", "business", "subtags") if obj.get(k)}
    if isinstance(args.get("category"), str):
        args["category"] = CATEGORY_ALIASES.get(args["category"], args["category"])
    if isinstance(args.get("source"), str):
        args["source"] = SOURCE_ALIASES.get(args["source"], args["source"])
    args.setdefault("source", "12345")
    pr = obj.get("priority", 3)
    try:
        args["priority"] = int(pr) if pr not in ("", None) else 3
    except (TypeError, ValueError):
        args["priority"] = pr
    loc = obj.get("location") if isinstance(obj.get("location"), dict) else {}
    loc = dict(loc)
    for k in ("address", "grid", "area"):
        if obj.get(k):
            loc[k] = obj[k]
    args["location"] = loc
    if obj.get("reporter_name") or obj.get("reporter_phone"):
        args["reporter"] = {"name": obj.get("reporter_name", ""), "phone": str(obj.get("reporter_phone", ""))}
    elif isinstance(obj.get("reporter"), (dict, str)):
        args["reporter"] = obj["reporter"]
    if obj.get("attachments"):
        args[FILES_KEY] = obj["attachments"]        # resolved against the import file's folder
    history = _history_of(obj)
    if history is not None:
        args["history"] = history
    return args


class BadRow(ValueError):
    """A row that cannot be imported, with the reason the report prints."""


def _when(value, what: str) -> str:
    """An export's time as the protocol's ISO UTC text: ISO 8601 with a zone, or a local
    `2024-05-01 08:30[:00]` (or with '/') taken as China's time (UTC+8)."""
    if isinstance(value, str) and _WIRE_TIME.fullmatch(value):
        return value                      # (already the protocol's form: most of a big export's rows)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        t = datetime.fromtimestamp(float(value), tz=timezone.utc)
    else:
        text = str(value).strip().replace("/", "-")
        try:
            t = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadRow(f"'{what}' is not a time ({str(value)[:40]!r}); write it as 2024-05-01 08:30:00") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=LOCAL_TZ)
    return iso(t.timestamp())


def _history_of(obj: dict) -> dict | None:
    """The row's `history` for the server (models/commands: a former system's case), or None
    for a plain report (no status or times in the row). A closed row needs its closed time."""
    status, reported, closed = obj.get("status"), obj.get("reported_at"), obj.get("closed_at")
    if status in (None, "") and reported in (None, "") and closed in (None, ""):
        return None
    word = str(status or "").strip().lower()
    if word and word not in CLOSED_WORDS and word not in OPEN_WORDS:
        raise BadRow(f"unknown status {str(status)[:20]!r} (closed: 已办结; open: 处理中)")
    is_closed = word in CLOSED_WORDS or (not word and closed not in (None, ""))
    if reported in (None, ""):
        raise BadRow("a row with a status or a closed time needs the time it was reported (受理时间)")
    out = {"reported_at": _when(reported, "reported_at")}
    if is_closed:
        if closed in (None, ""):
            raise BadRow("a closed row needs the time it was closed (办结时间)")
        out["closed_at"] = _when(closed, "closed_at")
        if obj.get("resolution"):
            out["resolution"] = str(obj["resolution"])
    return out


# ---- evidence files named by a row (docs/protocol.md, Evidence: Import) -------------

FILES_KEY = "_attachments"
_LABELS = ("before", "after", "alert-frame", "document")


def file_specs(value, base: Path, source: str | None) -> list[tuple[str, Path]]:
    """[(label, path)] of a row's `attachments` (CSV: separated by ';'; JSON: a list), each
    `path` or `label:path`, relative to the import file's folder (a `file:` URL-as-path too).
    Raises ValueError naming what is wrong (a path that leaves the folder, a missing file)."""
    items = value if isinstance(value, list) else str(value).split(";")
    root = base.resolve()
    out = []
    for raw in items:
        if not isinstance(raw, str) or not raw.strip():
            continue
        item = raw.strip()
        label = "alert-frame" if source in ("video", "sensor") else "document"
        head, sep, rest = item.partition(":")
        if sep and head in _LABELS:
            label, item = head, rest.strip()
        if item.startswith("file:"):
            item = unquote(item[5:])       # a URL-as-path: file:photos/1.jpg (or file:///abs/path, checked below)
            if item.startswith("//"):
                item = item[2:]
        p = (root / item).resolve()
        if p != root and root not in p.parents:
            raise ValueError(f"the file {raw.strip()!r} is outside the import file's folder")
        if not p.is_file():
            raise ValueError(f"the file {raw.strip()!r} does not exist")
        out.append((label, p))
    if len(out) > 20:
        raise ValueError("a row may name at most 20 files")
    return out


class UploadFailed(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


async def _post_file(ws_url: str, token: str, p: Path, ssl_context) -> dict:
    """POST one file to the server's /files (docs/protocol.md, Evidence), streamed from disk.
    (The server may not import the cockpit's client/files.py: this is the same request.)"""
    from urllib.parse import quote, urlsplit
    u = urlsplit(ws_url)
    tls = u.scheme == "wss"
    host, port = u.hostname or "127.0.0.1", u.port or (443 if tls else 80)
    ctx = (ssl_context or __import__("ssl").create_default_context()) if tls else None
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx), 15)
    except (OSError, asyncio.TimeoutError) as e:
        raise UploadFailed(0, f"cannot reach the server ({e})") from None
    try:
        size = p.stat().st_size
        w.write((f"POST /files?name={quote(p.name, safe='')} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 f"Authorization: Bearer {token}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n")
                .encode("latin-1"))
        loop = asyncio.get_running_loop()
        with open(p, "rb") as f:
            while chunk := await loop.run_in_executor(None, f.read, CHUNK):
                w.write(chunk)
                await w.drain()
        head = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 120)).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        length = next((int(h.split(":", 1)[1]) for h in head[1:] if h.lower().startswith("content-length:")), 0)
        body = json.loads(await asyncio.wait_for(r.readexactly(length), 30)) if length else {}
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError) as e:
        raise UploadFailed(0, f"the upload failed ({e.__class__.__name__})") from None
    finally:
        w.close()
    if status not in (200, 201):
        raise UploadFailed(status, body.get("message") or f"HTTP {status}")
    return body


async def _upload(ws_url: str, token: str, p: Path, ssl_context) -> dict:
    """Upload one file of a row; a lost connection or a busy server is tried again (the same
    bytes are stored once however often they are sent)."""
    for attempt in range(4):
        try:
            return await _post_file(ws_url, token, p, ssl_context)
        except UploadFailed as e:
            if e.status not in (0, 429, 503) or attempt == 3:
                raise
            await asyncio.sleep(0.5 * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _with_files(args: dict, ids: list[tuple[str, str]]) -> dict:
    args = {k: v for k, v in args.items() if k != FILES_KEY}
    if ids:
        args["attachments"] = [{"attachment": i, "label": label} for label, i in ids]
    return args


# ---- into the database directly ---------------------------------------------------

def import_file(db_url: str, path: str, as_user: str = "import",
                on_rejected: Callable[[int, str], None] | None = None, data_dir: str | None = None) -> ImportReport:
    return asyncio.run(_import_direct(db_url, path, as_user, on_rejected, data_dir))


def _refuse_if_served(store) -> None:
    """A direct import beside a running server would fight it for the log (81 % of the
    operators' commands failed): refuse while a server holds the database's lease."""
    holder = None
    for name in ("lease_holder", "lease_owner", "current_lease"):
        fn = getattr(store, name, None)
        if callable(fn):
            holder = fn()
            break
    if holder:
        raise ImportError_(f"a server holds this database ({holder}): import through it with "
                           "--server ws://HOST:PORT/ws --user NAME, or stop it first")


async def _import_direct(db_url: str, path: str, as_user: str, on_rejected,
                         data_dir: str | None = None) -> ImportReport:
    from .files import ContentStore, FileRefused, ingest_path
    from .http_files import default_data_dir
    from .hub import Hub
    from .store import EventStore
    encoding, digest = sniff(path)
    store = EventStore(db_url)
    report = ImportReport(on_rejected, encoding=encoding)
    try:
        await asyncio.get_running_loop().run_in_executor(None, store.check_initialised)
        await asyncio.get_running_loop().run_in_executor(None, _refuse_if_served, store)
        hub = Hub(store)
        await hub.start()
        content = ContentStore(data_dir or default_data_dir(db_url))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, content.open)

        async def stored_files(n: int, args: dict) -> dict | None:
            if FILES_KEY not in args:
                return args
            try:
                specs = file_specs(args[FILES_KEY], Path(path).parent, args.get("source"))
                ids = []
                for label, p in specs:
                    meta = await loop.run_in_executor(None, ingest_path, content, store, p, as_user)
                    ids.append((label, meta["id"]))
            except (ValueError, OSError) as e:
                report.reject(n, str(e))
                return None
            except FileRefused as e:
                report.reject(n, f"{p.name}: {e.message}")
                return None
            return _with_files(args, ids)
        case_of: dict[str, str] = {}
        hub.listeners.append(lambda evs: case_of.update(
            (e["command_id"], e["data"]["case_id"]) for e in evs if e["name"] == "case.reported"))
        actor = Actor(as_user, "intake")
        try:
            batch: list[tuple[int, str, asyncio.Future]] = []

            async def drain():
                for n, cid, fut in batch:
                    try:
                        seq = await fut
                    except CommandError as e:
                        report.reject(n, e.message)
                        continue
                    case = case_of.pop(cid, None) or await hub.run_db(_case_at, store, seq)
                    report.accept(case or f"seq {seq}")
                batch.clear()

            for n, args in iter_rows(path, encoding):
                if isinstance(args, str):
                    report.reject(n, args)
                    continue
                checked = await stored_files(n, args)
                if checked is None:
                    continue
                cid = f"import:{digest}:{n}"
                batch.append((n, cid, hub.submit(actor, "case.report", checked, cid, f"file:{path}")))
                if len(batch) >= 500:
                    await drain()
            await drain()
        finally:
            await hub.stop()
    finally:
        store.dispose()
    return report


def _case_at(store, seq: int) -> str | None:
    """The case a report acknowledged with `seq` made (a row imported before: its
    `case.reported`, or the one before a `case.merged`)."""
    for ev in reversed(store.events_after(max(0, seq - 2), seq)):
        if ev["name"] == "case.reported":
            return ev["data"]["case_id"]
    return None


# ---- through the running server ---------------------------------------------------

def import_via_server(url: str, user: str, password: str, path: str,
                      on_rejected: Callable[[int, str], None] | None = None,
                      ssl_context=None, window: int = WINDOW) -> ImportReport:
    return asyncio.run(_import_via_server(url, user, password, path, on_rejected, ssl_context, window))


async def _import_via_server(url, user, password, path, on_rejected, ssl_context, window) -> ImportReport:
    """Stream the rows to the server as `case.report` commands from `user`, `window` in
    flight; a rejected row is reported with the server's reason; `busy`/`unavailable` and a
    lost connection are retried with the same ids (idempotent: nothing twice)."""
    import websockets
    from websockets.exceptions import ConnectionClosed

    encoding, digest = sniff(path)
    report = ImportReport(on_rejected, encoding=encoding)
    rows = iter_rows(path, encoding)
    pending: dict[str, tuple[int, str]] = {}      # id -> (row, frame), in send order
    space = asyncio.Event()                       # an answer came: room in the window
    retry: list[str] = []
    done_reading = False
    attempt = 0
    kw = {"ssl": ssl_context} if ssl_context is not None else {}
    while True:
        try:
            async with websockets.connect(url, max_size=4 * 1024 * 1024, compression=None, **kw) as ws:
                await ws.send(json.dumps({"type": "hello", "user": user, "password": password, "subscribe": False}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 15))
                if welcome.get("type") != "welcome":
                    raise ImportError_(f"the server refused the login: {welcome.get('message', welcome)}")
                max_frame = int(welcome.get("max_frame") or 262144)
                attempt = 0
                token = welcome.get("token")
                for frame in [f for _n, f in pending.values()]:      # after a reconnect: again, same ids
                    await ws.send(frame)

                async def receive():
                    nonlocal retry
                    async for raw in ws:
                        m = orjson.loads(raw)
                        cid = m.get("id")
                        if cid not in pending:
                            continue
                        if m.get("type") == "ack":
                            pending.pop(cid)
                            report.accept(f"seq {m.get('seq')}")
                            space.set()
                        elif m.get("type") == "error":
                            if m.get("code") in ("busy", "unavailable"):
                                retry.append(cid)
                                continue
                            n, _f = pending.pop(cid)
                            report.reject(n, m.get("message") or m.get("code"))
                            space.set()
                        if done_reading and not pending:
                            return

                batch: list[bytes] = []          # commands not sent yet, for one `commands` frame
                batch_bytes = 0

                async def flush():
                    nonlocal batch, batch_bytes
                    if batch:
                        frame, batch, batch_bytes = b'{"type":"commands","commands":[' + b",".join(batch) + b"]}", [], 0
                        await ws.send(frame.decode())

                receiver = asyncio.create_task(receive())
                try:
                    while not done_reading:
                        if receiver.done():
                            receiver.result()
                            break
                        if retry:
                            await flush()
                            await asyncio.sleep(0.2)
                            again, retry = retry, []
                            for cid in again:
                                if cid in pending:
                                    await ws.send(pending[cid][1])
                        try:
                            n, args = next(rows)
                        except StopIteration:
                            done_reading = True
                            await flush()
                            break
                        if isinstance(args, str):
                            report.reject(n, args)
                            continue
                        if FILES_KEY in args:
                            try:
                                ids = []
                                for label, p in file_specs(args[FILES_KEY], Path(path).parent, args.get("source")):
                                    ids.append((label, (await _upload(url, token, p, ssl_context))["id"]))
                            except ValueError as e:
                                report.reject(n, str(e))
                                continue
                            except UploadFailed as e:
                                report.reject(n, f"{p.name}: {e.message}")
                                continue
                            args = _with_files(args, ids)
                        cid = f"import:{digest}:{n}"
                        try:
                            entry = orjson.dumps({"id": cid, "name": "case.report", "args": args})
                        except TypeError as e:
                            report.reject(n, f"the row cannot be sent ({e})")
                            continue
                        if len(entry) > max_frame - 64:
                            report.reject(n, f"the row is {len(entry) // 1024} KiB; a report may be at most "
                                             f"{max_frame // 1024} KiB")
                            continue
                        # alone (a resend) it is a command frame; first it goes in a commands frame
                        pending[cid] = (n, '{"type":"command",' + entry[1:].decode())
                        if batch_bytes + len(entry) > max_frame - 256:
                            await flush()
                        batch.append(entry)
                        batch_bytes += len(entry) + 1
                        if len(batch) >= BATCH:
                            await flush()
                        if len(pending) >= window:
                            await flush()
                        while len(pending) >= window and not receiver.done():
                            space.clear()
                            try:
                                await asyncio.wait_for(space.wait(), 0.5)
                            except asyncio.TimeoutError:
                                pass
                            if retry:
                                break
                    while pending and not receiver.done():
                        if retry:
                            await asyncio.sleep(0.2)
                            again, retry = retry, []
                            for cid in again:
                                if cid in pending:
                                    await ws.send(pending[cid][1])
                        await asyncio.wait({receiver}, timeout=0.2)
                    if receiver.done():
                        receiver.result()
                finally:
                    receiver.cancel()
                if done_reading and not pending:
                    return report
                raise ConnectionClosed(None, None)      # the server closed with reports unanswered
        except (ConnectionClosed, OSError) as e:
            attempt += 1
            if attempt > 10:
                raise ImportError_(f"lost the server ({e}); {report.accepted} row(s) were loaded, "
                                   "run the same import again to finish it (nothing is loaded twice)") from None
            await asyncio.sleep(min(0.2 * 2 ** attempt, 5.0))
