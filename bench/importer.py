"""Import benchmark: N rows (default 1,000,000) through a running server, as an intake
account (`xiaonao-server import FILE --server … --user …`). Prints the time, the rows a
second, the importer's and the server's peak memory (VmHWM) and CPU, whether a wall sees the
cases live and whether an operator's archive search finds an old imported case. Goal (issue
13 item 14): 1M rows in ≤ 3 min at ≤ 300 MiB. The rows are a former system's history
(`write_feed`: 500 a day up to now, nearly all closed); XIAONAO_BENCH_IMPORT_OPEN=1 makes
them all open reports of now (the server must hold every one of those in memory);
XIAONAO_BENCH_IMPORT_CONSOLE=0 leaves out the operator's console reporting every half second
(the import alone: its batches are not held to a console's latency). It also prints the
server's CPU a row by thread (the loop, the database thread) and the SQLite log's (WAL)
largest size, and removes its files at the end (XIAONAO_BENCH_KEEP=1 keeps them).

    python -m bench import [ROWS]      (or XIAONAO_BENCH_IMPORT_ROWS)
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .common import ROOT, ServerProcess, header, make_server_db

ADDRESSES = ["九堡大道{}号", "杭海路{}号", "九和路{}号", "红普南路{}号", "九环路{}号"]
CATS = ["dispute", "city_management", "market", "environment", "public_service", "traffic"]


PER_DAY = 500                 # a street's cases a day: the history's span is rows / PER_DAY days
RESOLUTIONS = ["已更换井盖并回访群众", "已协调双方达成一致", "已清理完毕", "已责令整改", "已转交相关部门处理"]


def write_feed(path: Path, rows: int, history: bool = True, now: float | None = None) -> int:
    """ROWS JSON lines. With `history` (the default) a former system's export, as a real
    import is: the rows in the order they were reported, PER_DAY a day up to now (1M rows:
    5.5 years), each with its status and times; those reported more than 3 days ago are
    closed (but 1 %, still open), a day to three after they came in, the last 3 days' half
    closed. So most rows are older than the server's 30-day window and go straight to its
    archive. Without it (XIAONAO_BENCH_IMPORT_OPEN=1, the former bench): every row an open
    report of now, which the server must keep in memory (~1.7 KB a case)."""
    from models.timeutil import iso
    now = time.time() if now is None else now
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            row = {"title": f"井盖缺失 第{i}号", "category": CATS[i % len(CATS)], "source": "12345",
                   "priority": 1 + i % 4, "location": {"address": ADDRESSES[i % 5].format(i % 400)},
                   "description": "人行道井盖缺失，夜间有安全隐患，请尽快处理。",
                   "reporter": {"name": "王女士", "phone": f"138{i % 100000000:08d}"}}
            if history:
                reported = now - (rows - i) * 86400.0 / PER_DAY
                row["reported_at"] = iso(reported)
                recent = reported > now - 3 * 86400
                if (i * 7919) % 100 >= (50 if recent else 1):
                    row["status"] = "已办结"
                    row["closed_at"] = iso(min(reported + 3600 * (24 + (i * 31) % 48), now - 60))
                    row["resolution"] = RESOLUTIONS[i % len(RESOLUTIONS)]
                else:
                    row["status"] = "处理中"
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path.stat().st_size


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def peak_rss(pid: int) -> int:
    """VmHWM of a live process, in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each of a live process's threads, by thread id (the main thread's is the pid)."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            f = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[int(task.name)] = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return out


class Peak(threading.Thread):
    def __init__(self, pid: int, wal: str | None = None):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.cpu = 0.0
        self.wal, self.wal_peak = wal, 0       # a SQLite log's path: its largest size
        self.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, peak_rss(self.pid))
            self.cpu = max(self.cpu, cpu_seconds(self.pid))
            if self.wal:
                with contextlib.suppress(OSError):
                    self.wal_peak = max(self.wal_peak, os.path.getsize(self.wal))
            time.sleep(0.25)


