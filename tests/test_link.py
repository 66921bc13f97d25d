"""The cockpit's link against the real server: kill it mid-stream, work offline, restart the client."""
from __future__ import annotations

import asyncio

from client.cache import Cache
from client.session import LinkStatus, ServerLink, SessionListener, backoff_delay
from models.state import from_wire

from .conftest import RawClient, make_db
from .helpers import ServerProcess, until

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
    c = await RawClient.connect(url, "wall")
    snap = await c.recv()
    await c.close()
    st = from_wire(snap["state"])
    st["seq"] = snap["seq"]
    return st


def test_backoff_is_jittered_and_capped():
    delays = [backoff_delay(a) for a in range(12) for _ in range(50)]
    assert max(delays) <= 2.0 and min(delays) > 0
    assert len({round(d, 3) for d in delays}) > 100


async def test_kill_offline_commands_and_client_restart(tmp_path):
    url = make_db(tmp_path)
    srv = await asyncio.to_thread(ServerProcess(url).start)
    cache_path = tmp_path / "cockpit.db"
    rec = Recorder()
    link = ServerLink(srv.url, "op", "op-password", cache=Cache(cache_path), listener=rec)
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
        link2 = ServerLink(srv.url, "op", None, cache=Cache(cache_path), listener=rec2)  # token from the cache
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
    rec = Pages()
    link = ServerLink("ws://127.0.0.1:9/ws", "op", "x", cache=Cache(tmp_path / "c.db"), listener=rec)
    await link.open_cache()
    first = dict(link.state["cases"])
    open_ids = {c for c, v in st["cases"].items() if v["status"] != "closed"}
    assert rec.resets == 1 and open_ids <= set(first) and len(first) < len(st["cases"]) / 4
    assert not link.history_loaded.is_set()       # the session would wait here before reading frames
    await asyncio.wait_for(link.history_loaded.wait(), 30)
    paged = [c for page in rec.pages for c in page]
    assert len(rec.pages) >= 2 and len(paged) == len(set(paged)) and not set(paged) & set(first)
    assert all(st["cases"][c]["status"] == "closed" for c in paged)
    assert link.state["cases"] == st["cases"] and link.state["seq"] == st["seq"]
    await link.stop()
