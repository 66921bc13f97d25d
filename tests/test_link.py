"""The cockpit's link against the real server: kill it mid-stream, work offline, restart the client."""
from __future__ import annotations

import asyncio

import pytest

from client.cache import Cache
from client.session import LinkStatus, ServerLink, SessionListener, backoff_delay
from client.tokens import MemoryTokens
from models.state import from_wire

from .conftest import RawClient, make_db
from .helpers import Clock, ServerProcess, until

DAY = 86400.0

REPORT = {"title": "违停", "category": "traffic", "source": "grid", "priority": 3,
          "location": {"address": "杭海路368号"}}


class Recorder(SessionListener):
    def __init__(self):
        self.links: list[LinkStatus] = []
        self.outcomes: dict[str, str] = {}
        self.resets = 0

    def on_reset(self, state, age):
        self.resets += 1

    def on_link(self, status):
        self.links.append(status)

    def on_command(self, cid, outcome, detail):
        self.outcomes[cid] = outcome


async def server_state(url):
    c = await RawClient.connect(url, "lead")
    snap = await c.recv()
    await c.close()
    st = from_wire(snap["state"])
    st["seq"] = snap["seq"]
    return st


def test_backoff_is_jittered_and_capped():
    delays = [backoff_delay(a) for a in range(12) for _ in range(50)]
    assert max(delays) <= 2.0 and min(delays) > 0
    assert len({round(d, 3) for d in delays}) > 100


@pytest.mark.subprocess
@pytest.mark.slow
async def test_kill_offline_commands_and_client_restart(tmp_path):
    url = make_db(tmp_path)
    srv = await asyncio.to_thread(ServerProcess(url).start)
    cache_path = tmp_path / "cockpit.db"
    rec = Recorder()
    tokens = MemoryTokens()                                   # as the system keyring would
    link = ServerLink(srv.url, "op", "op-password", cache=Cache(cache_path), listener=rec, token_store=tokens)
    await link.open_cache()
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online", what="online")
        assert len(link.state["teams"]) == 18
        # another console reports a stream of cases; kill the server in the middle of it
        other = await RawClient.connect(srv.url, "intake")
        await other.recv()
        for _ in range(15):
            await other.command("case.report", REPORT)
        srv.kill9()
        await until(lambda: link.status.state == "reconnecting", what="reconnecting")
        assert link.status.offline_since is not None and link.status.next_retry_at is not None
        # the operator keeps working while the server is down: the commands are queued
        cases = sorted(link.state["cases"])
        queued = [await link.submit("case.accept", {"case_id": cid}) for cid in cases[:5]]
        queued.append(await link.submit("case.dispatch", {"case_id": cases[0], "team_id": "W03"}))
        assert all(rec.outcomes[c] == "pending" for c in queued)
        # ... and the cockpit itself is restarted with commands still queued
        task.cancel()
        await link.stop()
        rec2 = Recorder()
        link2 = ServerLink(srv.url, "op", None, cache=Cache(cache_path), listener=rec2,
                           token_store=tokens)                # the token from where it was kept
        age = await link2.open_cache()
        assert age is not None and rec2.resets == 1           # cached state shown at once
        assert len(link2.state["cases"]) == len(cases)
        assert [r["id"] for r in link2.pending_commands()] == queued
        # an invalid command issued offline is refused later with the server's reason, not dropped
        bad = await link2.submit("case.close", {"case_id": cases[-1], "resolution": "x"})
        await asyncio.to_thread(srv.start)
        task = asyncio.create_task(link2.run())
        await until(lambda: not link2.pending_commands() and link2.status.state == "online", what="outbox drained")
        assert all(rec2.outcomes[c] == "acked" for c in queued)
        assert rec2.outcomes[bad] == "refused" and link2.outbox[bad]["code"] == "conflict"
        # more events after the restart arrive live
        other = await RawClient.connect(srv.url, "intake")
        await other.recv()
        for _ in range(3):
            await other.command("case.report", REPORT)
        await until(lambda: len(link2.state["cases"]) == 18, what="live events")
        truth = await server_state(srv.url)
        assert link2.state["seq"] == truth["seq"]
        assert link2.state["cases"] == truth["cases"] and link2.state["teams"] == truth["teams"]
        # every queued command applied exactly once
        accepted = [e for c in truth["cases"].values() for e in c["timeline"] if e["name"] == "case.accepted"]
        assert len(accepted) == 5
        assert truth["cases"][cases[0]]["team_id"] == "W03"
        await other.close()
        task.cancel()
        await link2.stop()
    finally:
        srv.stop()


async def test_gap_triggers_resync(tmp_path):
    from server.app import XiaonaoServer
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    rec = Recorder()
    link = ServerLink(f"ws://127.0.0.1:{srv.port}/ws", "op", "op-password", listener=rec)
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online")
        await link.submit("case.report", REPORT)
        await until(lambda: len(link.state["cases"]) == 1)
        # pretend the client missed an event: it must not show wrong data but resync
        link.state["seq"] -= 1
        link.state["cases"].clear()
        resets = rec.resets
        await link.submit("case.report", REPORT)
        await until(lambda: rec.resets > resets and len(link.state["cases"]) == 2, what="resync")
        assert any(s.state == "resyncing" for s in rec.links)
        assert link.state["cases"] == srv.hub.state["cases"]
    finally:
        task.cancel()
        await link.stop()
        await srv.stop()


