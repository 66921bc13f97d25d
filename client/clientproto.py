"""The client's side of the session protocol, without I/O (docs/protocol.md, the websockets
library's Sans-I/O idea): what to say in the hello, what a welcome means, and what each
frame from the server asks the link to do. `ServerLink` reads the socket, feeds frames to
`ClientProtocol.receive`, and carries out the actions it returns:

- `ApplyEvent`: apply an event to the state (after bringing back archived cases it needs);
- `SnapshotFrame`: a snapshot frame as it arrives, for the cache writer to stage;
- `ReplaceState`: a snapshot is complete: the new state (only the cases the window keeps);
- `Acked`, `Refused` (an error frame), `Answer` (a result to a question with an id),
  `Restored` (a case the server read back from its archive), `Pong`, `Ended`;
- `Resync`: the state cannot follow this connection (another history): close, take a
  snapshot; `Drop`: the server broke the protocol: close and reconnect.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, dataclass_transform

import orjson

from models import protocol
from models.compact import FORM as COMPACT_FORM
from models.compact import expand_all
from models.state import from_wire


class AuthFailed(Exception):
    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


class SessionEnded(Exception):
    """The server ended the session in a way the link recovers from by reconnecting."""


class Unavailable(SessionEnded):
    """The server could not serve the hello (its database): try again later."""


@dataclass_transform(frozen_default=True)
class _Action:
    """What a frame asks the link to do: a frozen dataclass, compared by its fields (every
    subclass is made one here, so the actions below are declared by their fields alone)."""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        dataclass(frozen=True)(cls)


class ApplyEvent(_Action):
    event: dict


class SnapshotFrame(_Action):
    raw: str | bytes
    first: bool


class ReplaceState(_Action):
    state: dict


class Acked(_Action):
    id: str
    seq: int | None


class Refused(_Action):
    id: str | None
    code: str
    message: str
    details: dict | None = None


class Answer(_Action):
    id: str | None
    msg: dict


class Restored(_Action):
    case: Any


class Pong(_Action):
    t: Any


class Ended(_Action):
    reason: str
    message: str


class Resync(_Action):
    why: str


class Drop(_Action):
    why: str


Action = (ApplyEvent | SnapshotFrame | ReplaceState | Acked | Refused | Answer | Restored | Pong | Ended
          | Resync | Drop)

ANSWERS = ("admin.result", "query.result", "archive.result", "archive.case", "archive.stats")


@dataclass(frozen=True)
class Welcome:
    user: str
    role: str
    team_id: str | None
    token: str | None
    head: int
    msg: dict


class ClientProtocol:
    """One connection's conversation. `log_id` is the identity of the history the state
    follows (kept across connections by the link); `want_snapshot` asks the next hello for
    a snapshot instead of resuming."""

    def __init__(self) -> None:
        self.log_id: str | None = None
        self.server_log: str | None = None
        self.want_snapshot = False
        self.head = 0
        self._other_log = False
        self._snap: dict | None = None           # the snapshot being received
        self._keep: Callable[[list[dict]], list[dict]] = lambda cases: cases
        self.resumed = False

    # ---- the hello and the welcome ------------------------------------------------
    def hello(self, user: str | None, password: str | None, token: str | None, seq: int) -> str:
        """The first frame: resume from `seq` (with the log's identity) unless a snapshot is
        wanted or there is no state yet."""
        if not token and not (user and password is not None):
            raise AuthFailed("no credentials: log in with a user name and password")
        resume = seq if seq and not self.want_snapshot else None
        self.resumed = resume is not None
        self._snap = None
        return protocol.hello(user, password, token=token, resume_from=resume,
                              log_id=self.log_id if resume is not None else None, forms=(COMPACT_FORM,))

    def welcome(self, raw: str | bytes) -> Welcome:
        """The server's answer to the hello; AuthFailed or Unavailable when it refused."""
        msg = json.loads(raw)
        if not isinstance(msg, dict) or msg.get("type") != "welcome":
            msg = msg if isinstance(msg, dict) else {}
            if msg.get("code") == protocol.UNAVAILABLE:
                raise Unavailable(msg.get("message", ""))
            raise AuthFailed(msg.get("message", "login refused"))
        self.server_log = msg.get("log_id")
        self.head = msg["head"]
        # resuming into another history (a restored database) is never right: a snapshot
        self._other_log = self.resumed and bool(self.log_id and self.server_log and self.server_log != self.log_id)
        self.want_snapshot = False
        return Welcome(msg["user"], msg["role"], msg.get("team_id"), msg.get("token"), msg["head"], msg)

    def adopts_log(self) -> bool:
        """A resumed state from before log identities: it follows the server's from now on."""
        if self.resumed and not self._other_log and self.server_log and self.log_id is None:
            self.log_id = self.server_log
            return True
        return False

    def current(self, seq: int) -> bool:
        """A state at `seq` is as current as the server was at the welcome."""
        return not self._other_log and seq >= self.head

    # ---- frames -----------------------------------------------------------------------
    def receive(self, raw: str | bytes, keep: Callable[[], Callable[[list[dict]], list[dict]]]) -> list[Action]:
        """What a frame asks for. `keep()` gives, when a snapshot starts, the filter of the
        cases that go into memory (the window), applied to each page as it arrives."""
        msg = orjson.loads(raw)
        kind = msg.get("type")
        if kind == "event":
            if self._snap is not None:
                return [Drop("an event before the snapshot was complete")]
            if self._other_log:
                return [Resync(f"the server's log is another history ({self.server_log}, was {self.log_id})")]
            return [ApplyEvent(msg)]
        if kind == "snapshot":
            self._other_log = False
            self._keep = keep()
            wire = msg["state"]
            cases = self._keep(expand_all(wire.get("cases") or []))     # (a compact case: plain again)
            wire["cases"] = []
            self._snap = {"seq": msg["seq"], "pages": msg.get("pages", 0), "wire": wire, "cases": cases}
            return [SnapshotFrame(raw, True), *(self._complete() if self._snap["pages"] == 0 else [])]
        if kind == "snapshot.page":
            snap = self._snap
            if snap is None:
                return []
            snap["cases"].extend(self._keep(expand_all(msg.get("cases") or [])))
            done = msg.get("page", 0) >= snap["pages"]
            return [SnapshotFrame(raw, False), *(self._complete() if done else [])]
        if kind == "ack":
            return [Acked(msg.get("id"), msg.get("seq"))]
        if kind == "error":
            details = msg.get("details")
            return [Refused(msg.get("id"), msg.get("code") or "", msg.get("message") or "",
                            details if isinstance(details, dict) else None)]
        if kind in ANSWERS:
            if kind == "archive.case" and not msg.get("id"):
                return [Restored(msg.get("case"))]
            return [Answer(msg.get("id"), msg)]
        if kind == "session.ended":
            return [Ended(msg.get("reason") or "", msg.get("message") or "")]
        if kind == "pong":
            return [Pong(msg.get("t"))]
        return []

    def _complete(self) -> list[Action]:
        snap, self._snap = self._snap, None
        assert snap is not None
        wire = snap["wire"]
        wire["cases"] = snap["cases"]
        state = from_wire(wire)
        state["seq"] = snap["seq"]
        self.log_id = self.server_log
        return [ReplaceState(state)]

    @property
    def in_snapshot(self) -> bool:
        """A snapshot started and is not complete (its frames are being staged)."""
        return self._snap is not None
