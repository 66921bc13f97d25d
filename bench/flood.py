"""Floods against the real server in its own process (issue 13, item 5): one console sends
30,000 valid commands without waiting, or 25,000 pings as fast as it can; meanwhile another
operator reports cases one at a time and a third logs in. Prints the operator's command
round trips, the login times, what the flooder was answered and the server's memory.

    python -m bench flood
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import websockets

from .common import ServerProcess, header, make_server_db, summary

REPORT = {"title": "噪音扰民", "category": "dispute", "source": "110", "priority": 3,
          "location": {"address": "九堡大道88号"}}


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def login(url: str, user: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url, max_size=2 ** 24, compression=None)
    await ws.send(json.dumps({"type": "hello", "user": user, "password": f"{user}-password"}))
    assert json.loads(await ws.recv())["type"] == "welcome"
    return ws


async def operator_probe(url: str, stop: asyncio.Event, rtts: list[float]) -> None:
    ws = await login(url, "op")
    n = 0
    async def reader(waiting: dict):
        async for raw in ws:
            m = json.loads(raw)
            if m.get("type") in ("ack", "error") and m.get("id") in waiting:
                waiting.pop(m["id"]).set_result(m)
    waiting: dict = {}
    rd = asyncio.ensure_future(reader(waiting))
    while not stop.is_set():
        n += 1
        cid = f"probe-{n}-{time.time()}"
        fut = asyncio.get_running_loop().create_future()
        waiting[cid] = fut
        t = time.perf_counter()
        await ws.send(json.dumps({"type": "command", "id": cid, "name": "case.report", "args": REPORT}))
        await asyncio.wait_for(fut, 60)
        rtts.append((time.perf_counter() - t) * 1000)
        await asyncio.sleep(0.1)
    rd.cancel()
    await ws.close()


async def login_probe(url: str, stop: asyncio.Event, times: list[float]) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        ws = await login(url, "wall")
        times.append((time.perf_counter() - t) * 1000)
        await ws.close()
        await asyncio.sleep(0.2)


async def flood(url: str, pid: int, kind: str, n: int) -> None:
    stop = asyncio.Event()
    rtts: list[float] = []
    logins: list[float] = []
    probes = [asyncio.ensure_future(operator_probe(url, stop, rtts)),
              asyncio.ensure_future(login_probe(url, stop, logins))]
    await asyncio.sleep(1.0)
    before = rss_mb(pid)
    ws = await login(url, "lead")
    answers: Counter = Counter()

    async def drain():
        try:
            async for raw in ws:
                m = json.loads(raw)
                t = m.get("type")
                answers[m.get("code", t) if t in ("error",) else t] += 1
        except websockets.ConnectionClosed:
            answers["closed"] += 1
    dr = asyncio.ensure_future(drain())
    peak = before
    t0 = time.perf_counter()
    try:
        for i in range(n):
            if kind == "commands":
                frame = json.dumps({"type": "command", "id": f"flood-{i}", "name": "case.report", "args": REPORT})
            else:
                frame = json.dumps({"type": "ping", "t": i})
            await ws.send(frame)
            if i % 2000 == 0:
                peak = max(peak, rss_mb(pid))
    except websockets.ConnectionClosed:
        answers["closed while sending"] += 1
    sent_s = time.perf_counter() - t0
    for _ in range(30):
        await asyncio.sleep(0.2)
        peak = max(peak, rss_mb(pid))
    stop.set()
    await asyncio.gather(*probes, return_exceptions=True)
    dr.cancel()
    print(f"{kind} flood: {n} frames in {sent_s:.1f} s; the flooder got {dict(answers)}")
    print(f"  server RSS {before:.0f} MB before, {peak:.0f} MB peak")
    print(f"  another operator's case.report: {summary(rtts)}")
    print(f"  logins meanwhile:               {summary(logins)}")


def main() -> None:
    header("Floods: one console floods, the room is served")
    for kind, n in (("commands", 30_000), ("pings", 25_000)):
        srv = ServerProcess(make_server_db((("op", "operator"), ("lead", "leader"), ("wall", "wall")))).start()
        try:
            asyncio.run(flood(srv.url, srv.proc.pid, kind, n))
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
