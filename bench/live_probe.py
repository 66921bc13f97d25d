"""A watcher and a paced reporter in their own process (so that the benchmark's own work,
reading snapshots, does not show as server delay): `python -m bench.live_probe URL RATE`
connects a cockpit (op) and an intake reporting RATE cases a second, prints "ready" once
both are live, and on a line on stdin stops and prints the delays (ms) from each report's
send to its event at the watcher, as JSON. Send times travel in the command ids, on the
monotonic clock every process shares."""
from __future__ import annotations

import asyncio
import json
import sys

from .window import report, watch


async def main(url: str, rate: float) -> None:
    lat: list[float] = []
    stop = asyncio.Event()
    w = asyncio.ensure_future(watch(url, lat, stop, tag="paced-"))
    await asyncio.sleep(1.0)
    r = asyncio.ensure_future(report(url, rate, stop, tag="paced-"))
    await asyncio.sleep(1.0)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    stop.set()
    await r
    await w
    print(json.dumps(lat), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
