"""Retention (issue 19): `xiaonao-server prune` and serve's schedule remove closed cases and
squads' positions past their time, keep the audit trail at least six months, leave the
window alone, and the archive still answers for what remains. Real databases (SQLite and
PostgreSQL), the real server and clients."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from .conftest import RawClient, drop_pg, fresh_pg_url, pg_available, ws_url
from .helpers import Clock
from .history import OP, History, write_first_release

DAY = 86400.0
BACKENDS = ("sqlite", "postgres")


@pytest.fixture
def history_url(tmp_path, backend):
    """Two years of cases (and squads' positions along the way), upgraded to this release."""
    if backend == "postgres":
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        url = fresh_pg_url()
    else:
        url = f"sqlite:///{tmp_path}/server.db"
    from server.cli import main
    now = time.time()
    h = History(now - 730 * DAY)
    h.old = h.case(title="两年前的井盖破损", address="九堡大道1号")
    h.run(OP, "team.position", {"team_id": "W01", "lat": 30.29, "lon": 120.25})
    h.spread(60, now - 200 * DAY)
    h.now = now - 100 * DAY
    h.mid = h.case(title="百日前的占道经营", address="杭海路3号")       # within a year: kept
    h.run(OP, "team.position", {"team_id": "W02", "lat": 30.28, "lon": 120.24})
    h.spread(20, now - 2 * DAY)
    h.now = now - 3600
    h.open = [h.case(close=False)]
    h.recent = h.case()
    write_first_release(url, h)
    assert main(["upgrade", "--db", url]) == 0
    from server.store import EventStore
    store = EventStore(url)
    with store.engine.begin() as c:           # logins 250 and 100 days ago
        for days, user in ((250, "old-login"), (100, "mid-login")):
            c.execute(text("INSERT INTO audit (at, \"user\", action, detail, peer) VALUES (:a, :u, 'login', '', 't')"),
                      {"a": now - days * DAY, "u": user})
    store.dispose()
    yield url, h
    if backend == "postgres":
        drop_pg(url)


def _audit_users(store) -> set[str]:
    with store.engine.connect() as c:
        return {r[0] for r in c.execute(text("SELECT \"user\" FROM audit"))}


async def _search(c: RawClient, words: str) -> list[dict]:
    await c.ws.send(json.dumps({"type": "archive.search", "id": "s", "text": words, "limit": 50}))
    while True:
        m = await c.recv()
        if m.get("id") == "s":
            return m["cases"]


async def test_prune_removes_old_closed_cases_and_positions_keeps_the_audit_and_the_window(history_url, capsys):
    from models.state import apply, empty_state
    from server.app import XiaonaoServer
    from server.cli import main
    from server.store import EventStore
    url, h = history_url
    full = empty_state()
    for ev in h.events:
        apply(full, json.loads(json.dumps(ev)))
    # settings that would break a rule are refused, naming it
    assert main(["prune", "--db", url, "--retain-days", "10"]) == 2
    assert "shorter than the window" in capsys.readouterr().err
    assert main(["prune", "--db", url, "--retain-days", "400", "--retain-audit-days", "90"]) == 2
    assert "six months" in capsys.readouterr().err

    assert main(["prune", "--db", url, "--retain-days", "365", "--retain-positions-days", "30",
                 "--retain-audit-days", "200"]) == 0
    out = capsys.readouterr().out
    assert "closed cases" in out and "positions" in out
    store = EventStore(url)
    try:
        old_seqs = {e["seq"] for e in full["cases"][h.old]["timeline"]}
        events = {e["seq"]: e for e in store.events_after(0)}
        assert len(events) == full["seq"]                          # the log keeps every seq
        for seq in old_seqs:                                       # the old case's events: blanked
            assert events[seq]["name"] == "hidden" and events[seq]["data"] == {}
        assert not any(h.old in json.dumps(e["data"]) for e in events.values())
        assert not any(e["name"] == "team.moved" for e in events.values())    # both positions were old
        mid_seqs = {e["seq"] for e in full["cases"][h.mid]["timeline"]}
        assert all(events[s]["name"].startswith("case.") for s in mid_seqs)
        assert _audit_users(store) == {"mid-login"}                # 250 days: gone; 100 days: kept
        with store.engine.connect() as c:
            kept = {r[0] for r in c.execute(text("SELECT id FROM commands"))}
        assert h.commands[0]["id"] not in kept                     # two years old
        assert h.commands[-1]["id"] in kept
    finally:
        store.dispose()

    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "op")
        snap = await c.recv()
        window = {x["id"]: x for x in snap["state"]["cases"]}
        for cid in h.open + [h.recent]:                            # the window: untouched
            assert window[cid] == full["cases"][cid]
        await c.ws.send(json.dumps({"type": "archive.get", "id": "g", "case_id": h.old}))
        assert (await c.recv())["case"] is None                    # pruned: gone
        assert await _search(c, "两年前的井盖破损") == []
        await c.ws.send(json.dumps({"type": "archive.get", "id": "g2", "case_id": h.mid}))
        assert (await c.recv())["case"] == full["cases"][h.mid]    # within a year: still answered
        assert [x["id"] for x in await _search(c, "百日前的占道经营")] == [h.mid]
        await c.close()
        # a client holding a state from before the blanked events gets a snapshot, not them
        stale = await RawClient.connect(ws_url(srv), "op", resume_from=2)
        assert (await stale.recv())["type"] == "snapshot"
        await stale.close()
    finally:
        await srv.stop()


async def test_serve_prunes_on_its_schedule_and_an_old_case_still_takes_events(history_url):
    from server.app import XiaonaoServer
    from server.retention import Retention
    url, h = history_url
    clock = Clock()
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock, retention=Retention(case_days=365))
    await srv.start()
    try:
        done = await srv.hub.prune_archive()
        assert h.old in done.case_ids and h.mid not in done.case_ids and done.cases == len(done.case_ids)
        assert done.audit == 0                                     # the audit trail is kept a year by default
        c = await RawClient.connect(ws_url(srv), "op")
        await c.recv()
        ack, _seen = await c.command("case.rate", {"case_id": h.mid, "rating": 5})
        assert ack["type"] == "ack"
        await c.ws.send(json.dumps({"type": "archive.get", "id": "g", "case_id": h.mid}))
        while (m := await c.recv()).get("id") != "g":
            pass
        assert m["case"]["rating"] == 5
        # a year later the case rated today is still there (it was updated), the others go
        clock.advance(200 * DAY)
        again = await srv.hub.prune_archive()
        assert h.mid not in again.case_ids
        await c.close()
    finally:
        await srv.stop()
