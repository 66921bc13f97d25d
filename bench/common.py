"""Helpers for benchmarks: a server in its own process, statistics."""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ServerProcess, free_port  # noqa: E402,F401


def make_server_db(users=(("op", "operator"), ("intake", "intake"), ("wall", "wall"))) -> str:
    from server.cli import add_user, init_db
    d = tempfile.mkdtemp(prefix="xiaonao-bench-")
    url = f"sqlite:///{d}/bench.db"
    init_db(url, "demo")
    for name, role in users:
        add_user(url, name, role, f"{name}-password")
    return url


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def summary(values_ms: list[float]) -> str:
    if not values_ms:
        return "no samples"
    return (f"p50 {pct(values_ms, 50):7.2f} ms  p99 {pct(values_ms, 99):7.2f} ms  "
            f"max {max(values_ms):7.2f} ms  mean {statistics.fmean(values_ms):6.2f} ms  n={len(values_ms)}")


def header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


async def paced_reports(url: str, sent: dict, total: int, rate: float, args_for) -> None:
    """An intake account reporting `total` cases at `rate` a second; records each command's
    send time in `sent` (command id -> perf_counter) and in the id itself ("uuid|time", for
    clients in other processes), and ignores what comes back."""
    import asyncio
    import time
    import uuid

    import websockets

    from models import protocol
    async with websockets.connect(url, compression=None) as ws:
        await ws.send(protocol.hello("intake", "intake-password"))
        await ws.recv()                                  # welcome
        await ws.recv()                                  # snapshot

        async def drain():
            async for _ in ws:
                pass
        drainer = asyncio.ensure_future(drain())
        start = time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            t = time.perf_counter()
            cid = f"{uuid.uuid4()}|{t:.6f}"
            sent[cid] = t
            await ws.send(protocol.command(cid, "case.report", args_for(i)))
        await asyncio.sleep(1.0)
        drainer.cancel()
