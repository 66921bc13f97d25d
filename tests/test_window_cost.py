"""What a long history must not cost the room (issue 19): a flood from one source does not
hold back another console's command, not even for the rest of the batch being decided; a
snapshot being built for a new cockpit (or wall, or squad) does not stop live events to the
others; a new cockpit that offers compression gets its snapshot compressed while live
events stay plain; cases the server keeps as JSON still take events. Real server, real
clients; no timings (bench/window.py measures)."""
from __future__ import annotations

import asyncio
import json
import threading

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate

from models.commands import Actor

from .conftest import RawClient, ws_url

REPORT = {"title": "占道经营", "category": "city_management", "source": "grid", "priority": 3,
          "location": {"address": "九堡大道12号"},
          "description": "群众来电反映：门口堆放杂物占用人行道，影响通行，请尽快处理。" * 3}


async def test_a_flood_from_one_source_does_not_hold_back_another_consoles_command(server):
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()                                        # its snapshot
    importer = Actor("intake", "intake")
    flood = [server.hub.submit(importer, "case.report", dict(REPORT, title=f"导入{i}"), f"imp-{i}", "file:x")
             for i in range(1500)]
    answer, _seen = await op.command("case.report", dict(REPORT, title="值班员的新案件"), timeout=60)
    assert answer["type"] == "ack"
    seqs = await asyncio.gather(*flood)
    # the console's report was decided with the flood's next batch, not after all of it
    assert answer["seq"] < max(seqs)
    assert sorted(seqs) == seqs                              # the flood kept its own order
    await op.close()


async def test_a_consoles_command_cuts_into_a_large_batch_being_decided(server, monkeypatch):
    """A batch of 500 imported reports is being decided when a console's report comes in:
    the batch is cut where it stands (the rest goes back to the queue, in order), and the
    console's report is decided next, before the rest of that batch."""
    import server.hub as hub_mod
    monkeypatch.setattr(hub_mod, "DECIDE_SLICE", 0.0)     # give the loop a turn after every command
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()                                        # its snapshot
    importer = Actor("intake", "intake")
    flood = [server.hub.submit(importer, "case.report", dict(REPORT, title=f"导入{i}"), f"imp-{i}", "file:x")
             for i in range(hub_mod.MAX_BATCH)]           # one whole batch, taken before the console sends
    answer, _seen = await op.command("case.report", dict(REPORT, title="值班员的新案件"), timeout=60)
    assert answer["type"] == "ack"
    seqs = await asyncio.gather(*flood)
    assert answer["seq"] < seqs[-1]                          # not after the whole batch it cut into
    assert sorted(seqs) == seqs and len(set(seqs)) == len(seqs)   # the import kept its order, lost nothing
    titles = [c["title"] for c in server.hub.state["cases"].values()]
    assert titles.count("值班员的新案件") == 1 and sum(t.startswith("导入") for t in titles) == hub_mod.MAX_BATCH
    await op.close()


class _Gate:
    """Holds the thread that builds a snapshot until the test opens it."""

    def __init__(self, fn):
        self.fn, self.entered, self.open = fn, threading.Event(), threading.Event()

    def __call__(self, *a, **kw):
        self.entered.set()
        assert self.open.wait(60), "the test never opened the gate"
        return self.fn(*a, **kw)


async def _next_event(client: RawClient, timeout=10.0, skip=("team.presence",)) -> dict:
    """The next event (a field terminal's connection adds its squad's presence: skipped)."""
    while True:
        m = await client.recv(timeout)
        if m.get("type") == "event" and m["name"] not in skip and \
                not (m["name"] == "view.update" and not m["data"]["cases"] and m["data"]["teams"]):
            return m