@pytest.mark.slow
async def test_cached_history_comes_after_the_first_frame_and_live_events_wait_for_it(tmp_path):
    """The cache's hot part (open cases, the last day) is shown at once; the closed history
    follows in pages; the link reads no live frame until it is all in, since an event may
    touch an old case; the state in the end is the whole cached one."""
    from bench.synth import synth_state
    from client.cache import COLD_PAGE, Cache
    st = synth_state(3 * COLD_PAGE, open_fraction=0.02)           # 30 days of history
    Cache(tmp_path / "c.db").save_state(st)

    class Pages(Recorder):
        def __init__(self):
            super().__init__()
            self.pages: list[list[str]] = []

        def on_history(self, ids):
            self.pages.append(ids)

        def on_reset(self, state, age):
            super().on_reset(state, age)
            self.first = dict(state["cases"])                      # what the first frame shows
    rec = Pages()
    link = ServerLink("ws://127.0.0.1:9/ws", "op", "x", cache=Cache(tmp_path / "c.db"), listener=rec,
                      retain_days=60)                                 # all 30 days in the window
    await link.open_cache()
    first = rec.first
    open_ids = {c for c, v in st["cases"].items() if v["status"] != "closed"}
    assert rec.resets == 1 and open_ids <= set(first) and len(first) < len(st["cases"]) / 4
    assert not link.history_loaded.is_set()       # the session would wait here before reading frames
    await asyncio.wait_for(link.history_loaded.wait(), 30)
    paged = [c for page in rec.pages for c in page]
    assert len(rec.pages) >= 2 and len(paged) == len(set(paged)) and not set(paged) & set(first)
    assert all(st["cases"][c]["status"] == "closed" for c in paged)
    assert link.state["cases"] == st["cases"] and link.state["seq"] == st["seq"]
    await link.stop()


CLOSE_STEPS = [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
               ("case.contact", {}), ("case.arrive", {}), ("case.feedback", {"note": "已劝导"}),
               ("case.close", {"resolution": "双方和解"})]


async def closed_case(c, title="楼道堆放杂物") -> str:
    ack, seen = await c.command("case.report", dict(REPORT, title=title))
    cid = next(e for e in seen + [ack] if e.get("name") == "case.reported")["data"]["case_id"]
    for name, args in CLOSE_STEPS:
        ack, _ = await c.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", ack
    return cid


class Archive(Recorder):
    def __init__(self):
        super().__init__()
        self.history: list[str] = []
        self.archived: list[str] = []

    def on_history(self, ids):
        self.history += ids

    def on_archived(self, ids):
        self.archived += ids


async def test_old_closed_cases_stay_in_the_archive_and_come_back_when_needed(tmp_path):
    """The cockpit keeps open cases and the window's closed ones in memory; older closed
    cases stay in the local cache. An event on an archived case brings it back first (the
    state stays equal to the server's); an archive search finds it by its title; it ages out
    again; a restart does not load it."""
    from server.app import XiaonaoServer
    clock = Clock()                                           # the server's and the cockpit's: days pass at once
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    ws = f"ws://127.0.0.1:{srv.port}/ws"
    c = await RawClient.connect(ws, "op")
    await c.recv()
    old = await closed_case(c, "预付卡退费纠纷")
    clock.advance(31 * DAY)                                   # `old` is now older than the 30-day window
    fresh = await closed_case(c)
    rec = Archive()
    link = ServerLink(ws, "op", "op-password", cache=Cache(tmp_path / "c.db"), listener=rec, clock=clock)
    assert link.retain_days == 30
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online")
        assert fresh in link.state["cases"] and old not in link.state["cases"]   # in memory: the window
        await until(link.settled, what="snapshot in the cache")
        assert [x["id"] for x in link.cache.get_cases([old])] == [old]         # on disk: the archive
        # the public rates the old case: the link reads it back from the cache, then applies
        ack, _ = await c.command("case.rate", {"case_id": old, "rating": 4})
        assert ack["type"] == "ack"
        await until(lambda: link.state["seq"] == srv.hub.state["seq"], what="the rating")
        assert rec.history == [old]
        assert link.state["cases"][old] == srv.hub.state["cases"][old]
        assert link.state["cases"][old]["rating"] == 4
        # once it is in the cache and older than the window again, it leaves memory
        await until(link.settled, what="the cache write")
        clock.advance(31 * DAY)                               # older than the window again
        assert old in (link.prune() or [])
        assert set(rec.archived) == {old, fresh}                 # `fresh` aged out too by now
        assert old not in link.state["cases"] and fresh not in link.state["cases"]
        # the operator searches the archive by words of the title
        ids, more = await link.search_archive("退费")
        assert ids == [old] and not more and link.state["cases"][old]["rating"] == 4
        assert await link.search_archive("no such words") == ([], False)
        # a restart loads the window only; the archive is still searchable
        await link.stop()
        task.cancel()
        link2 = ServerLink(ws, "op", "op-password", cache=Cache(tmp_path / "c.db"), listener=Archive(),
                           clock=clock)
        await link2.open_cache()
        await asyncio.wait_for(link2.history_loaded.wait(), 10)
        assert old not in link2.state["cases"] and link2.state["seq"] == srv.hub.state["seq"]
        assert (await link2.search_archive("预付卡"))[0] == [old]
        await link2.stop()
    finally:
        task.cancel()
        await link.stop()
        await c.close()
        await srv.stop()


