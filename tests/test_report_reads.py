"""A report's cases are read by index ranges bounded by its periods, not the history
(server/reports.py period_case_bodies), and they are exactly the cases the plain condition
names (period_cases_condition): reported in the period, open at some moment of it (reported
before it and closed since it began, or still open), or reported or closed in a period it
compares with."""
from __future__ import annotations

import random
import time

from sqlalchemy import event, select, text

from bench.archive import server_rows
from models.timeutil import iso
from server.reports import period_case_bodies, period_cases_condition
from server.store import CaseRow, EventStore

from .conftest import make_db

DAY = 86400.0
BACKENDS = ("sqlite", "postgres")


def history(store: EventStore, now: float) -> None:
    """600 cases over five years, with cases that stayed open across period boundaries
    (reported weeks before a period and closed inside or after it), and some still open."""
    rng = random.Random(19)
    rows = server_rows(600, 0, 600, now, rng)
    for i, r in enumerate(rows):
        if i % 9 == 0:                                  # open for days to months
            r["closed"] = iso(time.mktime(time.strptime(r["reported"][:19], "%Y-%m-%dT%H:%M:%S"))
                              + rng.uniform(1, 120) * DAY)
        if i % 23 == 0:                                 # still open
            r["status"], r["closed"], r["sla"] = "processing", None, None
    store.write_projection(rows, 1, {"team_order": []}, None, {})


def spans_to_check(now: float) -> list[list[tuple[str, str]]]:
    out = []
    for back in (7, 30, 200, 400, 1500):
        lo, hi = iso(now - back * DAY), iso(now - (back - 7) * DAY)
        week_before = (iso(now - (back + 7) * DAY), lo)
        year_before = (iso(now - (back + 365) * DAY), iso(now - (back + 358) * DAY))
        out += [[(lo, hi)], [(lo, hi), week_before, year_before]]
    return out


def test_a_reports_cases_are_the_plain_conditions_read_by_bounded_ranges(tmp_path, backend):
    store = EventStore(make_db(tmp_path, backend))
    try:
        now = time.time()
        history(store, now)
        t = CaseRow.__table__
        statements: list[str] = []

        def seen(_conn, _cursor, statement, _params, _context, _many):
            if "FROM cases" in statement and not statement.startswith("EXPLAIN"):
                statements.append(statement)
        event.listen(store.engine, "before_cursor_execute", seen)
        checked = 0
        for spans in spans_to_check(now):
            with store.engine.connect() as c:
                want = {cid for (cid,) in c.execute(select(t.c.id).where(period_cases_condition(spans)))}
                statements.clear()
                got = period_case_bodies(c, spans)
            reads = list(statements)
            assert set(got) == want, spans
            checked += len(want)
            bodies = dict(store.get_case_texts(sorted(want)))
            assert {cid: bodies[cid][0] for cid in got} == got
            if backend == "sqlite":
                # each read is a range (or an equality) of an index: none walks the reported
                # index from the history's first case, none scans the table
                with store.engine.connect() as c:
                    for st in reads:
                        sql = st.replace("?", "'2026-01-01'")
                        plan = " | ".join(r[-1] for r in c.execute(text("EXPLAIN QUERY PLAN " + sql)))
                        assert "SCAN" not in plan and "(reported<?)" not in plan, plan
        assert checked > 200          # (the periods do hold cases)
    finally:
        store.dispose()
