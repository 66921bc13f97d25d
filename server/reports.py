"""Reports on the server: the state as it stood at the end of a period (replayed from the log
with the shared reducer), files written for the CLI and the daily schedule, and the export
audited.

The log is the truth: a report on 23 November shows what was open at midnight that night,
whatever happened since. Replaying is done on a thread of its own, never the event loop nor
the database writer's thread.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from models.reports import KINDS, PRIVILEGED_ROLES, ReportError, build_report, load_definition, period_bounds
from models.state import apply, empty_state

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
    state, handovers = state_at(store, hi)
    if state["street"] is None:
        raise ReportError("the database holds no street yet: nothing to report")
    return build_report(kind, state, day, lang, handovers=handovers, masked=not personal, generated=now)


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