async def wall_count(url: str, expect: int, done: threading.Event, out: dict) -> None:
    import websockets
    async with websockets.connect(url, max_size=2 ** 26) as ws:
        await ws.send(json.dumps({"type": "hello", "user": "wall", "password": "wall-password"}))
        await ws.recv()
        n = 0
        while n < expect:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            except asyncio.TimeoutError:
                break
            if m.get("name") == "case.reported":
                n += 1
        out["wall"] = n


async def archived_found(url: str, title: str) -> dict:
    """An operator's search for an imported case that went straight to the archive."""
    import websockets

    from models import protocol
    async with websockets.connect(url, max_size=2 ** 24) as ws:
        await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password", "subscribe": False}))
        await ws.recv()
        t = time.perf_counter()
        await ws.send(protocol.archive_search("s", title, limit=5))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if m.get("type") in ("archive.result", "error") and m.get("id") == "s":
                break
        cases = [c for c in m.get("cases") or () if c.get("title") == title]
        return {"found": bool(cases), "status": cases[0]["status"] if cases else None,
                "closed": (cases[0].get("times") or {}).get("closed") if cases else None,
                "ms": (time.perf_counter() - t) * 1e3}


async def console_latency(url: str, stop: threading.Event, out: list) -> None:
    """An operator's console reporting a case every half second during the import: the time
    from sending each report to its ack (a console's command is not held behind the import)."""
    import websockets
    async with websockets.connect(url, max_size=2 ** 22) as ws:
        await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password", "subscribe": False}))
        await ws.recv()
        i = 0
        while not stop.is_set():
            i += 1
            cid = f"console-{i}"
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "command", "id": cid, "name": "case.report",
                                      "args": {"title": f"值班员来电 {i}", "category": "dispute", "source": "12345",
                                               "priority": 2, "location": {"address": "九堡大道12号"}}}))
            while json.loads(await asyncio.wait_for(ws.recv(), 60)).get("id") != cid:
                pass
            out.append(time.perf_counter() - t)
            await asyncio.sleep(0.5)


