"""Retention: how long the database keeps closed cases, squads' positions and the audit
trail (docs/operations.md, "Retention"). `xiaonao-server prune`, or `serve` on a schedule.

- **Closed cases** last updated more than `case_days` ago leave the cases projection (the
  archive: get, search, aggregates) and their events in the log are blanked: the row keeps
  its seq, time, actor and command id (the log stays contiguous, and who did something
  when stays on record) but its name becomes `hidden` and its data `{}` (the placeholder
  the reducer applies as "nothing changed"). A case's events are the ones its timeline
  lists. Never less than the server's window (`--keep-days`): nothing in the window goes.
- **Positions** (`team.moved` events) older than `position_days` are blanked the same way,
  and the replay checkpoints of that stretch (server/replay.py) lose the squads' positions.
  Replay checkpoints older than `case_days` go.
- **The audit trail**: login and session records (`audit`) and the command ids with who,
  what, when and from where (`commands`) are kept at least AUDIT_MIN_DAYS (183 days: the
  six months MLPS level 3 asks for), whatever else is pruned; `audit_days` (default 365)
  may only be longer.
- Old whole-state snapshot blobs of the first release (the projection replaced them) go,
  but the newest.

A client resuming from a seq before the newest blanked event gets a snapshot instead of
the events (meta `redacted_through`). Everything runs in small transactions (CHUNK cases or
SEQ_SPAN events at a time), so the server's commits interleave with it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import orjson
from sqlalchemy import text

from models.timeutil import iso

log = logging.getLogger("xiaonao.server")

DAY = 86400.0
AUDIT_MIN_DAYS = 183.0         # six months (MLPS level 3: security audit records kept at least 6 months)
AUDIT_DEFAULT_DAYS = 365.0
CHUNK = 500                    # cases per transaction
SEQ_SPAN = 20_000              # events looked at per transaction (positions, command ids)
REDACTED_KEY = "redacted_through"
POSITIONS_KEY = "positions_pruned_through"
HIDDEN = "hidden"


class RetentionError(ValueError):
    """A retention setting that is not allowed (said in words the operator can act on)."""


@dataclass(frozen=True)
class Retention:
    case_days: float | None = None          # None: closed cases are kept
    position_days: float | None = None      # None: positions are kept
    audit_days: float = AUDIT_DEFAULT_DAYS

    def check(self, keep_days: float) -> "Retention":
        if self.case_days is not None and self.case_days < keep_days:
            raise RetentionError(f"--retain-days {self.case_days:g} is shorter than the window (--keep-days "
                                 f"{keep_days:g}): closed cases still in the window cannot be pruned")
        if self.position_days is not None and self.position_days < 1:
            raise RetentionError("--retain-positions-days must be at least 1")
        if self.audit_days < AUDIT_MIN_DAYS:
            raise RetentionError(f"--retain-audit-days {self.audit_days:g} is too short: the audit log is kept "
                                 f"at least {AUDIT_MIN_DAYS:g} days (six months, MLPS level 3)")
        return self


@dataclass
class Pruned:
    cases: int = 0
    events: int = 0          # case events blanked
    positions: int = 0       # team.moved events blanked
    audit: int = 0           # audit rows removed
    commands: int = 0        # command ids removed
    snapshots: int = 0       # old snapshot blobs removed
    checkpoints: int = 0     # replay checkpoints older than the cases kept (server/replay.py)
    case_ids: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.cases} closed cases ({self.events} of their events blanked), {self.positions} positions, "
                f"{self.audit} audit records, {self.commands} command ids, {self.snapshots} old snapshots, "
                f"{self.checkpoints} replay checkpoints")


# ---- the steps (each one transaction; the server runs them on its database thread) ----------

def _meta_int(c, key: str) -> int:
    v = c.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": key}).scalar()
    return int(v) if v else 0


def _set_meta(c, key: str, value: int) -> None:
    c.execute(text("DELETE FROM meta WHERE key = :k"), {"k": key})
    c.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": key, "v": str(value)})


def redacted_through(store) -> int:
    """The newest seq whose event was blanked (0: none): a resume from before it needs a snapshot."""
    with store.engine.connect() as c:
        return _meta_int(c, REDACTED_KEY)


def seq_before(store, at: str) -> int:
    """The last seq stamped before `at` (ISO UTC), 0 if none. The log is in time order, so
    a binary search on the key (no index on the time)."""
    with store.engine.connect() as c:
        lo = c.execute(text("SELECT min(seq) FROM events")).scalar()
        hi = c.execute(text("SELECT max(seq) FROM events")).scalar()
        if lo is None:
            return 0

        def at_of(seq: int) -> str:
            r = c.execute(text("SELECT at FROM events WHERE seq >= :s ORDER BY seq LIMIT 1"), {"s": seq}).first()
            return r[0] if r else "9999"
        if at_of(lo) >= at:
            return 0
        if at_of(hi) < at:
            return hi
        while hi - lo > 1:                    # at_of(lo) < at <= at_of(hi)
            mid = (lo + hi) // 2
            if at_of(mid) < at:
                lo = mid
            else:
                hi = mid
        return lo


def prune_cases_step(store, before: str, exclude: frozenset[str] | set[str] = frozenset(),
                     limit: int = CHUNK) -> tuple[list[str], int, int]:
    """One transaction: up to `limit` closed cases last updated before `before` (ISO) leave
    the projection and their events are blanked. Returns (ids, events blanked, newest seq
    blanked)."""
    with store.engine.begin() as c:
        rows = c.execute(text("SELECT id, body FROM cases WHERE status = 'closed' AND updated < :b "
                              "ORDER BY updated LIMIT :n"), {"b": before, "n": limit + len(exclude)}).all()
        rows = [r for r in rows if r[0] not in exclude][:limit]
        if not rows:
            return [], 0, 0
        seqs: list[int] = []
        for _cid, body in rows:
            try:
                seqs += [e["seq"] for e in orjson.loads(body).get("timeline") or () if isinstance(e.get("seq"), int)]
            except orjson.JSONDecodeError:
                pass
        blanked = 0
        for i in range(0, len(seqs), 500):
            part = seqs[i:i + 500]
            marks = ", ".join(str(int(s)) for s in part)
            blanked += c.execute(text(f"UPDATE events SET name = '{HIDDEN}', data = '{{}}' "
                                      f"WHERE seq IN ({marks}) AND name <> '{HIDDEN}'")).rowcount or 0
        ids = [r[0] for r in rows]
        from . import kpihours
        hours, groups = kpihours.present(c), kpihours.groups_present(c)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            if hours:
                kpihours.deleted(c, chunk, groups)      # their facts leave the hours' and groups' sums
            c.execute(text("DELETE FROM cases WHERE id IN (" + ", ".join(f":i{k}" for k in range(len(chunk))) + ")"),
                      {f"i{k}": v for k, v in enumerate(chunk)})
        newest = max(seqs, default=0)
        if newest > _meta_int(c, REDACTED_KEY):
            _set_meta(c, REDACTED_KEY, newest)
        return ids, blanked, newest


def prune_positions_step(store, upto: int, span: int = SEQ_SPAN) -> tuple[int, int, bool]:
    """One transaction: `team.moved` events in the next `span` seqs up to `upto` blanked.
    Returns (blanked, the seq looked at through, whether more remains)."""
    with store.engine.begin() as c:
        start = _meta_int(c, POSITIONS_KEY)
        if start >= upto:
            return 0, start, False
        end = min(upto, start + span)
        n = c.execute(text(f"UPDATE events SET name = '{HIDDEN}', data = '{{}}' "
                           "WHERE seq > :a AND seq <= :b AND name = 'team.moved'"), {"a": start, "b": end}).rowcount or 0
        _set_meta(c, POSITIONS_KEY, end)
        _blank_checkpoint_positions(c, start, end)
        if n and end > _meta_int(c, REDACTED_KEY):
            _set_meta(c, REDACTED_KEY, end)
        return n, end, end < upto


def _blank_checkpoint_positions(c, after: int, through: int) -> None:
    """The replay checkpoints (server/replay.py) of that stretch keep no squad's position:
    the positions they copied are the blanked events' (a replay shows none, as the log)."""
    rows = c.execute(text("SELECT seq, body FROM checkpoints WHERE seq > :a AND seq <= :b"),
                     {"a": after, "b": through}).all()
    for seq, body in rows:
        d = orjson.loads(body)
        for t in d.get("teams") or ():
            t["position"] = t["position_at"] = None
        c.execute(text("UPDATE checkpoints SET body = :b WHERE seq = :s"), {"b": orjson.dumps(d).decode(), "s": seq})


