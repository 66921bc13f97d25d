"""Reports on the server: the state as it stood at the end of a period (the period's cases
from the cases projection, each one changed since rebuilt from its own events with the
shared reducer; the whole log replayed only for a database without a projection), files
written for the CLI and the daily schedule, and the export audited.

The log is the truth: a report on 23 November shows what was open at midnight that night,
whatever happened since. Replaying is done on a thread of its own, never the event loop nor
the database writer's thread.
"""
from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from models.reports import COMPARED, KINDS, PRIVILEGED_ROLES, ReportError, build_report, load_definition, period_bounds
from models.state import apply, empty_state
from models.timeutil import iso

from .store import EventStore, StoreError

log = logging.getLogger("xiaonao.reports")

FORMATS = ("pdf", "xlsx")
PAGE = 20_000


def state_at(store: EventStore, hi: str | None) -> tuple[dict, list[dict]]:
    """The state after every event stamped before `hi` (ISO UTC; None: all of them), and the
    shift.handover events on the way (they change no state, reports list them)."""
    state = empty_state()
    handovers: list[dict] = []
    after = 0
    while True:
        batch = store.events_after(after, limit=PAGE)
        if not batch:
            break
        for ev in batch:
            # the log is in time order; the street, loaded at `init`, counts whenever it was
            if hi is not None and ev["at"] >= hi and ev["name"] != "street.loaded":
                return state, handovers
            apply(state, ev)
            if ev["name"] == "shift.handover":
                handovers.append(ev)
        after = batch[-1]["seq"]
    return state, handovers


def projection_state(store: EventStore, spans: list[tuple[str, str]], open_too: bool) -> dict | None:
    """The state as the cases projection holds it now (server/projection.py), with only the
    cases reported or closed in one of `spans` (ISO bounds), and the open ones if asked: what
    a period's figures read, read for the query and let go after it (the server keeps only
    a window of cases in memory). None when the database has no projection yet."""
    import orjson
    from sqlalchemy import and_, or_, select

    from models.domain import OPEN_STATUSES

    from .store import CaseRow
    room = store.load_room()
    if room is None:
        return None
    seq, head, street = room
    state = empty_state()
    teams = head.pop("teams", [])
    state.update({k: v for k, v in head.items() if k in state})
    state.update(seq=seq, street=street, teams={t["id"]: t for t in teams})
    t = CaseRow.__table__
    conds = [and_(col >= lo, col < hi) for lo, hi in spans for col in (t.c.reported, t.c.closed)]
    if open_too:
        conds.append(t.c.status.in_(sorted(OPEN_STATUSES)))
    cases = state["cases"]
    if not conds:
        return state
    with store.engine.connect() as c:
        for (body,) in c.execute(select(t.c.body).where(or_(*conds))):
            case = orjson.loads(body)
            cases[case["id"]] = case
    return state


def first_seq_at(store: EventStore, at: str) -> int:
    """The first seq stamped at or after `at` (head + 1 if none): the log is in time order,
    so a binary search over its key, a few reads whatever its length."""
    from sqlalchemy import select

    from .store import EventRow
    t = EventRow.__table__
    lo, hi = 1, store.head() + 1
    with store.engine.connect() as c:
        while lo < hi:
            mid = (lo + hi) // 2
            got = c.execute(select(t.c.at).where(t.c.seq == mid)).scalar()
            if got is None or got < at:
                lo = mid + 1
            else:
                hi = mid
    return lo


def handovers_between(store: EventStore, lo: str, hi: str | None) -> list[dict]:
    """The shift.handover events stamped in [lo, hi): read from the period's stretch of the log only."""
    import orjson
    from sqlalchemy import select

    from .store import EventRow
    t = EventRow.__table__
    q = select(t.c.seq, t.c.at, t.c.name, t.c.actor, t.c.data).where(
        t.c.seq >= first_seq_at(store, lo), t.c.name == "shift.handover")
    if hi is not None:
        q = q.where(t.c.seq < first_seq_at(store, hi))
    with store.engine.connect() as c:
        return [{"seq": r[0], "at": r[1], "name": r[2], "actor": r[3], "data": orjson.loads(r[4])}
                for r in c.execute(q.order_by(t.c.seq))]


