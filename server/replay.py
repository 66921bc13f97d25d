"""Replaying a past shift (docs/protocol.md, "Replay"): the room as the log had it at any
moment of a range, and the events of the range, for one role's view exactly as it got them
live.

**Where a replay starts.** Every half hour of the log's time (and at start-up) the room row
and the squads are copied into a checkpoint (`checkpoints` table: mode, profile, next case
number, handover, every squad with its status and position; no cases). The state at the
range's start `from` is then built without reading the history:

- the squads and the room from the newest checkpoint before `from`;
- the cases that can show in the room then, from the cases projection: every case open now
  or updated since 7 days before `from` (the dashboard's week); each one that changed since
  the checkpoint is rebuilt from its own events up to the checkpoint (the seqs its timeline
  names, read by key) with the shared reducer;
- then the events from the checkpoint to `from` (at most half an hour of them) applied.

The replay's room is the live room's squads and mode, with the cases open at `from` or
updated within the 7 days before it; a case an older event reaches during the range (a
rating on a case closed weeks ago) comes in as it does live, in an `archive.case` before its
event. A database whose log starts after the first checkpoint was written (or with a short
log) is replayed from its first event.

**Views.** The events of the range are replayed on the server with the shared reducer and
each one is turned into the frame the role's view (server/views.py `View.event`, the
function the live publish uses) makes of it against the replayed state: a wall gets the
masked events, a squad its `view.update`s and placeholders, never more than live. Events
retention blanked (old positions, pruned cases) are `hidden` in the log and replay as such.

**Bounded.** A replay reads one checkpoint, the week's cases, the events of the range and
at most a checkpoint interval before it; it is paged (`op: next`), computed on a thread of
its own (never the event loop, never the writer's thread), and a cursor held by its account
for at most CURSOR_IDLE seconds of idleness.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections.abc import MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import orjson

from models.commands import Actor
from models.compact import tight
from models.domain import OPEN_STATUSES
from models.state import SeqGap, apply, empty_state, touched
from models.timeutil import epoch, iso

from .casemap import CaseMap
from .views import FULL, View

log = logging.getLogger("xiaonao.replay")

CHECKPOINT_EVERY = 1800.0       # s of the log's time between checkpoints
CHECKPOINT_EVENTS = 20_000      # ... or this many events, whichever comes first
WEEK = 7 * 86400.0              # the cases of the 7 days before the start (the dashboard's week)
MAX_RANGE = 24 * 3600.0         # the longest range one replay covers
FROM_START_MAX = 50_000         # a log this short (before the range) may be replayed from its start
PAGE_BYTES = 300_000            # a page's frames (the server's frames stay under 512 KiB)
PAGE_EVENTS = 5_000
READ_EVENTS = 5_000             # events read from the log at a time
CURSOR_IDLE = 300.0             # s a replay cursor is kept without a request
CURSORS_PER_ACCOUNT = 2
CURSORS = 16
QUERY = "query.replay"


class ReplayRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _dumps(obj) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False).encode()


def _case_ids(ev: dict) -> list[str]:
    """The cases the event changes (models.state.touched: every field that names one)."""
    return list(touched(ev).cases)


def last_seq_before(store, at: str) -> int:
    """The last seq stamped before `at` (0: none). The log is in time order: a binary
    search over its key."""
    from .reports import first_seq_at
    return first_seq_at(store, at) - 1


def rewind_cases(store, base: dict, cases: dict[str, dict], upto: int, strict: bool = False) -> dict[str, dict]:
    """Each of `cases` (as the projection holds it now) as it stood after event `upto`,
    rebuilt from its own events (the seqs its timeline names, read by key) with the shared
    reducer in a scratch room (`base`'s squads, copied); a case reported after `upto` is
    not in the answer. A case another event names that is not among them (a merge into a
    case outside the set) is read from the projection and rebuilt too. An event that cannot
    be applied otherwise is skipped (logged), or, `strict`, raises (the reports then replay
    the log). Used by the reports of past periods too (server/reports.py)."""
    todo = dict(cases)
    while True:
        seqs = sorted({e["seq"] for c in todo.values() for e in c.get("timeline") or ()
                       if isinstance(e.get("seq"), int) and e["seq"] <= upto})
        events = store.events_by_seq(seqs)
        mini = dict(base, cases={}, teams=orjson.loads(orjson.dumps(base["teams"])))
        missing: set[str] = set()
        for ev in events:
            mini["seq"] = ev["seq"] - 1
            try:
                apply(mini, ev)
            except (KeyError, TypeError) as e:
                names = [c for c in _case_ids(ev) if c not in todo]
                if not names:
                    if strict:
                        raise
                    log.info("replay: event %s (%s) could not be rebuilt on its own: %r", ev["seq"], ev["name"], e)
                    continue
                missing.update(names)
                continue
            if ev["name"] == "case.reported":
                cid = (ev.get("data") or {}).get("case_id")
                now = todo.get(cid) if isinstance(cid, str) else None
                # judged by the profile it was reported under (the scratch room's is not that one)
                if now is not None and cid in mini["cases"] and not any(
                        x.get("name") == "case.reopened" for x in now.get("timeline") or ()):
                    mini["cases"][cid]["sla_profile"] = now.get("sla_profile", mini["sla_profile"])
        if not missing:
            return {cid: mini["cases"][cid] for cid in cases if cid in mini["cases"]}
        got = store.get_case_texts(sorted(missing))
        added = {cid: orjson.loads(text) for cid, (text, _seq) in got.items()}
        if not added:                  # not in the projection either (pruned)
            if strict:
                raise KeyError(sorted(missing)[0])
            return {cid: mini["cases"][cid] for cid in cases if cid in mini["cases"]}
        todo.update(added)


def _week_cases(store, since: str, until: str) -> dict[str, dict]:
    """From the projection: the cases reported before `until` that are open now or were
    updated since `since` (the cases a replay's room can hold)."""
    from sqlalchemy import and_, or_, select

    from .store import CaseRow
    t = CaseRow.__table__
    q = select(t.c.body).where(and_(t.c.reported < until, or_(t.c.status.in_(sorted(OPEN_STATUSES)),
                                                               t.c.updated >= since)))
    out = {}
    with store.engine.connect() as c:
        for (body,) in c.execute(q):
            case = orjson.loads(body)
            out[case["id"]] = case
    return out


@dataclass
class Cursor:
    """One replay in progress: the replayed room (every case, as the server holds them) and
    what of the range is still to be sent."""
    id: str
    account: str
    view: View
    lo: str
    hi: str
    state: dict
    reserve: MutableMapping[str, dict]   # cases a later event may reach, not in the room at the start
    end: int                          # the last seq of the range
    pending_cases: list[bytes] = field(default_factory=list)   # the start's cases still to send
    next_seq: int = 0
    used: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    buffered: list[dict] = field(default_factory=list)          # events read ahead


def _state_at_start(store, lo: str, hi: str) -> tuple[dict, dict[str, dict], int, dict]:
    """(the replayed room after the last event before `lo`, the reserve of cases, that seq,
    facts about how it was built)."""
    s_lo = last_seq_before(store, lo)
    cp = store.checkpoint_at_or_before(s_lo)
    facts: dict = {"start_seq": s_lo}
    room = store.load_room()
    street = room[2] if room else None
    if cp is None:
        first = store.first_checkpoint()
        if s_lo > FROM_START_MAX and first is not None:
            raise ReplayRefused("invalid", f"this server's replay reaches back to {first[1]} (its first "
                                           "checkpoint); pick a range after it")
        if s_lo > FROM_START_MAX:
            raise ReplayRefused("unavailable", "this server has no replay checkpoint yet; try again in a minute")
        state, reserve, base_seq = empty_state(), {}, 0
        facts.update(checkpoint=None, from_log_start=True)
    else:
        cp_seq, cp_at, body = cp
        head = body["head"]
        state = empty_state()
        state.update({k: v for k, v in head.items() if k not in ("team_order", "teams")})
        teams = {t["id"]: t for t in body["teams"]}
        order = head.get("team_order") or list(teams)
        state["teams"] = {i: teams[i] for i in order if i in teams}
        state["street"] = street
        state["seq"] = cp_seq
        base_seq = cp_seq
        since = iso(epoch(lo) - WEEK)
        now_cases = _week_cases(store, since, hi)
        unchanged = {cid: c for cid, c in now_cases.items() if (c.get("updated") or "") < cp_at}
        rewind = {cid: c for cid, c in now_cases.items() if cid not in unchanged}
        rebuilt = rewind_cases(store, state, rewind, cp_seq) if rewind else {}
        pool = {**unchanged, **rebuilt}
        state["cases"] = {}
        reserve = pool
        facts.update(checkpoint=cp_seq, checkpoint_at=cp_at, cases_read=len(now_cases), cases_rebuilt=len(rewind))
    # from the checkpoint (or the log's start) to the range's start
    after, before = base_seq, 0
    while after < s_lo:
        batch = store.events_after(after, upto=s_lo, limit=READ_EVENTS)
        if not batch:
            break
        for ev in batch:
            _bring(state, reserve, ev)
            _apply(state, ev)
        before += len(batch)
        after = batch[-1]["seq"]
    state["seq"] = s_lo
    # the room at the start: open cases and those updated within the week before it
    since = iso(epoch(lo) - WEEK)
    for cid in list(reserve):
        c = reserve[cid]
        if c["status"] in OPEN_STATUSES or (c.get("updated") or "") >= since:
            state["cases"][cid] = reserve.pop(cid)
    # (the cases the events since the checkpoint, or since the log's start, brought in, likewise:
    # a quiet log may have no checkpoint for days before the range)
    for cid in list(state["cases"]):
        c = state["cases"][cid]
        if not (c["status"] in OPEN_STATUSES or (c.get("updated") or "") >= since):
            reserve[cid] = state["cases"].pop(cid)
    facts["events_before"] = before
    return state, reserve, s_lo, facts


def _bring(state: dict, reserve, ev: dict) -> list[dict]:
    """Cases of the reserve the event reaches, moved into the room (returned); a case the
    room keeps as its JSON (closed, see _keep_cold) is made a dict again before it changes."""
    out = []
    cases = state["cases"]
    for cid in _case_ids(ev):
        if cid not in cases and cid in reserve:
            case = reserve.pop(cid)
            cases[cid] = case
            out.append(case)
        elif isinstance(cases, CaseMap) and cases.is_cold(cid):
            cases[cid] = cases[cid]
    return out


def _keep_cold(cur: "Cursor") -> None:
    """Once the start's cases are encoded for sending, the closed ones (and the reserve) are
    kept as their JSON (server/casemap.py: ~2 KB each instead of ~10 KB of dicts) until an
    event of the range reaches them: a cursor holds a week of cases for up to 5 minutes."""
    cases = CaseMap()
    for cid, c in cur.state["cases"].items():
        if c["status"] in OPEN_STATUSES:
            cases[cid] = c
        else:
            cases.freeze(cid, tight(_dumps(c)))     # (kept: models.compact.tight)
    cur.state["cases"] = cases
    reserve = CaseMap()
    for cid, c in cur.reserve.items():
        reserve.freeze(cid, tight(_dumps(c)))
    cur.reserve = reserve


def _apply(state: dict, ev: dict) -> None:
    state["seq"] = ev["seq"] - 1          # (a blanked stretch keeps its seqs: none is missing)
    try:
        apply(state, ev)
    except (KeyError, TypeError) as e:
        # a case retention removed from the projection whose events were not blanked yet
        log.info("replay: event %s (%s) skipped: %r", ev["seq"], ev["name"], e)
        state["seq"] = ev["seq"]
    except SeqGap:
        raise


def _parse_time(s) -> float:
    """An ISO time with its zone (Z or +08:00) as epoch seconds; ValueError otherwise."""
    from datetime import datetime
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("no time zone")
    return dt.timestamp()


class ReplayService:
    """Checkpoints as the log grows, and the replay queries (`query.replay`)."""

    def __init__(self, store, hub=None, clock=time.monotonic):
        self.store, self.hub, self.clock = store, hub, clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-replay")
        self.cursors: dict[str, Cursor] = {}
        self._last: tuple[int, float] | None = None      # the newest checkpoint: (seq, epoch of its time)
        self._writing = False
        self._tasks: set[asyncio.Task] = set()

    # ---- checkpoints -------------------------------------------------------------
    async def start(self) -> None:
        """A checkpoint at the head now (a database upgraded to this release gets its first)."""
        await self.checkpoint()

    async def checkpoint(self) -> tuple[int, str] | None:
        """Write a checkpoint of the room as it stands (on the database writer's thread, in
        order with the commits)."""
        if self.hub is None:
            got = await asyncio.get_running_loop().run_in_executor(self._pool, self.store.write_checkpoint)
        else:
            got = await self.hub.run_db(self.store.write_checkpoint)
        if got is not None:
            self._last = (got[0], epoch(got[1]))
        return got

    def on_events(self, events: list[dict]) -> None:
        """The hub's listener: a checkpoint when half an hour of the log's time (or
        CHECKPOINT_EVENTS) passed since the last one."""
        if not events or self._writing or self.hub is None:
            return
        last = events[-1]
        if self._last is None:
            self._last = (last["seq"], epoch(last["at"]))     # (start() wrote one at the head)
            return
        seq, at = self._last
        # (a log whose time went back, as a demo's history after its street was loaded, is due too)
        if 0 <= epoch(last["at"]) - at < CHECKPOINT_EVERY and last["seq"] - seq < CHECKPOINT_EVENTS:
            return
        self._writing = True

        async def write():
            try:
                await self.checkpoint()
            except Exception as e:      # the database is busy or down: the next batch tries again
                log.warning("replay: checkpoint not written: %s", e)
            finally:
                self._writing = False
        t = asyncio.get_running_loop().create_task(write())
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.cursors.clear()

    # ---- the queries ---------------------------------------------------------------
    def _expire(self) -> None:
        now = self.clock()
        for cid in [c for c, cur in self.cursors.items() if now - cur.used > CURSOR_IDLE]:
            del self.cursors[cid]

    def open(self, actor: Actor, view: View, lo, hi) -> dict:
        if view.kind == "none":
            raise ReplayRefused("forbidden", f"a {actor.role} account sees nothing of the room to replay")
        try:
            a, b = _parse_time(lo), _parse_time(hi)
        except (AttributeError, TypeError, ValueError):
            raise ReplayRefused("invalid", "'from' and 'to' must be ISO times (UTC), e.g. "
                                           "2026-12-01T08:00:00Z") from None
        if not a < b:
            raise ReplayRefused("invalid", "'to' must be after 'from'")
        if b - a > MAX_RANGE:
            raise ReplayRefused("invalid", f"a replay covers at most {MAX_RANGE / 3600:g} hours; pick a shorter range")
        lo, hi = iso(a), iso(b)
        self._expire()
        mine = sorted((c for c in self.cursors.values() if c.account == actor.name), key=lambda c: c.used)
        for old in mine[:max(0, len(mine) - CURSORS_PER_ACCOUNT + 1)]:
            self.cursors.pop(old.id, None)             # the account's oldest replay gives way
        if len(self.cursors) >= CURSORS:
            raise ReplayRefused("busy", "too many replays are open on this server; try again in a few minutes")
        t0 = time.perf_counter()
        state, reserve, s_lo, facts = _state_at_start(self.store, lo, hi)
        end = last_seq_before(self.store, hi)
        cur = Cursor(secrets.token_hex(12), actor.name, view, lo, hi, state, reserve, max(end, s_lo),
                     next_seq=s_lo + 1, used=self.clock())
        head = view.state_head(state)
        cur.pending_cases = [_dumps(c) for c in view.cases(state)]
        _keep_cold(cur)
        self.cursors[cur.id] = cur
        facts["ms"] = round((time.perf_counter() - t0) * 1000, 1)
        log.info("%s (%s) replays %s to %s: seq %d to %d, %s", actor.name, actor.role, lo, hi, s_lo, cur.end, facts)
        return {"replay": cur.id, "from": lo, "to": hi, "seq": s_lo, "end_seq": cur.end,
                "events": cur.end - s_lo, "head": head, "cases": len(cur.pending_cases),
                "checkpoint": facts.get("checkpoint"),
                # how the start was built (what it read: bounded by the range, not the history)
                "built": {k: facts.get(k) for k in ("cases_read", "cases_rebuilt", "events_before", "ms")}}

    def next(self, actor: Actor, view: View, rid) -> dict:
        self._expire()
        cur = self.cursors.get(rid) if isinstance(rid, str) else None
        if cur is None or cur.account != actor.name or cur.view.key != view.key:
            raise ReplayRefused("not_found", "no such replay open for this account (it ended, or was idle more "
                                             f"than {CURSOR_IDLE / 60:g} minutes): open it again")
        with cur.lock:
            cur.used = self.clock()
            if cur.pending_cases:
                out, size = [], 0
                while cur.pending_cases and size < PAGE_BYTES:
                    b = cur.pending_cases.pop(0)
                    out.append(b)
                    size += len(b)
                return {"replay": cur.id, "cases": _Raw(out), "frames": [], "done": False}
            frames: list[bytes] = []
            size = 0
            while cur.next_seq <= cur.end and size < PAGE_BYTES and len(frames) < PAGE_EVENTS:
                if not cur.buffered:
                    cur.buffered = self.store.events_after(cur.next_seq - 1, upto=cur.end, limit=READ_EVENTS)
                    if not cur.buffered:
                        cur.next_seq = cur.end + 1
                        break
                ev = cur.buffered.pop(0)
                restored = _bring(cur.state, cur.reserve, ev)
                if not cur.view.filtered:
                    for case in restored:        # as live: the case before the event reaches it
                        shown = cur.view.case(case)
                        if shown is not None:
                            b = _dumps({"type": "archive.case", "id": None, "case": shown})
                            frames.append(b)
                            size += len(b)
                _apply(cur.state, ev)
                b = _dumps(ev if cur.view.full else cur.view.event(ev, cur.state))
                frames.append(b)
                size += len(b)
                cur.next_seq = ev["seq"] + 1
            done = cur.next_seq > cur.end
            if done:
                self.cursors.pop(cur.id, None)
            return {"replay": cur.id, "cases": [], "frames": _Raw(frames), "done": done}

    def close_cursor(self, actor: Actor, rid) -> dict:
        cur = self.cursors.get(rid) if isinstance(rid, str) else None
        if cur is not None and cur.account == actor.name:
            self.cursors.pop(rid, None)
        return {"replay": rid, "closed": True}

    def handle(self, actor: Actor, view: View, msg: dict) -> dict:
        op = msg.get("op")
        if op == "open":
            return self.open(actor, view, msg.get("from"), msg.get("to"))
        if op == "next":
            return self.next(actor, view, msg.get("replay"))
        if op == "close":
            return self.close_cursor(actor, msg.get("replay"))
        raise ReplayRefused("bad_request", "'op' must be open, next or close")

    async def answer(self, msg: dict, actor: Actor, view: View = FULL) -> str:
        """The frame answering a `query.replay` message: query.result, or an error with its id."""
        qid = msg.get("id")
        if not isinstance(qid, str) or not qid or len(qid) > 80:
            return json.dumps({"type": "error", "id": None, "code": "bad_request",
                               "message": "a query needs an 'id': a unique string of at most 80 characters"})
        try:
            data = await asyncio.get_running_loop().run_in_executor(self._pool, self.handle, actor, view, msg)
        except ReplayRefused as e:
            return json.dumps({"type": "error", "id": qid, "code": e.code, "message": e.message}, ensure_ascii=False)
        except Exception as e:                  # the database did not answer
            log.warning("replay query failed: %r", e)
            return json.dumps({"type": "error", "id": qid, "code": "unavailable",
                               "message": "the log could not be read; ask again"})
        return result_frame(qid, data)


class _Raw(list):
    """Frames already encoded (bytes): written into the answer as they are."""


def result_frame(qid: str, data: dict) -> str:
    """The query.result frame, with the pre-encoded cases and frames spliced in (no second
    encoding of a page)."""
    raw = {k: v for k, v in data.items() if isinstance(v, _Raw)}
    plain = {k: v for k, v in data.items() if not isinstance(v, _Raw)}
    body = _dumps(plain)
    if raw:
        parts = [b'"' + k.encode() + b'":[' + b",".join(v) + b"]" for k, v in raw.items()]
        body = body[:-1] + (b"," if len(body) > 2 else b"") + b",".join(parts) + b"}"
    return (b'{"type":"query.result","id":' + _dumps(qid) + b',"query":"replay","data":' + body + b"}").decode()
