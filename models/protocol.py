"""The wire protocol's frames, without I/O and without Qt (docs/protocol.md is the contract).

Both ends build and read frames here, as the websockets library keeps a Sans-I/O core
under thin I/O layers: the server (server/app.py) parses what a client sends with
`parse_hello` and `parse_client_frame` and answers with `ack`/`error`/`pong`/`welcome`;
clients (client/session.py, app/lock.py, the benchmarks, the tests' RawClient) build
`hello`/`command`/`ping` and read what comes back with `parse_server_frame`, assembling a
paged snapshot with `SnapshotPages`. Nothing here reads a socket, a clock or a database.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from .compact import expand_all

# ---- error codes (docs/protocol.md "Errors") ---------------------------------------------
BAD_REQUEST = "bad_request"
INVALID = "invalid"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
UNAUTHENTICATED = "unauthenticated"
UNAVAILABLE = "unavailable"
BUSY = "busy"                    # over a budget, or the command queue is full: send it again later
ERROR_CODES = frozenset({BAD_REQUEST, INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, UNAUTHENTICATED, UNAVAILABLE,
                         BUSY})

MAX_COMMAND_ID = 80              # characters
MAX_COMMANDS_A_FRAME = 500       # commands in one `commands` frame
MAX_IN_FRAME = 256 * 1024        # bytes a client may send in one frame (larger: close 1009)
MAX_OUT_FRAME = 512 * 1024       # the server's frames stay under this (snapshots are paged)
CLOSE_POLICY = 1008              # the close code after a refused hello
CLOSE_TOO_BIG = 1009


def _dumps(obj: dict) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:     # a lone surrogate echoed back (a bad id): escaped, the frame stays UTF-8
        text = json.dumps(obj)
    return text


# ---- what a client sends -------------------------------------------------------------

@dataclass(frozen=True)
class Hello:
    user: str | None = None
    password: str | None = None
    token: str | None = None
    code: str | None = None            # a one-time login code (xiaonao-server user code)
    resume_from: int | None = None
    log_id: str | None = None          # the history `resume_from` is a seq of
    subscribe: bool = True
    extra: dict[str, Any] = field(default_factory=dict)     # fields this module does not know


@dataclass(frozen=True)
class Command:
    id: str
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Commands:
    """*Addition*: many commands in one frame (an import), each as if sent alone: answered by
    its own ack or error, in order. An entry that is not a command is its ProtocolError."""
    items: list[Any]


@dataclass(frozen=True)
class Ping:
    t: Any = None


@dataclass(frozen=True)
class Logout:
    """End this session on the server: its token stops working."""


@dataclass(frozen=True)
class Admin:
    """An account operation (role admin): user.list, user.add, user.passwd, user.disable,
    user.enable, user.role. Not a command: not in the log, answered `admin.result`."""
    id: str | None
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ArchiveQuery:
    """*Addition*: a question about the server's archive (docs/protocol.md, Archive):
    kind "get" (case_id), "search" (text, limit, before) or "stats" (since, until, by, tz_minutes)."""
    id: str
    kind: str
    params: dict[str, Any]


ARCHIVE_KINDS = {"archive.get": "get", "archive.search": "search", "archive.stats": "stats"}
ARCHIVE_BY = ("day", "category", "area", "squad")
ARCHIVE_MAX_LIMIT = 100


@dataclass(frozen=True)
class Query:
    """A read-only question (`query.report`, `query.aggregates`: docs/protocol.md), the whole
    message; the server's query handler checks its fields."""
    kind: str
    msg: dict[str, Any]


@dataclass(frozen=True)
class ProtocolError:
    """A frame the protocol refuses: answer `error(id, code, message)` and go on (or, for
    a hello, close the connection)."""
    code: str
    message: str
    id: str | None = None

    def frame(self) -> str:
        return error(self.id, self.code, self.message)


def hello(user: str | None = None, password: str | None = None, *, token: str | None = None,
          resume_from: int | None = None, log_id: str | None = None, subscribe: bool = True,
          forms: tuple[str, ...] = ()) -> str:
    """The first frame: a user and password, or a token (preferred when both are given);
    `resume_from` with the `log_id` of the history it is a seq of; `forms`: the case forms
    this client reads in a snapshot besides the plain one (models.compact.FORM)."""
    msg: dict[str, Any] = {"type": "hello"}
    if forms:
        msg["forms"] = list(forms)
    if token:
        msg["token"] = token
    else:
        msg["user"], msg["password"] = user, password
    if resume_from is not None:
        msg["resume_from"] = resume_from
    if log_id:
        msg["log_id"] = log_id
    if not subscribe:
        msg["subscribe"] = False
    return _dumps(msg)