async def test_a_snapshot_being_built_for_a_new_cockpit_does_not_stop_live_events_to_others(server, monkeypatch):
    import server.hub as hub_mod
    hub, op = server.hub, Actor("op", "operator")
    for i in range(30):
        await hub.execute(op, "case.report", dict(REPORT, title=f"案件{i}"), f"r-{i}")
    watcher = await RawClient.connect(ws_url(server), "op")
    await watcher.recv()                                   # its snapshot, before the gate
    await hub.execute(op, "case.report", dict(REPORT, title="案件30"), "r-30")   # (the head moves on: built anew)
    assert (await _next_event(watcher))["data"]["title"] == "案件30"
    gate = _Gate(hub_mod.deflated_pages)                   # the full snapshot's paging, on a worker thread
    monkeypatch.setattr(hub_mod, "deflated_pages", gate)
    newcomer = await RawClient.connect(ws_url(server), "lead")
    assert await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
    # its snapshot is being built: the room goes on meanwhile
    await hub.execute(op, "case.report", dict(REPORT, title="建快照时的新案件"), "during")
    ev = await _next_event(watcher)
    assert ev["name"] == "case.reported" and ev["data"]["title"] == "建快照时的新案件"
    assert not gate.open.is_set()                            # (still building)
    gate.open.set()
    snap = await newcomer.recv(30)
    assert snap["type"] == "snapshot" and len(snap["state"]["cases"]) == 31 and snap["seq"] < ev["seq"]
    late = await _next_event(newcomer)                       # then what happened meanwhile
    assert late["seq"] == ev["seq"] and late["data"]["title"] == "建快照时的新案件"
    await watcher.close()
    await newcomer.close()


async def test_a_walls_or_squads_snapshot_being_built_does_not_stop_live_events_to_others(server, monkeypatch):
    """The views' snapshots (the wall's masked window, a squad's cases) are tested, parsed and
    masked on a worker thread too."""
    import server.hub as hub_mod
    hub, op = server.hub, Actor("op", "operator")
    await hub.execute(op, "case.report", dict(REPORT, reporter={"name": "张三", "phone": "13812345678"}), "r-0")
    watcher = await RawClient.connect(ws_url(server), "op")
    await watcher.recv()
    for user in ("wall", "w01"):
        gate = _Gate(hub_mod.case_texts)
        monkeypatch.setattr(hub_mod, "case_texts", gate)
        newcomer = await RawClient.connect(ws_url(server), user)
        assert await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
        await hub.execute(op, "case.report", dict(REPORT, title=f"{user}连接时的新案件"), f"during-{user}")
        ev = await _next_event(watcher)
        assert ev["data"]["title"] == f"{user}连接时的新案件" and not gate.open.is_set()
        gate.open.set()
        snap = await newcomer.recv(30)
        assert snap["type"] == "snapshot"
        if user == "wall":                                   # masked, as before
            assert [c["reporter"]["phone"] for c in snap["state"]["cases"]][:1] == ["138****5678"]
            assert (await _next_event(newcomer))["seq"] == ev["seq"]
        else:                                                # a squad sees none of them, and a placeholder
            assert snap["state"]["cases"] == []
            hidden = await _next_event(newcomer)
            assert hidden["seq"] == ev["seq"] and hidden["name"] == "hidden"
        await newcomer.close()
    await watcher.close()


class _Counting(PerMessageDeflate):
    frames: list[tuple[bool, int]]

    def decode(self, frame, *, max_size=None):
        self.frames.append((frame.rsv1, len(frame.data)))
        return super().decode(frame, max_size=max_size)


class _CountingFactory(ClientPerMessageDeflateFactory):
    def __init__(self):
        super().__init__()
        self.frames: list[tuple[bool, int]] = []

    def process_response_params(self, params, accepted):
        e = super().process_response_params(params, accepted)
        ext = _Counting(e.remote_no_context_takeover, e.local_no_context_takeover, e.remote_max_window_bits,
                        e.local_max_window_bits, e.compress_settings)
        ext.frames = self.frames
        return ext


async def _snapshot(url: str, extensions=None) -> tuple[dict, int, object]:
    ws = await websockets.connect(url, max_size=4 * 1024 * 1024, compression=None, extensions=extensions)
    await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password"}))
    json.loads(await ws.recv())                            # welcome
    raw = await ws.recv()
    first = json.loads(raw)
    size = len(raw.encode())
    cases = list(first["state"]["cases"])
    for _ in range(first.get("pages", 0)):
        raw = await ws.recv()
        size += len(raw.encode())
        cases += json.loads(raw)["cases"]
    return {c["id"]: c for c in cases}, size, ws


