"""The compact case form (models/compact.py, docs/protocol.md "The compact case form"): a
cockpit's snapshot carries closed (and quiet open) cases in about half the JSON, and the
cockpit shows them in full. Lossless on realistic cases and on shapes it cannot shorten;
a cockpit that offers it gets it, any other client the plain form; the link's state and its
cache hold the plain case; an event on such a case works as on any other."""
from __future__ import annotations

import asyncio
import json
import os

import orjson
import websockets

from models.commands import Actor
from models.compact import FORM, MARK, compact, compact_text, expand

from .conftest import ws_url
from .history import History

REPORT = {"title": "占道经营", "category": "city_management", "source": "grid", "priority": 3,
          "location": {"address": "九堡大道12号"}, "reporter": {"name": "张先生", "phone": "13812345678"},
          "description": "群众来电反映：门口堆放杂物占用人行道。"}
STEPS = [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.contact", {}),
         ("case.arrive", {}), ("case.feedback", {"note": "已劝导，现场恢复"}), ("case.close", {"resolution": "已解决"})]


def test_realistic_cases_come_back_exactly_from_about_half_the_json():
    h = History(1_790_000_000.0, seed=3)
    for i in range(60):
        h.case(close=i % 4 != 0)
    plain = compact_size = 0
    for case in h.state["cases"].values():
        case = json.loads(json.dumps(case))                  # (as the server holds it: JSON)
        text = compact_text(case)
        assert orjson.loads(text)[MARK] == 1                 # every one of them compacted
        assert expand(orjson.loads(text)) == case
        plain += len(orjson.dumps(case))
        compact_size += len(text)
    assert compact_size < 0.6 * plain


def test_shapes_it_cannot_shorten_are_kept_as_they_are():
    base = {"id": "C000001", "title": "t", "status": "closed", "subtags": [], "escalation": -1,
            "times": {"reported": "2026-09-28T15:25:17.011Z", "closed": "yesterday"},
            "created": "2026-09-28T15:25:17.011Z", "updated": "2026-09-28T17:00:00.000Z",
            "timeline": [{"seq": 3, "at": "2026-09-28T15:25:17.011Z", "name": "case.reported", "actor": "op"},
                         {"seq": 4, "at": "2026-09-28T15:25:17.011+08:00", "name": "case.noted", "actor": "op"},
                         {"at": "2026-09-28T15:26:00.000Z", "name": "case.accepted", "actor": "op"},
                         {"seq": 9, "at": "2026-02-30T10:00:00.000Z", "name": "x", "actor": "op"},
                         {"seq": 10, "at": "2026-09-28T16:00:00.500Z", "name": "team.note", "actor": None},
                         {"seq": 11, "at": "2026-09-28T16:00:01.000Z", "name": "case.closed", "actor": "op",
                          "resolution": "好"}, "not an entry"],
            "notes": [{"at": "2026-09-28T16:00:01.000Z", "by": "op", "text": "另一句"},
                      {"at": "2026-09-28T16:00:01.000Z", "by": "op", "text": "好", "kind": "progress"}],
            "escalation_note": None}
    variants = [base,
                {k: v for k, v in base.items() if k != "subtags"},            # an older case without the field
                {**base, "escalation": -1.0, "supervision": False},            # equal to the default, not the same
                {**base, "timeline": [{"seq": True, "at": "2026-09-28T15:25:17.011Z", "name": "case.x",
                                       "actor": "op"}]},
                {**base, "updated": 17},                                       # an integer where a time goes
                {"no": "id"}]
    for case in variants:
        c = compact(case)
        assert expand(orjson.loads(orjson.dumps(c))) == case, case
    assert MARK in compact(base) and isinstance(compact(base)["timeline"][0], list)   # (the rest still shortened)


async def _raw_snapshot(url: str, forms=None) -> dict:
    """The cases of a snapshot as they come over the wire, by id."""
    ws = await websockets.connect(url, max_size=4 * 1024 * 1024)
    await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password",
                              **({"forms": forms} if forms else {})}))
    json.loads(await ws.recv())
    first = json.loads(await asyncio.wait_for(ws.recv(), 10))
    cases = list(first["state"]["cases"])
    for _ in range(first.get("pages", 0)):
        cases += json.loads(await asyncio.wait_for(ws.recv(), 10))["cases"]
    await ws.close()
    return {c["id"]: c for c in cases}