def period_cases_condition(spans: list[tuple[str, str]]):
    """Which cases a report of the period `spans[0]` = [lo, hi) (compared with `spans[1:]`)
    reads, as one condition: reported before hi and not closed before lo (reported in it, or
    open at some moment of it), or reported or closed in a period compared. The definition
    (period_case_bodies reads the same set by index ranges; tests compare the two)."""
    from sqlalchemy import and_, or_

    from .store import CaseRow
    t = CaseRow.__table__
    lo, hi = spans[0]
    return or_(and_(t.c.reported < hi, or_(t.c.reported >= lo, t.c.closed.is_(None), t.c.closed >= lo)),
               *[and_(col >= a, col < b) for a, b in spans[1:] for col in (t.c.reported, t.c.closed)])


def period_case_bodies(conn, spans: list[tuple[str, str]]) -> dict[str, str]:
    """The bodies (by case id) of the cases period_cases_condition names, read as a few index
    ranges whose size is the periods' cases, never the history: the period's reported ones,
    the ones still open that were reported before it (closed IS NULL), the ones reported
    before it and closed since its start (closed >= lo: a range of the closed index), and
    the compared periods' reported and closed ones. As one OR the database walked the
    reported index from the first case to hi and read each row for its closed time (at 1M
    cases, 3.7 s of a weekly report's 5 s). `reported || ''` keeps the database to the closed
    index where the reported one would read every case before lo."""
    from sqlalchemy import and_, select

    from .store import CaseRow
    t = CaseRow.__table__
    lo, hi = spans[0]
    before_lo = t.c.reported.concat("") < lo          # (checked on the rows, not a range of its index)
    parts = [and_(t.c.reported >= lo, t.c.reported < hi),
             and_(t.c.closed.is_(None), before_lo),
             and_(t.c.closed >= lo, before_lo)]
    for a, b in spans[1:]:
        parts += [and_(t.c.reported >= a, t.c.reported < b), and_(t.c.closed >= a, t.c.closed < b)]
    out: dict[str, str] = {}
    for cond in parts:
        for cid, body in conn.execute(select(t.c.id, t.c.body).where(cond)):
            out[cid] = body
    return out


def period_state_at(store: EventStore, spans: list[tuple[str, str]]) -> tuple[dict, list[dict]] | None:
    """The state a report of a past period needs, as it stood at the end `hi` of its period
    `spans[0]` = [lo, hi), without replaying the log (which grows with history): the cases
    that can count in it -- reported in it, or reported before `hi` and open now or closed
    since `lo` -- and those reported or closed in the periods it compares with (`spans[1:]`),
    read from the cases projection; each one that changed at or after `hi` is rebuilt from its own events before
    `hi` (the seqs its timeline names, read by key) with the shared reducer. Squads and the
    street as the room row holds them now. Work: the period's cases and those open since,
    never the whole history. None when the database has no projection, or when a case's
    events cannot be replayed on their own (an event naming a case the projection no longer
    holds; a case outside the set is read and rebuilt too: server/replay.py rewind_cases):
    the caller replays the log then."""
    import orjson

    from models.state import SeqGap
    room = store.load_room()
    if room is None:
        return None
    seq, head, street = room
    teams = head.pop("teams", [])
    base = empty_state()
    base.update({k: v for k, v in head.items() if k in base})
    base.update(street=street, teams={x["id"]: x for x in teams})
    lo, hi = spans[0]
    state = dict(base, cases={}, seq=seq)
    rewind: dict[str, dict] = {}
    with store.engine.connect() as c:
        bodies = period_case_bodies(c, spans[:1])
        # the periods compared with: only their KPI counts are reported, so their cases are
        # read as the projection's KPI columns (no JSON parsed), but for those changed since
        # `hi`, read whole and rebuilt as they stood then like the period's own
        facts = compared_facts(c, spans[1:], bodies)
        changed = [cid for cid, (_f, updated) in facts.items() if updated >= hi]
        if changed:
            for cid, (body, _seq) in store.get_case_texts(changed).items():
                bodies[cid] = body
                del facts[cid]
        for body in bodies.values():
            case = orjson.loads(body)
            if case.get("updated", "") < hi:
                state["cases"][case["id"]] = case          # nothing happened to it since
            else:
                rewind[case["id"]] = case
    if rewind:
        from .replay import rewind_cases  # (the replay of a past shift rebuilds its start alike)
        try:
            state["cases"].update(rewind_cases(store, base, rewind, first_seq_at(store, hi) - 1, strict=True))
        except (KeyError, SeqGap, TypeError) as err:
            log.info("a past period's cases could not be rebuilt on their own (%s); replaying the log", err)
            return None
    if spans[1:]:
        state[COMPARED] = compared_counts(state, spans[1:], [f for f, _u in facts.values()])
    return state, handovers_between(store, lo, hi)