def command(cid: str, name: str, args: dict[str, Any]) -> str:
    return _dumps({"type": "command", "id": cid, "name": name, "args": args})


def ping(t: Any) -> str:
    return json.dumps({"type": "ping", "t": t})


def logout() -> str:
    return json.dumps({"type": "logout"})


def admin(rid: str, name: str, args: dict[str, Any]) -> str:
    return _dumps({"type": "admin", "id": rid, "name": name, "args": args})


def _load(raw: str | bytes) -> dict | ProtocolError:
    if isinstance(raw, bytes):
        return ProtocolError(BAD_REQUEST, "binary frames are not supported; send JSON text")
    try:
        msg = orjson.loads(raw)          # (~3x json; an import's frames of 100 reports)
    except orjson.JSONDecodeError:       # what orjson refuses and json takes: a lone surrogate's escape,
        try:                             # an integer beyond 64 bits, NaN (models.text judges them)
            msg = json.loads(raw)
        except ValueError:
            return ProtocolError(BAD_REQUEST, "the frame is not valid JSON")
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        return ProtocolError(BAD_REQUEST, "a message must be a JSON object with a 'type'")
    return msg


def parse_hello(raw: str | bytes) -> Hello | ProtocolError:
    """The first frame of a connection, checked as far as the protocol goes (whether the
    credentials are right is the server's business)."""
    msg = _load(raw)
    if isinstance(msg, ProtocolError) or msg.get("type") != "hello":
        return ProtocolError(UNAUTHENTICATED, "the first message must be a hello")
    resume = msg.get("resume_from")
    if resume is not None and (isinstance(resume, bool) or not isinstance(resume, int) or resume < 0):
        return ProtocolError(BAD_REQUEST, "'resume_from' must be a non-negative integer")
    subscribe = msg.get("subscribe", True)
    if not isinstance(subscribe, bool):
        return ProtocolError(BAD_REQUEST, "'subscribe' must be true or false")
    log_id = msg.get("log_id") if isinstance(msg.get("log_id"), str) else None
    token = msg.get("token")
    if isinstance(token, str):
        return Hello(token=token, resume_from=resume, log_id=log_id, subscribe=subscribe, extra=_extra(msg))
    code = msg.get("code")
    if isinstance(code, str):
        return Hello(code=code, resume_from=resume, log_id=log_id, subscribe=subscribe, extra=_extra(msg))
    user, password = msg.get("user"), msg.get("password")
    if not isinstance(user, str) or not isinstance(password, str):
        return ProtocolError(UNAUTHENTICATED, "hello needs a user and password, a token, or a login code")
    return Hello(user=user, password=password, resume_from=resume, log_id=log_id, subscribe=subscribe,
                 extra=_extra(msg))


def _extra(msg: dict) -> dict[str, Any]:
    known = ("type", "user", "password", "token", "code", "resume_from", "log_id", "subscribe")
    return {k: v for k, v in msg.items() if k not in known}


def _parse_archive(msg: dict) -> ArchiveQuery | ProtocolError:
    qid = msg.get("id")
    if not isinstance(qid, str) or not qid or len(qid) > MAX_COMMAND_ID:
        return ProtocolError(BAD_REQUEST, f"an archive query needs an 'id': a string of at most {MAX_COMMAND_ID} "
                             "characters", qid if isinstance(qid, str) else None)
    kind = ARCHIVE_KINDS[msg["type"]]
    if kind == "get":
        cid = msg.get("case_id")
        if not isinstance(cid, str) or not cid or len(cid) > 40:
            return ProtocolError(BAD_REQUEST, "archive.get needs a 'case_id'", qid)
        return ArchiveQuery(qid, kind, {"case_id": cid})
    if kind == "search":
        text, limit, before = msg.get("text"), msg.get("limit", 50), msg.get("before")
        if not isinstance(text, str) or not text.strip() or len(text) > 200:
            return ProtocolError(BAD_REQUEST, "archive.search needs a 'text' of 1 to 200 characters", qid)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= ARCHIVE_MAX_LIMIT:
            return ProtocolError(BAD_REQUEST, f"'limit' must be 1 to {ARCHIVE_MAX_LIMIT}", qid)
        if before is not None and not (isinstance(before, list) and len(before) == 2
                                       and all(isinstance(x, str) and len(x) <= 40 for x in before)):
            return ProtocolError(BAD_REQUEST, "'before' must be the 'next' of the previous page", qid)
        closed_before = msg.get("closed_before")
        if closed_before is not None and not (isinstance(closed_before, str) and len(closed_before) <= 30):
            return ProtocolError(BAD_REQUEST, "'closed_before' must be an ISO time", qid)
        return ArchiveQuery(qid, kind, {"words": text.lower().split(), "limit": limit,
                                        "before": tuple(before) if before else None,
                                        "closed_before": closed_before})
    since, until, by, tz = msg.get("from"), msg.get("to"), msg.get("by", "day"), msg.get("tz_minutes", 480)
    if not (isinstance(since, str) and isinstance(until, str) and 10 <= len(since) <= 30 and 10 <= len(until) <= 30):
        return ProtocolError(BAD_REQUEST, "archive.stats needs 'from' and 'to' (ISO dates or times, UTC)", qid)
    if by not in ARCHIVE_BY:
        return ProtocolError(BAD_REQUEST, f"'by' must be one of {', '.join(ARCHIVE_BY)}", qid)
    if isinstance(tz, bool) or not isinstance(tz, int) or not -900 <= tz <= 900:
        return ProtocolError(BAD_REQUEST, "'tz_minutes' must be minutes from UTC", qid)
    return ArchiveQuery(qid, kind, {"since": since, "until": until, "by": by, "tz_minutes": tz})


