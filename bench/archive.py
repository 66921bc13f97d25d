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
        model.start_warming()                 # (the cockpit waits WARM_AFTER_MS first)
        while model.warming:
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




# ---- the server's archive (issue 19): search and aggregates over the cases projection ----

SERVER_TITLES = ["邻里噪音纠纷", "占道经营", "违章停车堵路", "楼道堆放杂物", "餐馆油烟扰民", "独居老人求助", "预付卡退费纠纷",
                 "井盖缺失", "夜宵摊噪音扰民", "共享单车乱停放", "工地夜间施工扰民", "小区垃圾清运不及时"]
SHOPS = ["", "", "", "好又多超市", "老王面馆", "阿强烧烤", "九堡便利店", "联华超市", "兰州拉面"]


def server_rows(n: int, start: int, count: int, now: float, rng) -> list[dict]:
    """`count` closed cases (of n over YEARS years, oldest first) as projection rows."""
    from models.timeutil import iso
    from server.projection import case_row
    out = []
    span = YEARS * 365 * 86400
    for i in range(start, start + count):
        rep = now - span + span * i / n + rng.uniform(0, 60)
        g = rng.randint(1, 76)
        closed = rep + rng.uniform(900, 6 * 3600)
        times = {"reported": iso(rep), "accepted": iso(rep + 20), "dispatched": iso(rep + 60),
                 "signed": iso(rep + 120), "contacted": iso(rep + 200), "on_scene": iso(rep + rng.uniform(200, 900)),
                 "resolved": iso(closed - 300), "closed": iso(closed)}
        shop = rng.choice(SHOPS)
        case = {"id": f"C{i + 1:06d}", "no": i + 1, "title": rng.choice(SERVER_TITLES) + (f"（{shop}）" if shop else ""),
                "description": "", "category": rng.choice(["dispute", "city_management", "market", "environment",
                                                           "public_service", "traffic"]),
                "subtags": [], "source": rng.choice(["110", "12345", "grid", "video", "patrol"]),
                "priority": rng.randint(1, 4),
                "location": {"address": f"{rng.choice(['九堡大道', '杭海路', '九环路', '顺福路', '三卫路'])}"
                                        f"{rng.randint(1, 400)}号", "grid": f"G{g:02d}", "area": f"A{1 + g % 3}"},
                "reporter": None, "parties": [], "status": "closed", "team_id": f"W{rng.randint(1, 18):02d}",
                "department": None, "escalation": -1, "supervision": 0,
                "rating": rng.choice([None, 3, 4, 5, 5]), "reopen_count": 0, "repeat_calls": 0, "merged_into": None,
                "on_scene_closure": rng.random() < 0.7, "resolution": "已处理", "business": shop or None,
                "times": times, "timeline": [], "notes": [], "created": times["reported"], "updated": iso(closed)}
        out.append(case_row(case, 1, "1310"))
    return out


def build_server_archive(n: int, url: str) -> None:
    import random

    from server.cli import add_user, init_db
    from server.store import EventStore
    init_db(url, "demo")
    add_user(url, "op", "operator", "op-password")
    store = EventStore(url)
    rng = random.Random(19)
    now = time.time() - 40 * 86400            # all older than the window: the archive proper
    try:
        for start in range(0, n, 20_000):
            store.write_projection(server_rows(n, start, min(20_000, n - start), now, rng), 1,
                                   {"team_order": []}, None, {})
    finally:
        store.dispose()
    if url.startswith("postgresql"):       # what autovacuum does soon after a load: the planner's statistics
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={url.rsplit('/', 1)[1]}",
                             autocommit=True) as c:
            c.execute("VACUUM ANALYZE cases")


def server_main(n: int = N, backend: str = "sqlite") -> None:
    """`python -m bench archive server [N] [postgres]`: N closed cases over five years in the
    server's cases projection (generated straight into the database, SQLite by default),
    the real server in its own process, then archive searches and a year's aggregates over
    the protocol (bench/window.py's queries)."""
    from .common import ServerProcess
    from .window import queries
    header(f"the server's archive: {n:,} cases over {YEARS} years ({backend})")
    if backend == "postgres":
        import psycopg
        name = f"xiaonao_archive_{n}"
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
            fresh = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
            if fresh:
                c.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        path = f"/tmp/xiaonao-archive-server-{n}.db"
        fresh = not os.path.exists(path)
        url = f"sqlite:///{path}"
    if fresh:
        t = time.perf_counter()
        build_server_archive(n, url)
        print(f"(generating {n:,} projection rows with their search index took {time.perf_counter() - t:.0f} s)",
              flush=True)
    else:                       # made by an older release: brought to this one's schema first
        from server.cli import upgrade_db
        t, c = time.perf_counter(), time.process_time()
        before, after = upgrade_db(url)
        if before != after:
            print(f"(upgraded {before} -> {after} in {time.perf_counter() - t:.1f} s wall, "
                  f"{time.process_time() - c:.1f} s CPU in this process; load {os.getloadavg()[0]:.1f})", flush=True)
    srv = ServerProcess(url)
    srv.start(timeout=300)
    try:
        import asyncio
        assert srv.proc is not None
        load = os.getloadavg()[0]
        r = asyncio.run(queries(srv.url, srv.proc.pid))
    finally:
        srv.stop()
    print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for k, (lo, hi, rows, extra, cpu) in r.items():
        print(f"  {k}: {lo:.0f}-{hi:.0f} ms, server CPU {cpu:.0f} ms ({rows} rows, {extra})")


def entry() -> None:
    """`python -m bench archive`: the cockpit's local archive; `python -m bench archive server [N] [postgres]`:
    the server's."""
    args = sys.argv[2:]
    if args[:1] == ["server"]:
        n = next((int(a) for a in args if a.isdigit()), N)
        server_main(n, "postgres" if "postgres" in args else "sqlite")
    else:
        main()


if __name__ == "__main__":
    entry()