_FACT_COLUMNS = ("id", "reported", "closed", "status", "merged", "dispatch_ok", "arrival_s", "on_scene", "rating",
                 "repeat_calls", "updated")


def compared_facts(conn, spans: list[tuple[str, str]], skip) -> dict[str, tuple]:
    """The cases reported or closed in `spans` but not in `skip`, as {id: (their KPI facts
    (models.kpi.Facts) from the projection's columns, when they last changed)}."""
    from sqlalchemy import and_, or_, select

    from models.kpi import Facts

    from .store import CaseRow
    t = CaseRow.__table__
    out: dict[str, tuple] = {}
    if not spans:
        return out
    cols = [t.c[n] for n in _FACT_COLUMNS]
    for a, b in spans:
        for cond in (and_(t.c.reported >= a, t.c.reported < b), and_(t.c.closed >= a, t.c.closed < b)):
            for cid, rep, closed, status, merged, ok, arr, on_scene, rating, calls, updated in conn.execute(
                    select(*cols).where(or_(cond))):
                if cid in skip or cid in out:
                    continue
                shut = status == "closed"
                out[cid] = (Facts(rep, closed or None, shut and not merged, None if ok is None else bool(ok), arr,
                                  bool(on_scene), rating, repeat_calls=calls or 0, status_closed=shut), updated)
    return out


def compared_counts(state: dict, spans: list[tuple[str, str]], facts: list) -> dict[tuple[str, str], dict]:
    """Each compared period's kpi.fold counts: over the cases of `state` (the report's own,
    as they stood at its end) and the other cases' `facts` (read from the projection)."""
    from models import kpi
    profile = kpi.profile_of(state)
    target = kpi.arrival_target_s(profile)
    out = {}
    for a, b in spans:
        counts = kpi.fold((kpi.case_facts(c, profile) for c in state["cases"].values()
                           if a <= c["times"]["reported"] < b or a <= (c["times"].get("closed") or "") < b),
                          a, b, target)
        out[(a, b)] = kpi.fold(facts, a, b, target, counts)
    return out


def may_see_personal(store: EventStore, user: str | None) -> bool:
    u = store.get_user(user) if user else None
    return u is not None and not u["disabled"] and u["role"] in PRIVILEGED_ROLES


def make_report(store: EventStore, kind: str, day: date, lang: str, personal: bool = False,
                user: str | None = None, now: float | None = None):
    """The report `kind` for the period containing `day`, from the log. Personal data is shown
    only when `personal` is asked by a leader or admin (`user`); anything else is refused."""
    if personal and not may_see_personal(store, user):
        raise ReportError("personal data in a report needs a leader or admin account (--as-user) "
                          "that asks for it (--personal)")
    d = load_definition(kind)
    _, hi = period_bounds(d["period"], day)
    now = time.time() if now is None else now
    state, handovers = past_state(store, d, day, hi)
    if state["street"] is None:
        raise ReportError("the database holds no street yet: nothing to report")
    return build_report(kind, state, day, lang, handovers=handovers, masked=not personal, generated=now)


def past_state(store: EventStore, d: dict, day: date, hi: str) -> tuple[dict, list[dict]]:
    """The state at `hi` for a report of definition `d` on `day`: bounded (period_state_at,
    from the earliest period it compares with), or the log replayed when that cannot be done."""
    from models.reports import shifted
    spans = [period_bounds(d["period"], day)] + [period_bounds(d["period"], shifted(d["period"], day, w))
                                                 for w in d.get("compare", [])]
    got = period_state_at(store, spans)
    if got is not None and got[0]["street"] is not None:
        return got
    return state_at(store, hi)


def render(report, fmt: str, out_dir: str | Path) -> Path:
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    path = Path(out_dir) / f"{report.file_stem()}.{fmt}"
    if fmt == "pdf":
        from reporting.pdf import write_pdf
        return write_pdf(report, path)
    from reporting.xlsx import write_xlsx
    return write_xlsx(report, path)