def archive_get(qid: str, case_id: str) -> str:
    return _dumps({"type": "archive.get", "id": qid, "case_id": case_id})


def archive_search(qid: str, text: str, limit: int = 50, before: list[str] | None = None,
                   closed_before: str | None = None) -> str:
    msg = {"type": "archive.search", "id": qid, "text": text, "limit": limit, "before": before}
    if closed_before:
        msg["closed_before"] = closed_before
    return _dumps(msg)


def archive_stats(qid: str, since: str, until: str, by: str = "day", tz_minutes: int = 480) -> str:
    return _dumps({"type": "archive.stats", "id": qid, "from": since, "to": until, "by": by,
                   "tz_minutes": tz_minutes})


def parse_client_frame(raw: str | bytes) -> Command | Commands | Ping | Logout | Admin | ArchiveQuery | Query | ProtocolError:
    """A frame after the welcome: a command, a ping, a logout, an admin request, an
    archive query, a query, or what to answer instead."""
    msg = _load(raw)
    if isinstance(msg, ProtocolError):
        return msg
    kind = msg["type"]
    if kind == "ping":
        return Ping(msg.get("t"))
    if kind == "logout":
        return Logout()
    if kind == "admin":
        rid = msg.get("id") if isinstance(msg.get("id"), str) else None
        name, args = msg.get("name"), msg.get("args", {})
        if not isinstance(name, str) or not isinstance(args, dict):
            return ProtocolError(BAD_REQUEST, "an admin frame needs a 'name' and 'args' (an object)", rid)
        return Admin(rid, name, args)
    if kind in ARCHIVE_KINDS:
        return _parse_archive(msg)
    if kind.startswith("query."):
        return Query(kind, msg)
    if kind == "commands":
        return _parse_commands(msg)
    if kind != "command":
        return ProtocolError(BAD_REQUEST, f"unknown message type {kind!r}")
    return _parse_command(msg)


def _parse_commands(msg: dict) -> "Commands | ProtocolError":
    items = msg.get("commands")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_COMMANDS_A_FRAME:
        return ProtocolError(BAD_REQUEST, f"a commands frame needs 'commands': a list of 1 to "
                             f"{MAX_COMMANDS_A_FRAME} commands")
    out: list[Command | ProtocolError] = []
    for item in items:
        out.append(_parse_command(item) if isinstance(item, dict) else
                   ProtocolError(BAD_REQUEST, "each of 'commands' must be an object with 'id', 'name', 'args'"))
    return Commands(out)


def _parse_command(msg: dict) -> Command | ProtocolError:
    cid = msg.get("id")
    if not isinstance(cid, str) or not cid or len(cid) > MAX_COMMAND_ID:
        return ProtocolError(BAD_REQUEST, f"a command needs an 'id': a unique string of at most {MAX_COMMAND_ID} "
                             "characters", cid if isinstance(cid, str) else None)
    name = msg.get("name")
    if not isinstance(name, str):
        return ProtocolError(BAD_REQUEST, "a command needs a 'name'", cid)
    args = msg.get("args", {})
    if not isinstance(args, dict):
        return ProtocolError(BAD_REQUEST, "'args' must be an object", cid)
    return Command(cid, name, args)


# ---- what the server sends ----------------------------------------------------------

