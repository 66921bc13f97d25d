"""The KPI hours and the groups' days (server/kpihours.py): the aggregates by day read sums
kept by UTC hour, those by category, area and squad sums kept by group and UTC day, in the
same transaction as the case rows. Whatever writes or deletes cases (the projection's
writer, the hub's commands, retention, a restore), a year's figures by day and by group are
the ones counted from the cases themselves, and the sums are the ones a rebuild from
scratch works out."""
from __future__ import annotations

import random
import time

import orjson
import pytest
from sqlalchemy import text

from bench.archive import server_rows
from models import protocol
from server import kpihours, retention
from server.projection import case_row
from server.store import EventStore

from .conftest import RawClient, drop_pg, make_db, ws_url

BACKENDS = ("sqlite", "postgres")


GROUPED = ("category", "area", "squad")


def sums(store) -> dict:
    with store.engine.connect() as c:
        rows = c.execute(text(f"SELECT kind, hour, {', '.join(kpihours.FIELDS)} FROM {kpihours.TABLE}")).all()
    return {(r[0], r[1]): tuple(int(x) for x in r[2:]) for r in rows if any(r[2:])}


def group_sums(store) -> dict:
    with store.engine.connect() as c:
        rows = c.execute(text(f"SELECT dim, day, kind, key, {', '.join(kpihours.FIELDS)} FROM {kpihours.GROUPS}")).all()
    return {tuple(r[:4]): tuple(int(x) for x in r[4:]) for r in rows if any(r[4:])}


def from_cases(store, since, until, monkeypatch, tz: int = 480, by: str = "day") -> list[dict]:
    """archive.stats counted from the cases themselves (the sums' tables not read)."""
    with monkeypatch.context() as m:
        m.setattr(kpihours, "usable", lambda target: False)
        return store.case_stats(since, until, by, tz)


def assert_periods_are_the_cases(store, monkeypatch) -> None:
    """query.aggregates (the performance tab's months and years): each period's counts
    added up from the KPI hours are the ones counted from the cases."""
    from datetime import date

    from server.reports import aggregate_spans, counts_from_projection
    for unit, count in (("month", 24), ("year", 5)):
        spans = aggregate_spans(unit, date.today(), count)
        got = counts_from_projection(store, spans, 480.0)
        with monkeypatch.context() as m:
            m.setattr(kpihours, "usable", lambda target: False)
            assert got == counts_from_projection(store, spans, 480.0), unit
        assert sum(c["reported"] for c in got.values()) > 0


def assert_groups_are_the_cases(store, monkeypatch, spans) -> None:
    """By category, area and squad over each span: the figures the sums give are those the
    cases give; the sums kept are those a rebuild from scratch works out."""
    for since, until in spans:
        for by in GROUPED:
            assert store.case_stats(since, until, by) == from_cases(store, since, until, monkeypatch, by=by), \
                (by, since, until)
    kept = group_sums(store)
    with store.engine.begin() as c:
        kpihours.rebuild_groups(c, batch=97)       # (batches of cases in id order: a few here)
    assert group_sums(store) == kept