def main(rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("XIAONAO_BENCH_IMPORT_ROWS", sys.argv[2] if len(sys.argv) > 2 else 1_000_000))
    history = os.environ.get("XIAONAO_BENCH_IMPORT_OPEN", "") in ("", "0")
    header(f"Import: {rows:,} rows through a running server (SQLite)"
           + (f", a former system's history ({rows / PER_DAY:,.0f} days)" if history else ", all open"))
    d = Path(tempfile.mkdtemp(prefix="xiaonao-bench-import-"))
    feed = d / "feed.jsonl"
    t = time.perf_counter()
    size = write_feed(feed, rows, history)
    print(f"  feed: {size / 2**20:.0f} MiB written in {time.perf_counter() - t:.1f} s")
    url = make_server_db()
    db_file = url.removeprefix("sqlite:///")
    srv = ServerProcess(url).start()
    server_peak = Peak(srv.proc.pid, db_file + "-wal")
    wall: dict = {}
    wall_done = threading.Event()
    wt = threading.Thread(target=lambda: asyncio.run(wall_count(srv.url, rows, wall_done, wall)), daemon=True)
    wt.start()
    time.sleep(0.5)
    try:
        t0 = time.perf_counter()
        cpu0 = cpu_seconds(srv.proc.pid)
        threads0 = thread_cpu(srv.proc.pid)
        server_rss0 = peak_rss(srv.proc.pid)
        load0 = os.getloadavg()[0]
        p = subprocess.Popen([sys.executable, "-m", "server.cli", "import", str(feed), "--server", srv.url,
                              "--user", "intake", "--password-stdin"], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
        importer_peak = Peak(p.pid)
        console: list[float] = []
        console_stop = threading.Event()
        ct = threading.Thread(target=lambda: asyncio.run(console_latency(srv.url, console_stop, console)), daemon=True)
        if os.environ.get("XIAONAO_BENCH_IMPORT_CONSOLE", "1") != "0":     # 0: the import alone
            ct.start()
        out, _ = p.communicate("intake-password\n")
        dt = time.perf_counter() - t0
        load1 = os.getloadavg()[0]
        console_stop.set()
        importer_peak.stop.set()
        server_cpu = cpu_seconds(srv.proc.pid) - cpu0
        threads = {t: c - threads0.get(t, 0.0) for t, c in thread_cpu(srv.proc.pid).items()}
        wt.join(60)
        server_peak.stop.set()
        print(f"  {out.strip().splitlines()[-1]}")
        print(f"  time {dt:.1f} s  ({rows / dt:,.0f} rows/s)   goal: 1M rows in 180 s "
              f"-> {'met' if dt * 1_000_000 / rows <= 180 else 'NOT met'} (extrapolated {dt * 1_000_000 / rows:.0f} s)")
        print(f"  CPU: server {server_cpu:.1f} s ({server_cpu * 1e6 / rows:.0f} us a row), importer "
              f"{importer_peak.cpu:.1f} s ({importer_peak.cpu * 1e6 / rows:.0f} us a row); load average "
              f"{load0:.1f} -> {load1:.1f} on {os.cpu_count()} cores")
        others = sorted((c for t, c in threads.items() if t != srv.proc.pid), reverse=True)
        print(f"  server threads: the loop {threads.get(srv.proc.pid, 0.0) * 1e6 / rows:.0f} us a row, the busiest "
              f"others (the database thread first) {', '.join(f'{c * 1e6 / rows:.0f}' for c in others[:3])} us a row")
        print(f"  importer peak RSS {importer_peak.peak / 2**20:.0f} MiB   goal <= 300 MiB -> "
              f"{'met' if importer_peak.peak <= 300 * 2**20 else 'NOT met'}")
        print(f"  server peak RSS {server_peak.peak / 2**20:.0f} MiB   goal <= 300 MiB -> "
              f"{'met' if server_peak.peak <= 300 * 2**20 else 'NOT met'} ({server_rss0 / 2**20:.0f} MiB at start; "
              f"{(server_peak.peak - server_rss0) / rows:,.0f} bytes a row beyond it)")
        print(f"  a wall saw {wall.get('wall', 0):,} of {rows:,} cases live")
        print(f"  the database's log (WAL) at most {server_peak.wal_peak / 2**20:,.0f} MiB; the database "
              f"{os.path.getsize(db_file) / 2**20:,.0f} MiB at the end")
        if history:
            k = next(k for k in range(rows // 10, rows) if (k * 7919) % 100 >= 1)     # a closed row (write_feed)
            old = f"井盖缺失 第{k}号"
            a = asyncio.run(archived_found(srv.url, old))
            print(f"  an operator's archive search for {old!r} (reported {k / PER_DAY:.0f} days into "
                  f"the history): {'found' if a['found'] else 'NOT found'}, {a['status']} {a['closed']}, "
                  f"{a['ms']:.0f} ms")
        if ct.is_alive():
            ct.join(60)
        if console:
            c = sorted(console)
            print(f"  an operator's report during the import, send to ack: median {c[len(c) // 2] * 1e3:.0f} ms, "
                  f"p95 {c[int(len(c) * 0.95)] * 1e3:.0f} ms, max {c[-1] * 1e3:.0f} ms ({len(c)} reports)")
    finally:
        srv.stop()
        if os.environ.get("XIAONAO_BENCH_KEEP", "") in ("", "0"):      # (1M rows: ~3 GB of files)
            shutil.rmtree(d, ignore_errors=True)
            shutil.rmtree(os.path.dirname(db_file), ignore_errors=True)


if __name__ == "__main__":
    main()
