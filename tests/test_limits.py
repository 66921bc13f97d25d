"""One account or connection must not hurt the room (issue 13, item 5): command budgets and
a bounded queue answering `busy`, ping and frame limits, a connection cap with a clear
refusal, and a connection storm that leaves one summarised line in the log, not thousands
of tracebacks. Real server, real clients."""
from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from server.app import XiaonaoServer
from server.limits import Budget, Limits

from .conftest import RawClient, make_db, ws_url
from .helpers import ROOT, free_port, stretch

REPORT = {"title": "噪音扰民", "category": "dispute", "source": "110", "priority": 2,
          "location": {"address": "九堡大道88号"}}


async def answers(c: RawClient, ids: set[str], timeout: float = 30.0) -> dict[str, dict]:
    got: dict[str, dict] = {}
    while len(got) < len(ids):
        m = await c.recv(timeout)
        if m.get("type") in ("ack", "error") and m.get("id") in ids:
            got[m["id"]] = m
    return got


async def test_a_command_flood_is_answered_busy_and_the_room_is_served(server):
    other = await RawClient.connect(ws_url(server), "op")
    op2 = await RawClient.connect(ws_url(server), "lead")
    await other.recv(), await op2.recv()
    # a console floods: far more than its budget, without waiting for answers
    ids = [f"flood-{i}" for i in range(1500)]
    for i in ids:
        await op2.ws.send(json.dumps({"type": "command", "id": i, "name": "case.report", "args": REPORT}))
    got = await answers(op2, set(ids))
    kinds = Counter(m["type"] if m["type"] == "ack" else m["code"] for m in got.values())
    assert kinds["busy"] > 0 and kinds["ack"] >= 500, kinds        # the burst is served, the rest refused
    assert set(kinds) <= {"ack", "busy"}
    busy = next(m for m in got.values() if m.get("code") == "busy")
    assert "slow down" in busy["message"] or "busy" in busy["message"]
    # meanwhile the other operator's command is served as usual
    ack, _ = await other.command("case.report", REPORT, timeout=10)
    assert ack["type"] == "ack"
    for c in (other, op2):
        await c.close()


async def test_the_command_queue_is_bounded(tmp_path):
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0,
                        limits=Limits(command_queue=50, intake_commands=Budget(10_000, 10_000),
                                      frames=Budget(10_000, 10_000)))
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "intake")
        ids = [f"q-{i}" for i in range(3000)]
        for i in ids:                 # faster than one writer commits them
            await c.ws.send(json.dumps({"type": "command", "id": i, "name": "case.report", "args": REPORT}))
        got = await answers(c, set(ids), timeout=60)
        kinds = Counter(m["type"] if m["type"] == "ack" else m["code"] for m in got.values())
        assert kinds["busy"] > 0 and kinds["ack"] > 0, kinds
        assert set(kinds) <= {"ack", "busy"}
        # every ack is in the log, nothing busy is
        acked = {i for i, m in got.items() if m["type"] == "ack"}
        logged = {e["command_id"] for e in await asyncio.to_thread(srv.store.events_after, 0)} - {None}
        assert logged == acked
    finally:
        await srv.stop()


async def test_a_ping_flood_is_not_answered_and_then_cut(server):
    c = await RawClient.connect(ws_url(server), "wall")
    await c.recv()
    for i in range(5000):
        try:
            await c.ws.send(json.dumps({"type": "ping", "t": i}))
        except websockets.ConnectionClosed:
            break
    pongs, ended, closed = 0, None, None
    try:
        while True:
            m = await c.recv(5)
            if m["type"] == "pong":
                pongs += 1
            elif m["type"] == "session.ended":
                ended = m
    except websockets.ConnectionClosed as e:
        closed = e
    except asyncio.TimeoutError:
        pass
    assert pongs < 1000                       # a budget of pings, not one pong per ping
    assert ended is not None and ended["reason"] == "flood"
    # and closed, with the reason (its unread pings ahead of its close reply held the close 10 s)
    assert closed is not None and closed.rcvd is not None and closed.rcvd.code == 1008
    # and logins still work at once
    fresh = await RawClient.connect(ws_url(server), "op")
    assert fresh.welcome["type"] == "welcome"
    await fresh.close()


async def test_connections_beyond_the_cap_are_refused_clearly(tmp_path):
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, limits=Limits(max_connections=3))
    await srv.start()
    try:
        held = [await websockets.connect(ws_url(srv)) for _ in range(3)]
        with pytest.raises(InvalidStatus) as e:
            await websockets.connect(ws_url(srv))
        assert e.value.response.status_code == 503 and b"server full" in e.value.response.body
        for ws in held:
            await ws.close()
        await asyncio.sleep(0.2)
        ok = await RawClient.connect(ws_url(srv), "op")         # room again once they left
        assert ok.welcome["type"] == "welcome"
        await ok.close()
    finally:
        await srv.stop()


def test_a_connection_storm_beyond_the_file_limit_leaves_one_line_not_thousands(tmp_path):
    url = make_db(tmp_path)
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="xiaonao-storm-", suffix=".log", delete=False)

    def limit_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--db", url, "--port", str(port)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                            stderr=log, preexec_fn=limit_files)
    try:
        deadline = time.monotonic() + stretch(20)
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.05)
        def open_files() -> int:
            return len(os.listdir(f"/proc/{proc.pid}/fd"))
        idle = open_files()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 2400:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))

        async def storm():
            async def one():
                try:
                    return await websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=15)
                except InvalidStatus as e:
                    return e.response.status_code
                except Exception as e:  # noqa: BLE001
                    return e.__class__.__name__
            got = await asyncio.gather(*[one() for _ in range(1100)])
            kinds = Counter(g if isinstance(g, (int, str)) else "open" for g in got)
            # (closed all at once: one after another, each waiting for the server's close frame)
            await asyncio.gather(*[g.close() for g in got if not isinstance(g, (int, str))])
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:       # still serving
                await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password"}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 15))
            return kinds, welcome
        kinds, welcome = asyncio.run(storm())
        assert kinds[503] > 0, kinds                   # refused in words, not by a dead socket
        assert welcome["type"] == "welcome"
        # the server lets go of every socket of the storm (what its handlers had to say about
        # them is in the log by then)
        deadline = time.monotonic() + stretch(30)
        while open_files() > idle + 2:
            assert time.monotonic() < deadline, f"the server still holds {open_files()} files (idle: {idle})"
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(10)
    text = Path(log.name).read_text()
    assert "Traceback" not in text
    assert text.count("socket.accept() out of system resource") <= 3
    assert text.count("connection cap reached") <= 3
    print(f"storm: {dict(kinds)}; log {len(text)} bytes, {text.count(chr(10))} lines")