def export(url: str, kind: str, day: date, formats: list[str], out_dir: str | Path, lang: str = "zh_CN",
           personal: bool = False, user: str | None = None, via: str = "cli") -> list[Path]:
    """Write the report in each format to `out_dir` and record the export in the audit log."""
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    for f in formats:
        if f not in FORMATS:
            raise ReportError(f"unknown format {f!r}; one of {', '.join(FORMATS)}")
    store = EventStore(url)
    try:
        store.check_initialised()
        report = make_report(store, kind, day, lang, personal, user)
        paths = [render(report, f, out_dir) for f in formats]
        store.audit(user, "report.export",
                    f"{kind} {report.period_label} {','.join(formats)} {lang} "
                    f"{'personal data shown' if personal else 'masked'} via {via} -> {', '.join(map(str, paths))}")
        return paths
    finally:
        store.dispose()


def export_case_sheet(url: str, case_id: str, out: str | Path, lang: str = "zh_CN", personal: bool = False,
                      user: str | None = None, now: float | None = None, data_dir: str | None = None) -> Path:
    """One case on A4 (reporting/casesheet.py), read from the cases projection (whether it is
    in the server's window or long archived), with the thumbnails of its evidence from the
    content store under `data_dir` (serve's default when not given), the export audited.
    `out`: a folder (the file is named after the case) or a .pdf path."""
    from reporting.casesheet import sheet_attachments, write_case_sheet

    from .files import ContentStore
    from .http_files import default_data_dir
    store = EventStore(url)
    try:
        store.check_initialised()
        if personal and not may_see_personal(store, user):
            raise ReportError("personal data on a case sheet needs a leader or admin account (--as-user) "
                              "that asks for it (--personal)")
        found = store.get_case_texts([case_id.strip().upper()])
        if not found:
            raise ReportError(f"there is no case {case_id!r} in this database")
        import orjson
        case = orjson.loads(next(iter(found.values()))[0])
        state = projection_state(store, [], False)
        if state is None:
            state = state_at(store, None)[0]
        path = Path(out)
        if path.suffix.lower() != ".pdf":
            path = path / f"xiaonao-case-{case['id']}-{lang}.pdf"
        content = ContentStore(data_dir or default_data_dir(url))
        evidence = {}
        for a in sheet_attachments(case):
            thumb = content.path(a["id"], "thumb")
            if thumb.is_file():
                evidence[a["id"]] = thumb.read_bytes()
        write_case_sheet(case, state, path, lang, masked=not personal, now=now, evidence=evidence)
        store.audit(user, "report.export", f"case sheet {case['id']} {lang} "
                    f"{'personal data shown' if personal else 'masked'} via cli -> {path}")
        return path
    finally:
        store.dispose()


def yesterday(now: float | None = None) -> date:
    return (datetime.fromtimestamp(time.time() if now is None else now) - timedelta(days=1)).date()


def parse_at(s: str) -> tuple[int, int]:
    try:
        h, m = (int(x) for x in s.split(":"))
        if not (0 <= h < 24 and 0 <= m < 60):
            raise ValueError
        return h, m
    except ValueError:
        raise ReportError(f"--report-at takes a local time HH:MM, e.g. 06:00 (not {s!r})") from None


def next_run(now: float, at: tuple[int, int]) -> float:
    d = datetime.fromtimestamp(now)
    t = d.replace(hour=at[0], minute=at[1], second=0, microsecond=0)
    if t.timestamp() <= now:
        t = (t + timedelta(days=1, hours=3)).replace(hour=at[0], minute=at[1])
    return t.timestamp()


