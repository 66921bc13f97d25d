"""What a long history must not cost the room (issue 19): a flood from one source does not
hold back another console's command; a new cockpit that offers compression gets its
snapshot compressed while live events stay plain; closed cases the server keeps as JSON
still take events. Real server, real clients; no timings (bench/window.py measures)."""
from __future__ import annotations

import asyncio
import json

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