def test_the_hours_follow_every_writer(tmp_path, backend, monkeypatch):
    url = make_db(tmp_path, backend)
    store = EventStore(url)
    try:
        now = time.time()
        rng = random.Random(13)
        rows = server_rows(400, 0, 400, now - 30 * 86400, rng)      # five years back from a month ago
        store.write_projection(rows, 1, {"team_order": []}, None, {})
        # some change: rated, reopened (open again: closed leaves its hour), merged, moved in time
        for r in rows[::7]:
            r["rating"] = 2
        for r in rows[1::11]:
            r["status"], r["closed"], r["sla"] = "processing", None, None
        for r in rows[2::13]:
            r["merged"] = True
        # and some change group: another squad, category or area (or none at all)
        for i, r in enumerate(rows[::5]):
            r["squad"] = None if i % 4 == 0 else f"W{i % 7:02d}"
            r["category"] = "traffic" if i % 3 else r["category"]
            r["area"] = None if i % 6 == 1 else "A9"
        store.write_projection(rows[::3] + rows[1::11] + rows[::5], 1, {"team_order": []}, None, {})
        # retention takes the oldest closed away
        ids, _blanked, _newest = retention.prune_cases_step(store, rows[60]["updated"])
        assert ids
        since, until = "2021-01-01T05:30:00.000Z", "2099-01-01"
        by_hours = store.case_stats(since, until, "day")
        assert by_hours == from_cases(store, since, until, monkeypatch)
        assert sum(d["reported"] for d in by_hours) > 100
        for tz in (0, -300, 540):                          # local days elsewhere (whole hours from UTC)
            assert store.case_stats(since, until, "day", tz) == from_cases(store, since, until, monkeypatch, tz)
        # a span that starts and ends inside hours: the part-hours come from the cases
        lo, hi = rows[200]["reported"], rows[300]["closed"]
        assert store.case_stats(lo, hi, "day") == from_cases(store, lo, hi, monkeypatch)
        kept = sums(store)
        with store.engine.begin() as c:
            kpihours.rebuild(c)
        assert sums(store) == kept                        # what a rebuild from scratch works out
        # by group: a span of whole days, one that starts and ends inside days, one inside a day
        assert_groups_are_the_cases(store, monkeypatch, [(since, until), (lo, hi), ("2023-01-01", "2025-06-30"),
                                                         (lo, lo[:10] + "T23:59:59.999Z")])
        assert_periods_are_the_cases(store, monkeypatch)
        rep = store.case_stats(since, until, "squad")
        assert sum(g["reported"] for g in rep) == sum(d["reported"] for d in by_hours)
        assert None in {g["key"] for g in rep}            # the cases without a squad are a group of their own
    finally:
        store.dispose()
        if backend == "postgres":
            drop_pg(url)


async def test_the_hub_keeps_the_hours(server, monkeypatch):
    """Cases reported, dispatched, closed and rated through the server: archive.stats by day
    is what the cases count."""
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    for i in range(6):
        ack, _ = await op.command("case.report", {"title": f"井盖缺失{i}", "category": "dispute", "source": "12345",
                                                  "priority": 2, "location": {"address": "九堡大道12号"}})
        assert ack["type"] == "ack", ack
    st = server.hub.state
    cases = sorted(st["cases"])[-6:]
    for cid in cases[:3]:
        for name, args in (("case.accept", {"case_id": cid}), ("case.dispatch", {"case_id": cid, "team_id": "W03"})):
            ack, _ = await op.command(name, args)
            assert ack["type"] == "ack", ack
    since, until = "2020-01-01", "2100-01-01"
    await op.ws.send(protocol.archive_stats("d", since, until, by="day"))
    while (m := await op.recv()).get("type") not in ("archive.stats", "error"):
        pass
    assert m["type"] == "archive.stats", m
    assert m["rows"] == from_cases(server.store, since, until, monkeypatch)
    assert sum(d["reported"] for d in m["rows"]) >= 6
    want = [case_row(server.hub.state["cases"][cid], 1, "1310") for cid in cases]
    acc: dict = {}
    kpihours.contributions(want, 1, acc)
    have = sums(server.store)
    for key, v in acc.items():        # (the street's other cases are in the sums too)
        assert have.get(key, (0,) * len(v))[0] >= v[0]
    await op.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_database_before_the_hours_gets_them_built(tmp_path, backend):
    """Migration 0013 builds the sums from the cases; run again, it changes nothing."""
    from alembic import command

    from server import schema
    url = make_db(tmp_path, backend)
    store = EventStore(url)
    try:
        rows = server_rows(50, 0, 50, time.time() - 30 * 86400, random.Random(3))
        store.write_projection(rows, 1, {"team_order": []}, None, {})
        kept = sums(store)
        with store.engine.begin() as c:
            c.execute(text(f"DELETE FROM {kpihours.TABLE}"))
            command.stamp(schema.alembic_config(connection=c), "0012", purge=True)
        assert store.upgrade()[1] == schema.head_revision()
        assert sums(store) == kept
        with store.engine.begin() as c:
            command.stamp(schema.alembic_config(connection=c), "0012", purge=True)
        store.upgrade()
        assert sums(store) == kept
    finally:
        store.dispose()


CATEGORIES = ("dispute", "traffic", "market", "environment")
GRIDS = ("G01", "G05", "G17", "G30", "G44")
KINDS = ("report", "report", "work", "work", "work", "close", "redispatch", "rate", "reopen", "merge", "amend",
         "prune", "later")
WORK = ("case.accept", "case.dispatch", "case.sign", "case.contact", "case.arrive", "case.feedback", "case.close")