async def test_a_new_cockpit_that_offers_compression_gets_the_snapshot_compressed_and_events_plain(server):
    hub = server.hub
    op = Actor("op", "operator")
    for i in range(120):
        await hub.execute(op, "case.report", dict(REPORT, title=f"案件{i}"), f"r-{i}")
    plain, text_bytes, ws1 = await _snapshot(ws_url(server))
    factory = _CountingFactory()
    packed, _same, ws2 = await _snapshot(ws_url(server), [factory])
    assert packed == plain and len(packed) == 120
    wire = sum(n for _z, n in factory.frames)
    assert all(z for z, _n in factory.frames[1:])          # the snapshot's frames came compressed
    assert wire * 3 < text_bytes                             # (JSON of cases compresses ~5-8x)
    before = len(factory.frames)
    await hub.execute(op, "case.report", dict(REPORT, title="新的一件"), "r-new")
    event = json.loads(await asyncio.wait_for(ws2.recv(), 10))
    assert event["name"] == "case.reported" and event["data"]["title"] == "新的一件"
    assert factory.frames[before:] and not any(z for z, _n in factory.frames[before:])   # a live event: plain
    await ws1.close()
    await ws2.close()


async def test_closed_cases_kept_as_json_take_ratings_notes_and_reopening(server):
    hub = server.hub
    op = Actor("op", "operator")
    await hub.execute(op, "case.report", REPORT, "c-1")
    cid = next(iter(hub.state["cases"]))
    for i, (name, args) in enumerate([("case.accept", {}), ("case.dispatch", {"team_id": "W01"}),
                                      ("case.sign", {}), ("case.contact", {}), ("case.arrive", {}),
                                      ("case.feedback", {"note": "已处理"}), ("case.close", {"resolution": "已解决"})]):
        await hub.execute(op, name, {"case_id": cid, **args}, f"s-{i}")
    c = await RawClient.connect(ws_url(server), "op")
    snap = await c.recv()
    assert snap["state"]["cases"][0]["status"] == "closed"
    await hub.execute(op, "case.rate", {"case_id": cid, "rating": 4}, "rate")
    await hub.execute(op, "case.note", {"case_id": cid, "note": "回访：群众满意"}, "note")
    await hub.execute(op, "case.reopen", {"case_id": cid, "reason": "又堆上了"}, "reopen")
    case = hub.state["cases"][cid]
    assert case["status"] != "closed" and case["reopen_count"] == 1
    assert [e["name"] for e in case["timeline"][-3:]] == ["case.rated", "case.noted", "case.reopened"]
    names = []
    while len(names) < 3:
        m = await c.recv()
        if m.get("type") == "event":
            names.append(m["name"])
    assert names == ["case.rated", "case.noted", "case.reopened"]
    fresh = await RawClient.connect(ws_url(server), "op")
    again = (await fresh.recv())["state"]["cases"]
    assert again == [case]
    await c.close()
    await fresh.close()


async def test_open_cases_no_event_changed_lately_are_kept_as_json_and_still_take_events(server):
    """Thousands of open cases wait for their squads: after a look at the window they are held
    as their JSON (server/casemap.py), and a command on one works as on any case."""
    hub, op = server.hub, Actor("op", "operator")
    await hub.execute(op, "case.report", REPORT, "o-1")
    cid = next(iter(hub.state["cases"]))
    watcher = await RawClient.connect(ws_url(server), "op")
    before = (await watcher.recv())["state"]["cases"]
    hub.prune()
    assert hub.state["cases"].is_cold(cid) and hub.state["cases"][cid]["status"] != "closed"
    fresh = await RawClient.connect(ws_url(server), "lead")
    assert (await fresh.recv())["state"]["cases"] == before        # the same case in a snapshot
    await hub.execute(op, "case.accept", {"case_id": cid}, "o-2")
    await hub.execute(op, "case.dispatch", {"case_id": cid, "team_id": "W01"}, "o-3")
    assert hub.state["cases"][cid]["status"] == "dispatched" and not hub.state["cases"].is_cold(cid)
    assert [(await _next_event(watcher))["name"] for _ in range(2)] == ["case.accepted", "case.dispatched"]
    hub.prune()                                                     # the window's look again: JSON again,
    assert hub.state["cases"].is_cold(cid) and cid in hub.state["cases"]   # and still in the window
    await watcher.close()
    await fresh.close()


