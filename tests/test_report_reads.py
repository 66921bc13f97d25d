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


def test_the_compared_periods_counts_from_the_columns_are_the_cases(tmp_path, backend):
    """The periods a report compares with are counted from the projection's KPI columns (no
    case read) beside the report's own cases: the same kpi.fold counts as folding every case
    of those periods from its JSON, whatever the cases went through (closed, reopened and
    open again, merged, rated, never dispatched or on scene)."""
    import orjson

    from models import kpi
    from server.projection import case_row
    from server.reports import compared_counts, compared_facts
    store = EventStore(make_db(tmp_path, backend))
    try:
        now = time.time()
        rng = random.Random(23)
        cases = [orjson.loads(r["body"]) for r in server_rows(1500, 0, 1500, now, rng)]
        for i, c in enumerate(cases):
            if i % 7 == 0:                      # reopened: open again, its closure gone
                c["status"], c["times"] = "accepted", {"reported": c["times"]["reported"],
                                                       "reopened": c["updated"], "accepted": c["updated"]}
            elif i % 11 == 0:
                c["merged_into"] = cases[0]["id"]
            if i % 5 == 0:
                c["rating"] = None
            if i % 13 == 0:
                for k in ("dispatched", "on_scene"):
                    c["times"].pop(k, None)
            if i % 17 == 0:
                c["repeat_calls"] = 2
        store.write_projection([case_row(c, 1, "1310") for c in cases], 1, {"team_order": []}, None, {})
        state = {"cases": {}, "sla_profile": "1310"}
        profile = kpi.profile_of(state)
        target = kpi.arrival_target_s(profile)
        checked = 0
        for spans in spans_to_check(now):
            if len(spans) == 1:
                continue
            lo, hi = spans[0]
            # the report's own cases (as period_state_at reads them), the rest from the columns
            own = {c["id"]: c for c in cases if c["times"]["reported"] < hi
                   and (c["times"]["reported"] >= lo or (c["times"].get("closed") or "9") >= lo)}
            with store.engine.connect() as conn:
                facts = compared_facts(conn, spans[1:], own)
            got = compared_counts({**state, "cases": own}, spans[1:], [f for f, _u in facts.values()])
            for a, b in spans[1:]:
                want = kpi.fold([kpi.case_facts(c, profile) for c in cases], a, b, target)
                assert got[(a, b)] == want, (a, b)
                checked += want["reported"] + want["closed"]
        assert checked > 50
    finally:
        store.dispose()