async def drive(choose, n: int, url: str, now: list[float]) -> None:
    """n steps chosen by `choose(options)` through the real hub: cases reported in a category
    and grid, worked to closing by a squad, re-dispatched to another squad, rated and re-rated,
    reopened, merged, amended (category, place), days passing, and retention pruning the
    closed ones past 20 days; each refused command is refused for a reason."""
    from models.commands import Actor, CommandError
    from server.app import XiaonaoServer
    from server.retention import Retention
    lead = Actor("lead", "leader")
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=lambda: now[0], keep_days=10, retention=Retention(case_days=20))
    await srv.start()
    try:
        squads = sorted(srv.hub.state["teams"])[:6]
        ids: list[str] = []
        extra = {"case.dispatch": lambda: {"team_id": choose(squads)}, "case.feedback": lambda: {"note": "已处理"},
                 "case.close": lambda: {"resolution": "已解决"}}
        for _ in range(n):
            now[0] += choose([20.0, 600.0, 3 * 3600.0])
            kind = choose(KINDS) if ids else "report"
            try:
                if kind == "report":
                    await srv.hub.execute(lead, "case.report", {
                        "title": "井盖缺失", "category": choose(CATEGORIES), "source": "12345", "priority": 2,
                        "location": {"address": "九堡大道12号", "grid": choose(GRIDS)}})
                    ids.append(max(srv.hub.state["cases"]))
                elif kind in ("work", "close"):          # a case a step (or all the way) to closed
                    cid = choose(ids)
                    for name in (WORK if kind == "close" else [choose(WORK)]):
                        try:
                            await srv.hub.execute(lead, name, {"case_id": cid, **extra.get(name, dict)()})
                        except CommandError as e:
                            assert e.code in {"invalid", "conflict", "not_found"}, e
                elif kind == "redispatch":
                    await srv.hub.execute(lead, "case.dispatch", {"case_id": choose(ids), "team_id": choose(squads)})
                elif kind == "rate":
                    await srv.hub.execute(lead, "case.rate", {"case_id": choose(ids), "rating": choose([1, 3, 4, 5])})
                elif kind == "reopen":
                    await srv.hub.execute(lead, "case.reopen", {"case_id": choose(ids), "reason": "居民再次来电"})
                elif kind == "merge":
                    await srv.hub.execute(lead, "case.merge", {"case_id": choose(ids), "into": choose(ids)})
                elif kind == "amend":
                    await srv.hub.execute(lead, "case.amend", {"case_id": choose(ids), "category": choose(CATEGORIES),
                                                               "location": {"address": "杭海路3号",
                                                                            "grid": choose(GRIDS)}})
                elif kind == "prune":
                    await srv.hub.prune_archive()
                else:
                    now[0] += 8 * 86400.0
            except CommandError as e:
                assert e.code in {"invalid", "conflict", "not_found"}, e
    finally:
        await srv.stop()


