"""A watcher and a paced reporter, each in a process of its own (so that neither the
benchmark's own work, reading snapshots, nor the other's frames show as server delay):
`python -m bench.live_probe URL RATE watch` connects a cockpit (op), `... report` an intake
reporting RATE cases a second; each prints "ready" once live, and on a line on stdin stops;
the watcher then prints the delays (ms) from each report's send to its event at the
watcher, as JSON (the reporter prints []). Send times travel in the command ids, on the
monotonic clock every process shares. Without a mode, both in one process (as before)."""
from __future__ import annotations

import asyncio
import json
import sys

from .window import report, watch


async def main(url: str, rate: float, mode: str = "both") -> None:
    lat: list[float] = []
    stop = asyncio.Event()
    w = r = None
    if mode in ("both", "watch"):
        w = asyncio.ensure_future(watch(url, lat, stop, tag="paced-"))
        await asyncio.sleep(1.0)
    if mode in ("both", "report"):
        r = asyncio.ensure_future(report(url, rate, stop, tag="paced-"))
        await asyncio.sleep(1.0)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    stop.set()
    if r is not None:
        await r
    if w is not None:
        await w
    print(json.dumps(lat), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "both"))