async def test_a_cockpit_gets_closed_cases_compact_and_holds_and_caches_them_whole(server, tmp_path):
    from client.cache import Cache
    from client.session import ServerLink

    hub, op = server.hub, Actor("op", "operator")
    await hub.execute(op, "case.report", REPORT, "r-1")
    cid = next(iter(hub.state["cases"]))
    for i, (name, args) in enumerate(STEPS):
        await hub.execute(op, name, {"case_id": cid, **args}, f"s-{i}")
    await hub.execute(op, "case.note", {"case_id": cid, "note": "回访：群众满意"}, "n-1")
    await hub.execute(op, "case.report", dict(REPORT, title="还开着的"), "r-2")
    server_cases = {k: json.loads(json.dumps(v)) for k, v in hub.state["cases"].items()}
    assert server_cases[cid]["status"] == "closed"

    plain = await _raw_snapshot(ws_url(server))
    first = await _raw_snapshot(ws_url(server), [FORM])
    # a case whose compact form is not made yet goes plain (the forms mix); it is made then
    assert {k: expand(v) for k, v in first.items()} == server_cases
    await _until(hub.compact_settled)
    packed = await _raw_snapshot(ws_url(server), [FORM])
    assert plain == server_cases and all(MARK not in c for c in plain.values())   # an old client: as before
    assert packed[cid][MARK] == 1 and "timeline" in packed[cid]                   # the cockpit: compact
    assert len(orjson.dumps(packed[cid])) < 0.7 * len(orjson.dumps(plain[cid]))
    assert {k: expand(v) for k, v in packed.items()} == server_cases

    # the cockpit's link: its state and its cache hold the whole case
    path = os.path.join(tmp_path, "cache.db")
    link = ServerLink(ws_url(server), "op", "op-password", cache=Cache(path), retain_days=30)
    task = asyncio.ensure_future(link.run())
    try:
        await _until(lambda: link.status.state == "online" and link.settled() and cid in link.state["cases"])
        assert json.loads(json.dumps(link.state["cases"][cid])) == server_cases[cid]
        # an event on the case it received compact: applied to the whole case
        await hub.execute(op, "case.rate", {"case_id": cid, "rating": 5}, "rate")
        await _until(lambda: link.state["cases"][cid].get("rating") == 5 and link.settled())
        assert [e["name"] for e in link.state["cases"][cid]["timeline"]][-2:] == ["case.noted", "case.rated"]
        assert json.loads(json.dumps(link.state["cases"][cid])) == json.loads(json.dumps(hub.state["cases"][cid]))
    finally:
        await link.stop()
        task.cancel()
    cached, _age = Cache(path).load()
    assert cached is not None
    assert json.loads(json.dumps(cached["cases"][cid])) == json.loads(json.dumps(hub.state["cases"][cid]))
    assert MARK not in cached["cases"][cid]


async def _until(pred, timeout=20.0):
    from .helpers import until
    await until(pred, timeout=timeout, what="the link to hold the case")


def test_the_cockpit_shows_a_closed_case_it_received_compact_in_full(cockpit, loop, demo_server):
    """A closed case comes in a fresh snapshot in the compact form: the detail shows its
    whole timeline, its note and its resolution, as for any case."""
    from server.app import MAX_OUT_FRAME
    from server.views import FULL
    win = cockpit
    room, link, detail = win.room, win.link, win.panels["detail"]
    link.submit("case.report", dict(REPORT, title="楼道堆放杂物"))
    loop.wait(lambda: len(room.state["cases"]) == 1, what="case reported")
    cid = next(iter(room.state["cases"]))
    for name, args in STEPS:
        before = len(room.state["cases"][cid]["timeline"])
        link.submit(name, {"case_id": cid, **args})
        loop.wait(lambda b=before: len(room.state["cases"][cid]["timeline"]) > b, what=name)
    whole = json.loads(json.dumps(room.state["cases"][cid]))
    assert whole["status"] == "closed"
    hub = demo_server.server.hub

    def compact_on_the_wire() -> bool:
        frames = asyncio.run_coroutine_threadsafe(_frames(hub, MAX_OUT_FRAME, FULL), demo_server._loop).result(10)
        pages = [orjson.loads(bytes(f)) for f in frames]
        sent = [c for p in pages for c in (p.get("state") or p).get("cases", [])]
        return any(c["id"] == cid and c.get(MARK) == 1 for c in sent)
    compact_on_the_wire()         # a snapshot notes the case is not compact yet, then it is made
    loop.wait(lambda: asyncio.run_coroutine_threadsafe(_settled(hub), demo_server._loop).result(10),
              what="compact form made")
    assert compact_on_the_wire()
    resets: list = []
    link.sig_reset.connect(lambda *_a: resets.append(1))
    link.link.resync()             # the cockpit's fresh snapshot carries it compact
    loop.wait(lambda: resets and link.status.state == "online" and link.link.settled(), what="resynced")
    assert json.loads(json.dumps(room.state["cases"][cid])) == whole
    win.queue.select_case(cid)
    loop.pump(0.1)
    assert detail.case_id == cid
    assert detail.timeline.count() == len(whole["timeline"]) == 8
    assert "已劝导，现场恢复" in detail.timeline.item(6).text()
    assert "已解决" in detail.timeline.item(7).text()


async def _frames(hub, max_frame, view):
    return hub.snapshot_frames(max_frame, view, compact=True)


async def _settled(hub):
    return hub.compact_settled()


async def test_the_first_cockpit_after_a_restart_gets_the_window_compact(db_url, tmp_path):
    """The window's compact form is made before the server serves anyone: the first cockpits
    after a start got the plain cases (at 15,000 cases 26.7 MiB of JSON, not 16.3 MiB)."""
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    op = Actor("op", "operator")
    await srv.hub.execute(op, "case.report", REPORT, "r-1")
    cid = next(iter(srv.hub.state["cases"]))
    for i, (name, args) in enumerate(STEPS):
        await srv.hub.execute(op, name, {"case_id": cid, **args}, f"s-{i}")
    await srv.stop()
    from server.hub import Hub
    from server.store import EventStore
    store = EventStore(db_url)
    hub = Hub(store)
    await hub.start()
    try:      # made as the hub starts, not on a thread after it (done a few turns later)
        assert hub.compact_settled()
    finally:
        await hub.stop()
        store.dispose()
    again = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await again.start()
    try:
        first = await _raw_snapshot(ws_url(again), [FORM])      # at once: nothing waited for
        assert first[cid].get(MARK) == 1 and "timeline" in first[cid]
        assert expand(first[cid])["status"] == "closed"
    finally:
        await again.stop()