def check_against_the_cases(url: str, monkeypatch, start: float) -> None:
    from models.timeutil import iso
    store = EventStore(url)
    try:
        whole = (iso(start - 86400)[:10], "2100-01-01")
        inner = (iso(start + 3 * 3600), iso(start + 40 * 86400 + 5 * 3600))     # ends inside days
        assert_groups_are_the_cases(store, monkeypatch, [whole, inner])
        assert store.case_stats(*whole, "day") == from_cases(store, *whole, monkeypatch)
        assert_periods_are_the_cases(store, monkeypatch)
        kept = sums(store)
        with store.engine.begin() as c:
            kpihours.rebuild(c)
        assert sums(store) == kept
    finally:
        store.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_any_commands_keep_the_group_sums_those_of_the_cases(tmp_path_factory, backend, monkeypatch):
    """Any sequence of commands through the real hub (re-dispatch moves a case to another
    squad's sums, amend to another category and area, reopen takes it out of its closed
    day, re-rating changes its satisfaction, merging its closure, retention removes it):
    the aggregates by category, area and squad read from the groups' days are the ones the
    cases give."""
    import asyncio

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
    @given(st.data())
    def prop(data):
        url = make_db(tmp_path_factory.mktemp("g"), backend)
        start = time.time() - 60 * 86400
        now = [start]
        asyncio.run(drive(lambda xs: data.draw(st.sampled_from(list(xs))), data.draw(st.integers(10, 60)), url, now))
        check_against_the_cases(url, monkeypatch, start)
    prop()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_commands_keep_the_group_sums_on_postgresql(tmp_path, backend, monkeypatch):
    """The same on PostgreSQL, one long sequence (a fixed seed)."""
    url = make_db(tmp_path, backend)
    try:
        rng = random.Random(19)
        start = time.time() - 60 * 86400
        await drive(rng.choice, 160, url, [start])
        check_against_the_cases(url, monkeypatch, start)
    finally:
        drop_pg(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_database_with_history_gets_the_group_sums(tmp_path, backend, monkeypatch):
    """A database the first release wrote (a year of cases worked through the reducer,
    rated, some reopened and re-dispatched), upgraded: migration 0014 builds the groups'
    days from the cases in batches, and the aggregates by group read from them are the
    cases'; stamped back and upgraded again (with the table, or without it), the same."""
    from alembic import command

    from server import schema
    from server.cli import main

    from .conftest import fresh_pg_url
    from .history import LEAD, History, write_first_release
    url = fresh_pg_url() if backend == "postgres" else f"sqlite:///{tmp_path}/server.db"
    try:
        start = time.time() - 365 * 86400
        h = History(start, seed=14)
        ids = h.spread(120, time.time() - 2 * 86400)
        for cid in ids[::9]:
            h.run(LEAD, "case.reopen", {"case_id": cid, "reason": "居民再次来电"})
            h.run(LEAD, "case.dispatch", {"case_id": cid, "team_id": "E02"})
        for cid in ids[1::5]:
            if h.state["cases"][cid].get("rating") is None and h.state["cases"][cid]["status"] == "closed":
                h.run(LEAD, "case.rate", {"case_id": cid, "rating": 1})
        write_first_release(url, h)
        assert main(["upgrade", "--db", url]) == 0
        store = EventStore(url)
        try:
            spans = [("2000-01-01", "2100-01-01"), (h.events[40]["at"], h.events[-40]["at"])]
            assert_groups_are_the_cases(store, monkeypatch, spans)
            kept = group_sums(store)
            assert sum(v[0] for (dim, _d, kind, _k), v in kept.items() if dim == "squad" and kind == "r") == len(h.state["cases"])
            assert any(k == "E02" for (_dim, _d, _kind, k) in kept)
            for drop in (True, False):
                with store.engine.begin() as c:
                    if drop:
                        c.execute(text(f"DROP TABLE {kpihours.GROUPS}"))
                    command.stamp(schema.alembic_config(connection=c), "0013", purge=True)
                store.dispose()
                assert main(["upgrade", "--db", url]) == 0
                store = EventStore(url)
                assert group_sums(store) == kept
        finally:
            store.dispose()
    finally:
        if backend == "postgres":
            drop_pg(url)


def test_a_batch_writes_the_same_sums_and_search_index_as_one_row_at_a_time(tmp_path_factory, backend):
    """An import's batch of case rows (one upsert: the hours' and the groups' sums and the
    search index's new rows made once for the batch) leaves the same KPI tables and the same
    archive search answers as the same rows written one at a time; so does a batch that
    changes cases, names one twice and adds new ones."""
    rng = random.Random(29)
    rows = server_rows(300, 0, 300, time.time() - 30 * 86400, rng)
    changed = []
    for i, r in enumerate(rows[::4] + rows[::9]):           # (some twice: the last one stays)
        r = dict(r, rating=1 + i % 5, squad=None if i % 5 == 0 else f"W{i % 7:02d}")
        if i % 3 == 0:
            r.update(status="processing", closed=None, sla=None)
        changed.append(r)
    more = server_rows(400, 300, 60, time.time() - 30 * 86400, rng)
    stores = []
    try:
        for name in ("batch", "rows"):
            store = EventStore(make_db(tmp_path_factory.mktemp(name), backend))
            stores.append(store)
            for part in (rows, changed + more):
                for chunk in ([part] if name == "batch" else [[r] for r in part]):
                    store.write_projection(chunk, 1, {"team_order": []}, None, {})
        batch, one = stores
        assert sums(batch) == sums(one) and sums(batch)
        assert group_sums(batch) == group_sums(one) and group_sums(batch)
        words = {w for r in rows[::17] + changed[::11] + more[::7] for w in r["words"].split() if len(w) >= 3}
        assert len(words) > 10
        for w in sorted(words):
            found = [[orjson.loads(b)["id"] for b, _seq in s.search_cases([w], limit=500)[0]] for s in stores]
            assert found[0] == found[1], w
            assert found[0], w
    finally:
        for store in stores:
            url = store.url
            store.dispose()
            if backend == "postgres":
                drop_pg(url)