async def test_the_queue_puts_a_consoles_command_first_and_keeps_each_sources_order():
    from server.hub import LIGHT_SHARE, FairQueue, Pending
    loop = asyncio.get_running_loop()
    q = FairQueue()
    imp, op = Actor("intake", "intake"), Actor("op", "operator")

    def put(actor, peer, cid):
        q.put_nowait(Pending(actor, cid, "case.report", {}, peer, loop.create_future()))
    for i in range(300):
        put(imp, "file:x", f"imp-{i}")
    put(op, "10.0.0.2:5000", "console-1")
    batch = q.take_batch(500, 50)
    # the console's command first (its first waiting command before any source's second),
    # and a small batch while it is there, so that it commits quickly
    assert [p.command_id for p in batch] == ["imp-0", "console-1"] + [f"imp-{i}" for i in range(1, LIGHT_SHARE)]
    # a batch cut short gives back what it did not decide, before what came after it
    q.put_back(batch[3:])
    put(imp, "file:x", "imp-later")
    again = q.take_batch(500, 50)                                  # (the import alone: a whole batch)
    assert [p.command_id for p in again] == [f"imp-{i}" for i in range(2, 300)] + ["imp-later"]
    assert q.empty()


def test_a_login_beside_a_commit_waits_for_its_turn_not_in_sqlites_busy_wait(db_url, monkeypatch):
    """SQLite: a login's token row written while the command pipeline's transaction is open
    waits in this process for that transaction's end and then goes on: it never meets
    SQLite's write lock (whose busy handler sleeps 1, 2, 5 ... 100 ms between its looks, so a
    commit behind a login's write used to sleep on after the write had ended). Here SQLite's
    own busy timeout is cut to 20 ms, far less than the pipeline's transaction is held: the
    login still succeeds, after the batch is committed. No timings asserted."""
    import server.store as store_mod
    from server.store import EventStore
    monkeypatch.setattr(store_mod, "SQLITE_BUSY_TIMEOUT_MS", 20)
    store = EventStore(db_url)
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def pipeline():                  # a batch's transaction, held open until the test lets it go
        with store.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('burst-test', 'x')")
            holding.set()
            assert release.wait(30)
            order.append("batch committed")

    def login():
        store.add_token("h" * 64, "op", 4e9)
        order.append("login written")

    t1 = threading.Thread(target=pipeline)
    t1.start()
    assert holding.wait(30)
    t2 = threading.Thread(target=login)
    t2.start()
    t2.join(0.3)                     # (SQLite alone would have refused it after 20 ms: "database is locked")
    assert t2.is_alive() and not order
    release.set()
    t1.join(30)
    t2.join(30)
    assert order == ["batch committed", "login written"]
    assert store.token_info("h" * 64) is not None
    store.engine.dispose()


async def test_a_consoles_ping_is_answered_while_another_connection_s_frame_of_commands_is_taken_in(server, monkeypatch):
    """A connection's frames already received are taken in in slices (server/app.py
    RECV_SLICE; here every command its own slice): an intake's frame of 500 reports does not
    hold the loop until all 500 are queued, so another console is answered in between (its
    commits published, its frames read). Structure only, no timings."""
    import server.app as app_mod
    from models.protocol import MAX_COMMANDS_A_FRAME
    monkeypatch.setattr(app_mod, "RECV_SLICE", 0.0)
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()                                        # its snapshot
    intake = await RawClient.connect(ws_url(server), "intake")
    await intake.recv()
    taken: list[str] = []
    take = server._take_command

    def counted(frame, *a, **kw):
        taken.append(frame.id)
        return take(frame, *a, **kw)
    monkeypatch.setattr(server, "_take_command", counted)
    short = {k: v for k, v in REPORT.items() if k != "description"}
    items = [{"id": f"imp-{i}", "name": "case.report", "args": dict(short, title=f"导入{i}")}
             for i in range(MAX_COMMANDS_A_FRAME)]
    await intake.ws.send(json.dumps({"type": "commands", "commands": items}))
    await op.ws.send(json.dumps({"type": "ping", "t": 7}))
    while (m := await op.recv(30)).get("type") != "pong":
        pass
    assert len(taken) < MAX_COMMANDS_A_FRAME           # answered before the whole frame was taken in
    acks = 0
    while acks < MAX_COMMANDS_A_FRAME:                   # and the frame's every command goes in, in order
        m = await intake.recv(60)
        if m.get("type") in ("ack", "error"):
            assert m["type"] == "ack", m
            acks += 1
    assert taken == [f"imp-{i}" for i in range(MAX_COMMANDS_A_FRAME)]
    await op.close()
    await intake.close()
