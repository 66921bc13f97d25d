"""What the writer does on the event loop during a burst, in turns of the loop rather than
in time (the delays are measured in bench/window.py): a commit's end reaches the other
clients within two turns, the look at the window (`Hub.prune`) gives the loop a turn between
its slices and leaves the state whole whatever is decided and merged between them, the
writer's looks keep the changed cases (dicts) bounded through a flood, and a WebSocket's
frames piled up in its socket are read in pieces. Real server, real SQLite."""
from __future__ import annotations

import asyncio
import json

import websockets

from models.commands import Actor
from server import hub as hub_mod

from .conftest import RawClient, ws_url
from .helpers import until
from .test_pipeline import REPORT, flood, log_state, memory_state

OP = Actor("op", "operator")


class Turns:
    """Counts the loop's turns: a callback that schedules itself again each turn."""

    def __init__(self) -> None:
        self.n = 0
        self._loop = asyncio.get_running_loop()
        self._on = True
        self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.n += 1
        if self._on:
            self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._on = False


async def test_a_commits_end_reaches_the_other_clients_within_two_turns_of_the_loop(server):
    """The database thread's end of a commit lands on the loop in one callback, which settles
    the commit's future and wakes the writer; the writer publishes in the next turn, and the
    frames are written to the subscribers' transports then, not at the end of that turn.
    (Through the tasks, shield, wait_for and asyncio.wait around the commit it was four to
    six turns, each of them, during a burst, a slice of every busy connection's reading and
    deciding.)"""
    hub = server.hub
    watcher = await RawClient.connect(ws_url(server), "op")
    await watcher.recv()                                    # its snapshot: live from now on
    turns = Turns()
    settled: list[int] = []
    published: list[tuple[int, bool]] = []
    commit = hub._commit

    def marked(*args):
        fut = commit(*args)
        # run in the turn after the one that settled it (before the writer, which awaits it later)
        fut.add_done_callback(lambda _f: settled.append(turns.n))
        return fut
    hub._commit = marked
    # (the listeners are told after the frames are out: nothing is left for the end of the turn)
    hub.listeners.append(lambda evs: published.append(
        (turns.n, all(not s._out for s in hub.subscribers))))
    try:
        for i in range(3):
            await hub.execute(OP, "case.report", dict(REPORT, title=f"值班{i}"), f"turns-{i}")
    finally:
        turns.stop()
        hub._commit = commit
    assert len(settled) == len(published) == 3
    for at, (then, written) in zip(settled, published):
        assert then == at, (settled, published)             # the turn right after the commit settled
        assert written
    names = []
    while len(names) < 3:
        m = await watcher.recv()
        if m.get("type") == "event":
            names.append(m["name"])
    assert names == ["case.reported"] * 3
    await watcher.close()


async def test_the_look_at_the_window_gives_the_loop_turns_and_leaves_the_state_whole(server, monkeypatch):
    """The writer's look at the window freezes the changed cases (and drops the aged-out ones)
    in slices with a turn of the loop between them. Between two slices a command changes a
    case already frozen and one not yet reached: both end as the log has them, and a second
    look leaves every case as JSON."""
    monkeypatch.setattr(hub_mod, "PRUNE_SLICE", 0.0)        # a turn every 32 cases
    hub = server.hub
    for i in range(100):
        await hub.execute(OP, "case.report", dict(REPORT, title=f"案件{i}"), f"w-{i}")
    cases = hub.state["cases"]
    listed = list(cases.hot)
    assert len(listed) == 100
    first, last = listed[0], listed[-1]
    steps = hub._prune_steps(hub_mod.TOUCH_GRACE)
    next(steps)                                             # the first slice: 32 frozen, then a turn
    assert cases.is_cold(first) and not cases.is_cold(last)
    await hub.execute(OP, "case.accept", {"case_id": first}, "w-accept-first")
    await hub.execute(OP, "case.accept", {"case_id": last}, "w-accept-last")
    assert not cases.is_cold(first)                         # changed again: a dict
    rest = sum(1 for _ in steps)
    assert rest >= 2                                        # more turns before it was done
    assert cases[first]["status"] == cases[last]["status"] == "accepted"
    assert log_state(hub.store) == memory_state(hub)
    # in a task of its own, as the writer runs it: the loop turns meanwhile
    for i in range(100):
        await hub.execute(OP, "case.report", dict(REPORT, title=f"新案件{i}"), f"w2-{i}")
    turns = Turns()
    await hub._prune_in_slices()
    turns.stop()
    assert turns.n >= 2
    assert not cases.hot and log_state(hub.store) == memory_state(hub)


async def test_the_writers_looks_keep_the_changed_cases_bounded_through_a_flood(server, monkeypatch):
    """A flood past HOT_LIMIT changed cases several times over: the writer looks at the window
    in a task beside its batches (one look at a time), the cases it leaves as dicts stay
    bounded, and memory is the log's state throughout."""
    monkeypatch.setattr(hub_mod, "HOT_LIMIT", 40)
    monkeypatch.setattr(hub_mod, "PRUNE_SLICE", 0.0)
    hub = server.hub
    looks: list[int] = []
    steps = hub._prune_steps

    def counted(grace):
        looks.append(len(hub.state["cases"].hot))
        return steps(grace)
    hub._prune_steps = counted
    most = 0

    def watch(_events) -> None:
        nonlocal most
        most = max(most, len(hub.state["cases"].hot))
    hub.listeners.append(watch)
    futures = flood(hub, 3 * hub_mod.BULK_MIN)
    seqs = await asyncio.gather(*futures)
    if hub._pruner is not None:
        await hub._pruner
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len(looks) >= 2
    # looked at between the batches: never all of the flood's cases as dicts at once
    assert most < len(futures)
    hub.prune()
    assert not hub.state["cases"].hot
    assert log_state(hub.store) == memory_state(hub)


async def test_a_websockets_reads_are_taken_in_pieces_of_ws_read(server, monkeypatch):
    """An intake's frames piled up in the socket are read WS_READ bytes at a time (websockets
    parses every frame of a read in one callback: a 256 KiB read was ~800 reports in one
    piece of the loop), and every one of them is taken."""
    from server import http_files

    sizes: list[int] = []
    received = http_files.FilesConnection.data_received

    def recorded(self, data: bytes) -> None:
        if self._mode == "ws":
            sizes.append(len(data))
        received(self, data)
    monkeypatch.setattr(http_files.FilesConnection, "data_received", recorded)
    hub = server.hub
    # (uncompressed, as an intake system's client may well be: the frames' bytes are the wire's)
    ws = await websockets.connect(ws_url(server), compression=None, max_queue=None)
    await ws.send(json.dumps({"type": "hello", "user": "intake", "password": "intake-password"}))
    assert json.loads(await ws.recv())["type"] == "welcome"
    head = hub.head
    frames = [json.dumps({"type": "command", "id": f"pile-{i}", "name": "case.report", "args": REPORT})
              for i in range(1000)]
    for f in frames:                  # written without a turn of the loop: they pile up in the socket
        await ws.send(f)
    await until(lambda: hub.head >= head + 1000, what="every report taken")
    assert sum(sizes) >= sum(map(len, frames)) > 8 * http_files.WS_READ
    assert max(sizes) <= http_files.WS_READ
    await ws.close()