def error(cid: str | None, code: str, message: str, details: dict | None = None) -> str:
    frame: dict[str, Any] = {"type": "error", "id": cid, "code": code, "message": message}
    if details:
        frame["details"] = details
    return _dumps(frame)


def ack(cid: str, seq: int) -> str:
    # (an import is answered a million times: the id is the only part that needs encoding)
    try:
        return f'{{"type": "ack", "id": {orjson.dumps(cid).decode()}, "seq": {int(seq)}}}'
    except TypeError:          # a lone surrogate: escaped as json does
        return json.dumps({"type": "ack", "id": cid, "seq": seq})


def pong(t: Any) -> str:
    return json.dumps({"type": "pong", "t": t})


def session_ended(reason: str, message: str) -> str:
    """The server ends the session (then closes): logout, expired, revoked, disabled,
    role_changed, flood."""
    return _dumps({"type": "session.ended", "reason": reason, "message": message})


def admin_result(rid: str | None, name: str, result: dict[str, Any]) -> str:
    return _dumps({"type": "admin.result", "id": rid, "name": name, "result": result})


def welcome(user: str, role: str, token: str, head: int, team_id: str | None, server_time: float,
            **extra: Any) -> str:
    return _dumps({"type": "welcome", "user": user, "role": role, "token": token, "head": head,
                   "team_id": team_id, "server_time": server_time, "max_frame": MAX_IN_FRAME, **extra})


def parse_server_frame(raw: str | bytes) -> dict:
    """A frame from the server as a dict with a 'type' (ValueError if it is not one)."""
    msg = json.loads(raw)
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise ValueError("a server frame must be a JSON object with a 'type'")
    return msg


def snapshot_frames(seq: int, head_json: str, cases, max_frame: int) -> list[str]:
    """A snapshot as frames under max_frame bytes: `snapshot` with the state's head (its JSON
    object text, without cases) and the first cases, then `snapshot.page` frames with the
    rest. `cases` yields (case JSON text, its size in bytes); texts are joined, not re-encoded."""
    return [f.decode() for f in snapshot_frames_utf8(seq, head_json, (t.encode() for t, _n in cases), max_frame)]


def snapshot_frames_utf8(seq: int, head_json: str | bytes, cases, max_frame: int) -> list[bytes]:
    """`snapshot_frames` in UTF-8: `cases` yields each case's JSON as UTF-8 bytes, joined as
    they are; each frame is the UTF-8 of a text frame (what the server sends)."""
    budget = max_frame - 200
    head = head_json.encode() if isinstance(head_json, str) else head_json
    pages: list[list[bytes]] = [[]]
    size = len(head)                          # the first page also carries the head
    for text in cases:
        n = len(text) + 1
        if pages[-1] and size + n > budget:
            pages.append([])
            size = 0
        pages[-1].append(text)
        size += n
    state_json = head[:-1] + b', "cases": [' + b",".join(pages[0]) + b"]}"
    frames = [b'{"type": "snapshot", "seq": %d, "pages": %d, "state": ' % (seq, len(pages) - 1) + state_json + b"}"]
    for i, page in enumerate(pages[1:], start=1):
        frames.append(b'{"type": "snapshot.page", "seq": %d, "page": %d, "cases": [' % (seq, i)
                      + b",".join(page) + b"]}")
    return frames


class SnapshotPages:
    """A paged snapshot as it arrives: feed it the `snapshot` frame, then each
    `snapshot.page`; `done` once the last page is in, and `state()` is the wire state
    (cases and teams as lists, see models.state.from_wire) with every page's cases."""

    def __init__(self, first: dict):
        if first.get("type") != "snapshot":
            raise ValueError("a snapshot starts with a 'snapshot' frame")
        self.seq: int = first["seq"]
        self.pages: int = first.get("pages", 0)
        self._wire: dict = first["state"]
        self._cases: list = expand_all(list(self._wire.get("cases") or []))    # (compact cases: plain)
        self._got = 0

    @property
    def done(self) -> bool:
        return self._got >= self.pages

    def add(self, page: dict) -> None:
        if page.get("type") != "snapshot.page" or page.get("seq") != self.seq:
            raise ValueError(f"expected page {self._got + 1} of the snapshot at seq {self.seq}")
        if page.get("page") != self._got + 1:
            raise ValueError(f"expected page {self._got + 1}, got {page.get('page')}")
        self._cases.extend(expand_all(page.get("cases") or []))
        self._got += 1

    def state(self) -> dict:
        if not self.done:
            raise ValueError(f"the snapshot has {self.pages - self._got} pages still to come")
        return {**self._wire, "cases": self._cases}