class DailySchedule:
    """In `serve`: at a set local time each day, yesterday's daily report (PDF and XLSX) into a
    folder. A file already there is not written again, so a restart after the hour catches up
    on the day without duplicating it. Runs on its own thread; a failure is logged and retried
    the next day."""

    def __init__(self, db_url: str, out_dir: str | Path, at: str = "06:00", lang: str = "zh_CN",
                 clock=time.time):
        self.db_url, self.out_dir, self.lang, self.clock = db_url, Path(out_dir), lang, clock
        self.at = parse_at(at)
        self._task: asyncio.Task | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-report")
        self.written: list[Path] = []

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._pool.shutdown(wait=False, cancel_futures=True)

    def due_now(self) -> bool:
        """Past today's hour and yesterday's report not yet in the folder."""
        now = self.clock()
        d = datetime.fromtimestamp(now)
        past = (d.hour, d.minute) >= self.at
        return past and not self._exists(yesterday(now))

    def _exists(self, day: date) -> bool:
        return all((self.out_dir / f"xiaonao-daily-{day.isoformat()}-{self.lang}.{f}").exists() for f in FORMATS)

    async def run_once(self) -> list[Path]:
        day = yesterday(self.clock())
        loop = asyncio.get_running_loop()
        paths = await loop.run_in_executor(self._pool, export, self.db_url, "daily", day, list(FORMATS),
                                           self.out_dir, self.lang, False, None, "schedule")
        self.written += paths
        log.info("daily report for %s written: %s", day, ", ".join(map(str, paths)))
        return paths

    async def _run(self) -> None:
        while True:
            if self.due_now():
                try:
                    await self.run_once()
                except (ReportError, StoreError, OSError) as e:
                    log.error("daily report not written: %s", e)
                except Exception:      # noqa: BLE001 - the server goes on; the log says why
                    log.exception("daily report not written")
            wait = next_run(self.clock(), self.at) - self.clock()
            await asyncio.sleep(max(1.0, min(wait, 300.0)))    # wakes every 5 min at most: clock changes


# ---- queries from cockpits: query.report and query.aggregates (docs/protocol.md) ----------

QUERY_ROLES = ("operator", "leader", "admin")
MAX_PERIODS = {"month": 60, "year": 20}
MAX_RESULT = 480 * 1024          # a result frame stays under the server's 512 KiB


class QueryRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _month_start(d: date, back: int = 0) -> date:
    m = d.year * 12 + d.month - 1 - back
    return date(m // 12, m % 12 + 1, 1)


def aggregate_periods(unit: str, until: date, count: int) -> list[tuple[str, date, date]]:
    """(label, first day, day after) of the last `count` months or years up to `until`'s, oldest first."""
    out = []
    for back in range(count - 1, -1, -1):
        if unit == "month":
            first = _month_start(until, back)
            out.append((f"{first.year}-{first.month:02d}", first, _month_start(first, -1)))
        else:
            y = until.year - back
            out.append((str(y), date(y, 1, 1), date(y + 1, 1, 1)))
    return out


AGGREGATE_KEYS = ("today", "closed_today", "closure_rate", "dispatch_in_sla", "arrival_8min", "on_scene_closure",
                  "satisfaction", "repeat_calls", "repeat_call_rate")


def aggregate_spans(unit: str, until: date, count: int) -> dict[str, str]:
    """{lo: hi} (ISO) of the periods `aggregates` reports and of the same periods a year before."""
    periods = aggregate_periods(unit, until, count)
    year_before = [(label, first.replace(year=first.year - 1), after.replace(year=after.year - 1))
                   for label, first, after in periods]
    return dict((iso(_midnight(a)), iso(_midnight(b))) for _, a, b in periods + year_before)


def counts_from_facts(facts, spans: dict[str, str], target_s: float) -> dict[str, dict]:
    """Each period's kpi.fold counts from the facts of cases (each case in the periods it
    was reported or closed in)."""
    from models import kpi
    los = sorted(spans)
    buckets: dict[str, list] = {lo: [] for lo in los}
    for f in facts:
        seen = None
        for t in (f.reported, f.closed):
            if t and t >= los[0]:
                lo = los[bisect_right(los, t) - 1]
                if t < spans[lo] and lo != seen:
                    buckets[lo].append(f)
                    seen = lo
    return {lo: kpi.fold(buckets[lo], lo, spans[lo], target_s) for lo in los}


def counts_from_projection(store: EventStore, spans: dict[str, str], target_s: float) -> dict[str, dict]:
    """Each period's kpi.fold counts, counted by the database: the KPI hours added up over
    each period (store.hour_span_sums: a period's bounds on the hour, a target the hours
    count), or the projection's KPI columns by UTC hour, or minute where local midnight is
    not on the hour (store.kpi_counts), added into the periods."""
    from models import kpi
    los = sorted(spans)
    whole_hours = all(lo[14:23] == "00:00.000" for lo in spans) and all(hi[14:23] == "00:00.000"
                                                                          for hi in spans.values())
    out = {lo: dict.fromkeys(kpi.COUNTS, 0) for lo in los}
    sums = store.hour_span_sums(spans, target_s) if whole_hours else None
    if sums is not None:        # each period's whole hours added up from the KPI hours (server/kpihours.py)
        for lo, (r, s) in sums.items():
            got = out[lo]
            for f, v in zip(("reported", "reported_closed", "repeat_calls", "dispatched", "dispatch_ok", "arrived",
                             "arrived_8min", "arrived_target"), r[:8]):
                got[f] += v
            for f, v in zip(("closed", "on_scene", "rated", "satisfied"), s):
                got[f] += v
        return out
    prefix, pad = (13, ":00:00.000Z") if whole_hours else (16, ":00.000Z")
    rep, shut = store.kpi_counts(los[0], max(spans.values()), target_s, None, prefix)

    def period(at: str) -> dict | None:
        t = at + pad
        lo = los[bisect_right(los, t) - 1] if t >= los[0] else None
        return out[lo] if lo is not None and t < spans[lo] else None
    for at, _k, n, n_closed, calls, disp, disp_ok, arr, arr8, arrt, *_rest in rep:
        c = period(at)
        if c is not None:
            for f, v in zip(("reported", "reported_closed", "repeat_calls", "dispatched", "dispatch_ok", "arrived",
                             "arrived_8min", "arrived_target"), (n, n_closed, calls, disp, disp_ok, arr, arr8, arrt)):
                c[f] += v
    for at, _k, done, on_scene, rated, sat in shut:
        c = period(at)
        if c is not None:
            for f, v in zip(("closed", "on_scene", "rated", "satisfied"), (done, on_scene, rated, sat)):
                c[f] += v
    return out


def aggregates(counts: dict[str, dict], target_s: float, unit: str, until: date, count: int) -> list[dict]:
    """The dashboard's figures (models.kpi.figures, the dashboard's own code) for each month
    or year, with the same period a year before, from each period's counts
    (`counts_from_projection` or `counts_from_facts`, keyed by the period's ISO start)."""
    from models import kpi
    periods = aggregate_periods(unit, until, count)
    rows = []
    for label, a, b in periods:
        def figs(first):
            k = kpi.figures(counts.get(iso(_midnight(first))) or dict.fromkeys(kpi.COUNTS, 0), target_s)
            return {("reported" if x == "today" else "closed" if x == "closed_today" else x): k[x]
                    for x in AGGREGATE_KEYS}
        rows.append({"period": label, "from": a.isoformat(), "to": b.isoformat(), **figs(a),
                     "last_year": figs(a.replace(year=a.year - 1))})
    return rows


def _midnight(d: date) -> float:
    return datetime(d.year, d.month, d.day).timestamp()


class ReportService:
    """Answers cockpits' report and aggregate queries on a thread of its own, never the
    event loop's nor the database writer's.

    A period that is over is computed from the state at its end rebuilt from the cases
    projection and those cases' own events (`past_state`: bounded by the period, not the
    history; the two most recent such states are kept); a period not over, and the month/year aggregates, from the
    cases projection (only the cases those periods need, read for the query and let go
    after), or, on a database without a projection, from a replay of the whole log."""

    def __init__(self, store: EventStore, clock=time.time):
        self.store, self.clock = store, clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-report")
        self._past: dict[str, tuple[dict, list[dict]]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _present(self, spans: list[tuple[str, str]], open_too: bool) -> dict:
        state = projection_state(self.store, spans, open_too)
        return state if state is not None else state_at(self.store, None)[0]

    def _handovers(self, lo: str) -> list[dict]:
        """The shift handovers since `lo` (from the log: they change no state)."""
        return handovers_between(self.store, lo, None)

    def _state_at(self, d: dict, day: date, hi: str) -> tuple[dict, list[dict]]:
        """A past period's state (past_state: bounded), the two most recent kept."""
        key = f"{d['period']} {day.isoformat()} {hi}"
        if key not in self._past:
            if len(self._past) >= 2:
                self._past.pop(next(iter(self._past)))
            self._past[key] = past_state(self.store, d, day, hi)
        return self._past[key]

    def report(self, actor, args: dict) -> dict:
        from models.reports import LANGS, parse_date
        kind, lang = args.get("kind"), args.get("lang", "zh_CN")
        if kind not in KINDS:
            raise QueryRefused("invalid", f"'kind' must be one of {', '.join(KINDS)}")
        if lang not in LANGS:
            raise QueryRefused("invalid", f"'lang' must be one of {', '.join(LANGS)}")
        try:
            day = parse_date(args.get("date") or "")
        except ReportError as e:
            raise QueryRefused("invalid", str(e)) from None
        personal = args.get("personal") is True
        if personal and actor.role not in PRIVILEGED_ROLES:
            raise QueryRefused("forbidden", "personal data in a report is for a leader or admin")
        d = load_definition(kind)
        _, hi = period_bounds(d["period"], day)
        now = self.clock()
        if epoch_of(hi) <= now:
            state, handovers = self._state_at(d, day, hi)
        else:
            lo, _ = period_bounds(d["period"], day)
            from models.reports import shifted
            spans = [(lo, hi)] + [period_bounds(d["period"], shifted(d["period"], day, w))
                                  for w in d.get("compare", [])]
            state, handovers = self._present(spans, True), self._handovers(lo)
        report = build_report(kind, state, day, lang, handovers=handovers, masked=not personal, generated=now,
                              now=min(epoch_of(hi), now))
        return report.to_dict()

    def aggregates(self, actor, args: dict) -> dict:
        from models.reports import parse_date
        unit = args.get("unit")
        if unit not in MAX_PERIODS:
            raise QueryRefused("invalid", "'unit' must be month or year")
        count = args.get("count", 12 if unit == "month" else 5)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PERIODS[unit]:
            raise QueryRefused("invalid", f"'count' must be a whole number from 1 to {MAX_PERIODS[unit]}")
        try:
            until = parse_date(args["until"]) if args.get("until") else datetime.fromtimestamp(self.clock()).date()
        except ReportError as e:
            raise QueryRefused("invalid", str(e)) from None
        from models.kpi import arrival_target_s, case_facts, profile_of
        from models.sla import PROFILES
        spans = aggregate_spans(unit, until, count)
        if self.store.load_room() is not None:          # the projection's KPI columns, counted by the database
            target = arrival_target_s(PROFILES.get(self.store.sla_profile(), PROFILES["1310"]))
            counts = counts_from_projection(self.store, spans, target)
        else:                                           # a database without a projection
            state = state_at(self.store, None)[0]
            profile = profile_of(state)
            target = arrival_target_s(profile)
            counts = counts_from_facts((case_facts(c, profile) for c in state["cases"].values()), spans, target)
        return {"unit": unit, "rows": aggregates(counts, target, unit, until, count)}

    async def answer(self, msg: dict, actor, peer: str) -> str:
        """The frame that answers a query message: query.result, or an error with its id."""
        import json

        from .hub import dumps
        qid = msg.get("id")
        if not isinstance(qid, str) or not qid or len(qid) > 80:
            return json.dumps({"type": "error", "id": None, "code": "bad_request",
                               "message": "a query needs an 'id': a unique string of at most 80 characters"})
        name = msg["type"].split(".", 1)[1]
        try:
            if actor.role not in QUERY_ROLES:
                raise QueryRefused("forbidden", f"a {actor.role} account may not query reports")
            fn = self.report if name == "report" else self.aggregates
            data = await asyncio.get_running_loop().run_in_executor(self._pool, fn, actor, msg)
            if name == "report":
                await asyncio.get_running_loop().run_in_executor(
                    self._pool, self.store.audit, actor.name, "report.export",
                    f"{data['kind']} {data['period_label']} {data['lang']} "
                    f"{'masked' if data['masked'] else 'personal data shown'} via cockpit", peer)
            frame = dumps({"type": "query.result", "id": qid, "query": name, "data": data})
            if len(frame) > MAX_RESULT:
                raise QueryRefused("invalid", "the answer is too large; ask for a shorter period")
            return frame
        except QueryRefused as e:
            return json.dumps({"type": "error", "id": qid, "code": e.code, "message": e.message}, ensure_ascii=False)
        except (ReportError, StoreError) as e:
            return json.dumps({"type": "error", "id": qid, "code": "invalid", "message": str(e)}, ensure_ascii=False)


def epoch_of(s: str) -> float:
    from models.timeutil import epoch
    return epoch(s)


QUERIES = ("query.report", "query.aggregates")