def prune_audit_step(store, before_epoch: float, upto_seq: int, limit: int = 5000) -> tuple[int, int]:
    """One transaction: up to `limit` audit rows older than `before_epoch` and command ids of
    seqs up to `upto_seq`. Returns (audit rows, command ids) removed."""
    with store.engine.begin() as c:
        ids = [r[0] for r in c.execute(text("SELECT id FROM audit WHERE at < :b ORDER BY id LIMIT :n"),
                                       {"b": before_epoch, "n": limit})]
        audit = 0
        if ids:
            audit = c.execute(text("DELETE FROM audit WHERE id IN (" + ", ".join(str(int(i)) for i in ids) + ")")
                              ).rowcount or 0
        commands = 0
        if upto_seq > 0:
            low = c.execute(text("SELECT min(seq) FROM commands")).scalar()
            if low is not None and low <= upto_seq:
                commands = c.execute(text("DELETE FROM commands WHERE seq <= :s"),
                                     {"s": min(upto_seq, low + SEQ_SPAN)}).rowcount or 0
        return audit, commands


def prune_checkpoints(store, before: str) -> int:
    """The replay checkpoints older than `before` (ISO: the cases' cut-off; a replay of that
    time would find its cases gone) go."""
    with store.engine.begin() as c:
        return c.execute(text("DELETE FROM checkpoints WHERE at < :b"), {"b": before}).rowcount or 0


