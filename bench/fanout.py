"""Fan-out: N headless clients on one server while an intake reports R cases a second.

Latency is from the intake sending case.report to each client receiving the event.
Alongside, the same clients against a minimal in-memory websockets broadcast server
(bench/baseline_server.py) on the same machine, so our overhead is a ratio from one run.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid

import websockets

from .common import ROOT, ServerProcess, free_port, header, make_server_db, paced_reports, pct, summary

DURATION = 8.0


async def _client(url, hello, sent, lat, seen_counts, idx, ready, stop):
    async with websockets.connect(url, max_size=16 * 1024 * 1024, compression=None) as ws:
        if hello:
            await ws.send(json.dumps(hello))
        ready.append(idx)
        n = 0
        try:
            async for raw in ws:
                now = time.perf_counter()
                m = json.loads(raw)
                cid = m.get("command_id") or m.get("cid")
                if cid and cid in sent:
                    lat.append((now - sent[cid]) * 1000)
                    n += 1
                if stop.is_set():
                    break
        finally:
            seen_counts[idx] = n


async def run(url, n_clients, rate, hello_for, intake_send):
    sent: dict[str, float] = {}
    lat: list[float] = []
    counts: dict[int, int] = {}
    ready: list[int] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_client(url, hello_for(i), sent, lat, counts, i, ready, stop)) for i in range(n_clients)]
    t0 = time.monotonic()
    while len(ready) < n_clients and time.monotonic() - t0 < 60:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)                       # let snapshots settle
    lat.clear()
    total = int(DURATION * rate)
    start = time.perf_counter()
    await intake_send(sent, total, rate, start)
    await asyncio.sleep(1.5)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    expected = total * n_clients
    return lat, expected


async def ours(n_clients, rate):
    url_db = make_server_db()
    srv = ServerProcess(url_db).start()
    try:
        async def intake_send(sent, total, rate, start):
            await paced_reports(srv.url, sent, total, rate, lambda i: {
                "title": "占道经营", "category": "city_management", "source": "video", "priority": 3,
                "location": {"address": f"九环路{i % 300 + 1}号"}})

        # N clients log in with one shared token (each hello costs a scrypt otherwise)
        async with websockets.connect(srv.url) as ws:
            await ws.send(json.dumps({"type": "hello", "user": "wall", "password": "wall-password"}))
            token = json.loads(await ws.recv())["token"]
        return await run(srv.url, n_clients, rate, lambda i: {"type": "hello", "token": token}, intake_send)
    finally:
        srv.stop()


async def baseline(n_clients, rate):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.baseline_server", str(port)], cwd=ROOT)
    url = f"ws://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            async with websockets.connect(url):
                break
        except OSError:
            await asyncio.sleep(0.05)
    try:
        async def intake_send(sent, total, rate, start):
            async with websockets.connect(url, compression=None) as ws:
                for i in range(total):
                    target = start + i / rate
                    delay = target - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    cid = str(uuid.uuid4())
                    sent[cid] = time.perf_counter()
                    await ws.send(json.dumps({"cid": cid, "title": "占道经营", "pad": "x" * 300}))
                await asyncio.sleep(1.0)
        return await run(url, n_clients, rate, lambda i: None, intake_send)
    finally:
        proc.terminate()
        proc.wait(5)


def main(sizes=(100, 300, 500), rate=50):
    header(f"fan-out: intake at {rate} cases/s for {DURATION:.0f} s; latency intake -> every client")
    for n in sizes:
        lat, expected = asyncio.run(ours(n, rate))
        base, bexp = asyncio.run(baseline(n, rate))
        lost = expected - len(lat)
        ratio = pct(lat, 99) / max(pct(base, 99), 0.001)
        print(f"xiaonao  {n:4d} clients: {summary(lat)}  lost {lost}", flush=True)
        print(f"baseline {n:4d} clients: {summary(base)}  lost {bexp - len(base)}  (p99 ratio {ratio:.1f}x)",
              flush=True)


if __name__ == "__main__":
    main()
