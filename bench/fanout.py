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

from models import protocol

from .common import ROOT, ServerProcess, free_port, header, make_server_db, paced_reports, pct, summary

DURATION = 8.0


PROCS = 2          # client processes: one Python thread cannot parse 15,000+ frames a second


def sent_at_in(frame: str) -> float | None:
    """The send time in an event frame (ours carry it in "command_id", the baseline's in
    "cid"); None for any other frame (welcome, snapshot, acks)."""
    if frame.startswith('{"type":"event"'):
        k = frame.find('"command_id":"')
    elif frame.startswith('{"cid": "'):
        k = 0
    else:
        return None
    i = frame.find("|", k) if k >= 0 else -1
    j = frame.find('"', i)
    try:
        return float(frame[i + 1:j]) if i >= 0 else None
    except ValueError:
        return None


def new_cid() -> str:
    return f"{uuid.uuid4()}|{time.perf_counter():.6f}"


async def _client(url, hello, lat, counts, idx, ready, stop):
    async with websockets.connect(url, max_size=16 * 1024 * 1024, compression=None) as ws:
        if hello:
            await ws.send(hello if isinstance(hello, str) else json.dumps(hello))
        ready.append(idx)
        n = 0
        try:
            async for raw in ws:
                now = time.perf_counter()
                # 300 clients share 2 cores with the server: they find the send time by a
                # string search instead of parsing each frame, so the harness takes less of
                # the machine than the server it measures (json.loads here cost ~a third
                # of the client processes' time)
                t = sent_at_in(raw)
                if t is not None:
                    lat.append((now - t) * 1000)
                    n += 1
                if stop.is_set():
                    break
        finally:
            counts[idx] = n


def _worker(url, hellos, ready_q, go, done, out_q):
    """A client process: its share of the clients, until told to stop; sends back latencies."""
    async def main():
        lat: list[float] = []
        counts: dict[int, int] = {}
        ready: list[int] = []
        stop = asyncio.Event()
        tasks = [asyncio.create_task(_client(url, h, lat, counts, i, ready, stop)) for i, h in enumerate(hellos)]
        while len(ready) < len(hellos):
            await asyncio.sleep(0.05)
        ready_q.put(len(ready))
        while not go.is_set():
            await asyncio.sleep(0.02)
        lat.clear()                                # only what comes after the start
        while not done.is_set():
            await asyncio.sleep(0.05)
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        out_q.put(lat)
    asyncio.run(main())


async def run(url, n_clients, rate, hello_for, intake_send):
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    ready_q, out_q = ctx.Queue(), ctx.Queue()
    go, done = ctx.Event(), ctx.Event()
    shares = [[hello_for(i) for i in range(k, n_clients, PROCS)] for k in range(PROCS)]
    procs = [ctx.Process(target=_worker, args=(url, share, ready_q, go, done, out_q), daemon=True)
             for share in shares if share]
    for pr in procs:
        pr.start()
    loop = asyncio.get_running_loop()
    for _ in procs:
        await loop.run_in_executor(None, ready_q.get, True, 120)
    await asyncio.sleep(1.0)                       # let snapshots settle
    go.set()
    await asyncio.sleep(0.2)
    total = int(DURATION * rate)
    start = time.perf_counter()
    await intake_send(total, rate, start)
    await asyncio.sleep(1.5)
    done.set()
    lat: list[float] = []
    for _ in procs:
        lat.extend(await loop.run_in_executor(None, out_q.get, True, 60))
    for pr in procs:
        pr.join(10)
    return lat, total * n_clients


async def ours(n_clients, rate):
    url_db = make_server_db()
    srv = ServerProcess(url_db).start()
    try:
        async def intake_send(total, rate, start):
            await paced_reports(srv.url, {}, total, rate, lambda i: {
                "title": "占道经营", "category": "city_management", "source": "video", "priority": 3,
                "location": {"address": f"九环路{i % 300 + 1}号"}})

        # N clients log in with one shared token (each hello costs a scrypt otherwise)
        async with websockets.connect(srv.url) as ws:
            await ws.send(protocol.hello("wall", "wall-password", subscribe=False))
            token = protocol.parse_server_frame(await ws.recv())["token"]
        return await run(srv.url, n_clients, rate, lambda i: protocol.hello(token=token), intake_send)
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
        async def intake_send(total, rate, start):
            async with websockets.connect(url, compression=None) as ws:
                for i in range(total):
                    target = start + i / rate
                    delay = target - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await ws.send(json.dumps({"cid": new_cid(), "title": "占道经营", "pad": "x" * 300}))
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
