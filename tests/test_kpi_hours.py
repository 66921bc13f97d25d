"""The KPI hours (server/kpihours.py): the aggregates by day read sums kept by UTC hour in
the same transaction as the case rows. Whatever writes or deletes cases (the projection's
writer, the hub, retention, a restore), a year's figures by day are the ones counted from
the cases themselves, and the sums are the ones a rebuild from scratch works out."""
from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import text

from bench.archive import server_rows
from models import protocol
from server import kpihours, retention
from server.projection import case_row
from server.store import EventStore

from .conftest import RawClient, drop_pg, make_db, ws_url

BACKENDS = ("sqlite", "postgres")


def sums(store) -> dict:
    with store.engine.connect() as c:
        rows = c.execute(text(f"SELECT kind, hour, {', '.join(kpihours.FIELDS)} FROM {kpihours.TABLE}")).all()
    return {(r[0], r[1]): tuple(int(x) for x in r[2:]) for r in rows if any(r[2:])}


def from_cases(store, since, until, monkeypatch, tz: int = 480) -> list[dict]:
    with monkeypatch.context() as m:
        m.setattr(kpihours, "usable", lambda target: False)
        return store.case_stats(since, until, "day", tz)


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
        store.write_projection(rows[::3] + rows[1::11], 1, {"team_order": []}, None, {})
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
