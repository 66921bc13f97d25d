"""A street with 1,000,000 cases (five years at ~550 a day) in the cockpit's local cache.

The cockpit keeps open cases and the last 30 days' closed ones in memory (the window);
older closed cases stay in the cache, searched on request. Measured in a fresh process:
the memory of the state and of the queue model, start-up to the window in memory, an
archive search by words and by case id, an event on an archived case.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, header

N = 1_000_000
YEARS = 5


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def probe(path: str) -> dict:
    """In a fresh process: open the cache as the cockpit does, fill the queue, search."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import asyncio
    import gc

    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from client.cache import Cache
    from client.session import RETAIN_DAYS, ServerLink
    from models.qt.case_table import CaseTableModel
    from models.qt.room import RoomState
    from models.search import initials
    initials("预热")
    gc.collect()
    out: dict = {"base": rss_mib()}

    async def main():
        link = ServerLink("ws://127.0.0.1:9/ws", "op", "x", cache=Cache(path), retain_days=RETAIN_DAYS)
        t = time.perf_counter()
        await link.open_cache()
        out["hot"] = time.perf_counter() - t
        await link.history_loaded.wait()
        out["window"] = time.perf_counter() - t
        out["in_memory"] = len(link.state["cases"])
        gc.collect()
        out["state"] = rss_mib() - out["base"]
        room = RoomState()
        model = CaseTableModel(room)
        t = time.perf_counter()
        room.reset(link.state)
        out["model_load"] = time.perf_counter() - t
        model._warm_start.stop()             # (the cockpit waits WARM_AFTER_MS first)
        model._warm_timer.start()
        while model._warm:
            app.processEvents()
        gc.collect()
        out["model"] = rss_mib() - out["base"] - out["state"]
        for label, text in (("words", "九堡大道12号"), ("id", "C000777"), ("nothing", "没有这种案件")):
            t = time.perf_counter()
            ids, more = await link.search_archive(text)
            out[f"search_{label}"] = (time.perf_counter() - t, len(ids), more)
        old = "C000778"                        # not brought back by the searches
        t = time.perf_counter()
        ok = await link.thaw([old])
        out["thaw"] = (time.perf_counter() - t, ok)
        out["archive"] = await link.count_archive()
        gc.collect()
        out["total"] = rss_mib() - out["base"]
        out["size"] = Path(path).stat().st_size / 2**20
        await link.stop()
    asyncio.run(main())
    return out


def main(n: int = N):
    from client.cache import Cache

    from .synth import synth_state
    header(f"a street with {n:,} cases over {YEARS} years in the local cache; the cockpit keeps 30 days")
    d = Path(tempfile.mkdtemp(prefix="xiaonao-archive-"))
    t = time.perf_counter()
    st = synth_state(n, open_fraction=0.0005, span_days=YEARS * 365)
    Cache(d / "cache.db").save_state(st)
    del st
    print(f"(building the {n:,}-case cache took {time.perf_counter() - t:.0f} s)", flush=True)
    r = subprocess.run([sys.executable, "-c", f"import json; from bench.archive import probe; "
                        f"print(json.dumps(probe({str(d / 'cache.db')!r})))"],
                       cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if r.returncode:
        print(r.stderr[-3000:])
        return
    o = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"cache file {o['size']:,.0f} MiB; {o['archive']:,} cases in the archive, {o['in_memory']:,} in memory")
    print(f"start-up: hot part {o['hot'] * 1000:.0f} ms, the whole window {o['window'] * 1000:.0f} ms; "
          f"queue model load {o['model_load'] * 1000:.0f} ms")
    print(f"memory: state {o['state']:.0f} MiB, queue model {o['model']:.0f} MiB, "
          f"all with searches {o['total']:.0f} MiB (goal for 1M cases: under 400 MiB)")
    for label in ("words", "id", "nothing"):
        took, hits, more = o[f"search_{label}"]
        print(f"archive search by {label:7s}: {took * 1000:6.0f} ms, {hits} found{' (more)' if more else ''}")
    print(f"an event on an archived case: read back in {o['thaw'][0] * 1000:.1f} ms (found: {o['thaw'][1]})",
          flush=True)


if __name__ == "__main__":
    main()