def prune_snapshots(store) -> int:
    """The first release's whole-state blobs but the newest (the projection replaced them)."""
    with store.engine.begin() as c:
        room = c.execute(text("SELECT seq FROM room WHERE id = 1")).scalar()
        newest = c.execute(text("SELECT max(seq) FROM snapshots")).scalar()
        if room is None or newest is None:
            return 0
        return c.execute(text("DELETE FROM snapshots WHERE seq < :s"), {"s": newest}).rowcount or 0


def steps(store, ret: Retention, now: float, exclude=frozenset()):
    """The pruning as a sequence of small steps (callables), each one transaction: what the
    CLI runs one after the other and the server runs on its database thread between
    batches. Each step returns a Pruned of what it did and whether that kind has more."""
    if ret.case_days is not None:
        before = iso(now - ret.case_days * DAY)

        def cases() -> tuple[Pruned, bool]:
            ids, blanked, _newest = prune_cases_step(store, before, exclude)
            return Pruned(cases=len(ids), events=blanked, case_ids=ids), bool(ids)
        yield cases

        def checkpoints() -> tuple[Pruned, bool]:
            return Pruned(checkpoints=prune_checkpoints(store, before)), False
        yield checkpoints
    if ret.position_days is not None:
        upto = seq_before(store, iso(now - ret.position_days * DAY))

        def positions() -> tuple[Pruned, bool]:
            n, _through, more = prune_positions_step(store, upto)
            return Pruned(positions=n), more
        yield positions
    audit_before = now - max(ret.audit_days, AUDIT_MIN_DAYS) * DAY
    audit_seq = seq_before(store, iso(audit_before))

    def audit() -> tuple[Pruned, bool]:
        a, cmds = prune_audit_step(store, audit_before, audit_seq)
        return Pruned(audit=a, commands=cmds), bool(a or cmds)
    yield audit

    def snapshots() -> tuple[Pruned, bool]:
        return Pruned(snapshots=prune_snapshots(store)), False
    yield snapshots


def add(total: Pruned, part: Pruned) -> None:
    for k in ("cases", "events", "positions", "audit", "commands", "snapshots", "checkpoints"):
        setattr(total, k, getattr(total, k) + getattr(part, k))
    total.case_ids += part.case_ids


def prune(store, ret: Retention, now: float, exclude=frozenset()) -> Pruned:
    """Everything `ret` says may go, now (the CLI)."""
    total = Pruned()
    for step in steps(store, ret, now, exclude):
        while True:
            part, more = step()
            add(total, part)
            if not more:
                break
    return total