async def test_an_event_on_a_case_the_cache_lost_resyncs_with_everything_in_memory(tmp_path):
    """If the archive does not have a case an event touches (the cache file was damaged or
    replaced), the link does not apply the event to nothing: it takes a fresh snapshot and
    keeps the whole state in memory until the cache holds it again."""
    from server.app import XiaonaoServer
    clock = Clock()
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    ws = f"ws://127.0.0.1:{srv.port}/ws"
    c = await RawClient.connect(ws, "op")
    await c.recv()
    old = await closed_case(c)
    clock.advance(31 * DAY)                                   # older than the 30-day window
    rec = Archive()
    link = ServerLink(ws, "op", "op-password", cache=Cache(tmp_path / "c.db"), listener=rec, clock=clock)
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online" and link.settled())
        assert old not in link.state["cases"]
        with link.cache.engine.begin() as conn:                  # the archive loses the case
            conn.exec_driver_sql("DELETE FROM cases WHERE id = ?", (old,))
        resets = rec.resets
        ack, _ = await c.command("case.note", {"case_id": old, "note": "回访：满意"})
        assert ack["type"] == "ack"
        await until(lambda: rec.resets > resets and link.state["seq"] == srv.hub.state["seq"], what="resync")
        assert any(s.state == "resyncing" for s in rec.links)
        assert link.state["cases"] == srv.hub.state["cases"]     # the old case too, with its note
        await until(link.settled, what="snapshot in the cache")
        assert [x["id"] for x in link.cache.get_cases([old])] == [old]
    finally:
        task.cancel()
        await link.stop()
        await c.close()
        await srv.stop()


def test_a_cache_from_the_previous_version_keeps_its_cases_and_searches_them(tmp_path):
    """A cache written before the archive existed (no search column, no index) opens with
    its cases, outbox and token, and its archive search looks in the stored bodies."""
    import time as _time

    from bench.synth import synth_state
    from models.timeutil import epoch
    st = synth_state(50, open_fraction=0.1, span_days=90)
    cache = Cache(tmp_path / "c.db")
    cache.save_state(st)
    cache.outbox_add("cmd-1", "case.note", {"case_id": "C000001", "note": "x"})
    cache.set_meta("token", "t0k3n")
    with cache.engine.begin() as conn:                         # back to schema 2
        conn.exec_driver_sql("DROP INDEX ix_cases_archive")
        conn.exec_driver_sql("ALTER TABLE cases DROP COLUMN search")
    cache.close()
    cache = Cache(tmp_path / "c.db")
    state, _ = cache.load()
    assert state["cases"] == st["cases"]
    assert [r["id"] for r in cache.outbox()] == ["cmd-1"] and cache.get_meta("token") == "t0k3n"
    before = _time.time() - 30 * 86400
    old = [c for c in st["cases"].values() if c["status"] == "closed" and epoch(c["updated"]) < before]
    target = old[0]
    found, more = cache.search_archive(target["id"], before)
    assert [c["id"] for c in found] == [target["id"]] and not more
    road = target["location"]["address"][:4]                  # e.g. 九堡大道: every old case on it
    found, _ = cache.search_archive(road, before)
    assert {c["id"] for c in found} == {c["id"] for c in old if c["location"]["address"].startswith(road)}
    cache.close()


async def test_a_damaged_cache_at_start_leaves_the_link_working_from_memory(tmp_path):
    """The cache file is not a database any more (a disk error, a copy gone wrong): the link
    says the cache cannot be used, still goes online, takes the server's state and carries
    the operator's commands; the damaged file is left as it is for a person to look at."""
    from server.app import XiaonaoServer
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not an SQLite database" * 100)
    link = ServerLink(f"ws://127.0.0.1:{srv.port}/ws", "op", "op-password", cache_path=path, listener=Recorder())
    try:
        try:
            await link.open_cache()
        except Exception:
            pass                                   # the cockpit logs it and goes on (client/qtlink.py)
        assert link.status.cache_problem == "error" and link.history_loaded.is_set() and link.cache is None
        task = asyncio.create_task(link.run())
        await until(lambda: link.status.state == "online")
        cid = await link.submit("case.report", REPORT)
        await until(lambda: cid not in link.outbox, what="the ack")
        assert link.state["cases"] == srv.hub.state["cases"] and len(link.state["cases"]) == 1
        assert path.read_bytes().startswith(b"this is not an SQLite database")
        task.cancel()
    finally:
        await link.stop()
        await srv.stop()
