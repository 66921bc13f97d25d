"""The link's cache writer (client/cachewriter.py) on a real cache file: a snapshot staged as
its frames arrive, swapped in whole or not at all."""
from __future__ import annotations

import asyncio
import json

from client.cache import Cache
from client.cachewriter import CacheIO, CacheWriter
from models import protocol
from models.state import empty_state, from_wire, to_wire

from .helpers import until


def state_of(n: int, seq: int, title: str) -> dict:
    st = empty_state()
    st["seq"] = seq
    for i in range(1, n + 1):
        cid = f"C{i:06d}"
        st["cases"][cid] = {"id": cid, "status": "new", "title": f"{title}{i}", "priority": 3, "category": "traffic",
                            "source": "grid", "location": {"address": "杭海路1号"},
                            "times": {"reported": "2026-11-30T08:00:00+00:00"}, "timeline": []}
    return st


def frames_of(st: dict) -> list[str]:
    wire = to_wire(st)
    cases = [json.dumps(c, ensure_ascii=False) for c in wire.pop("cases")]
    head = json.dumps(wire, ensure_ascii=False)
    return protocol.snapshot_frames(st["seq"], head, ((t, len(t.encode())) for t in cases), 4000)


async def test_a_snapshot_cut_off_leaves_the_older_state_and_a_whole_one_replaces_it(tmp_path):
    path = tmp_path / "cache.db"
    older = state_of(5, 5, "旧")
    Cache(path).save_state(older)
    io = CacheIO()
    io.cache = Cache(path)
    current = {"state": older}
    problems: list[str] = []
    writer = CacheWriter(io, lambda: current["state"], lambda coro, on_error=None: asyncio.ensure_future(coro),
                         on_problem=problems.append)
    newer = state_of(100, 80, "新")
    raws = frames_of(newer)
    assert len(raws) > 4                                  # a paged snapshot
    for i, raw in enumerate(raws[:3]):                    # the connection goes after three frames
        writer.snapshot_frame(raw, i == 0)
    assert not writer.settled()
    writer.snapshot_abort()
    await until(writer.settled, what="the cut-off snapshot dropped")
    on_disk, _ = Cache(path).load()
    assert on_disk["seq"] == 5 and on_disk["cases"] == older["cases"]      # the older state, whole
    for i, raw in enumerate(raws):                        # the next connection's snapshot, whole
        writer.snapshot_frame(raw, i == 0)
    msg = protocol.parse_server_frame(raws[0])
    wire = msg["state"]
    for raw in raws[1:]:
        wire["cases"] += protocol.parse_server_frame(raw)["cases"]
    current["state"] = dict(from_wire(wire), seq=newer["seq"])
    writer.snapshot_applied("log-1")
    assert await writer.caught_up()
    await until(writer.settled, what="the snapshot in the cache")
    on_disk, _ = Cache(path).load()
    assert on_disk["seq"] == 80 and on_disk["cases"] == newer["cases"] and not problems
    assert io.cache.get_meta("log_id") == "log-1"
    await writer.close()
    io.shutdown()
