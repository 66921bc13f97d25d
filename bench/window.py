"""The server with a long history (issue 19): 100k, 300k and 1M cases of realistic history
(bench/history.py, generated once into /tmp and reused). For each, with the server in its
own process:

- start to /healthz, and the server's RSS (after start, after cockpits connected);
- a new cockpit's snapshot: bytes and time from hello to the last page;
- live-event delay to a connected client (intake reporting 20 cases/s) while new cockpits
  connect one after another, and over a burst of SNAPSHOT_EVERY+ events (what used to
  write the periodic snapshot blob);
- a fresh cockpit's link (client.session.ServerLink with a new cache) RSS once connected;
- archive search (words, pinyin initials, an id, a rare word) and a year's aggregates.

`python -m bench window [100000 300000 1000000]`; `python -m bench window burst 100000 [REPS]`
for the burst alone.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate

from models import protocol
from models.compact import FORM as COMPACT_FORM

from .common import ROOT, ServerProcess, header, pct
from .fanout import new_cid, sent_at_in
from .history import default_path, generate

SIZES = (100_000, 300_000, 1_000_000)
SERVE_EXTRA = os.environ.get("BENCH_SERVE_ARGS", "").split()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _CountingDeflate(PerMessageDeflate):
    wire = 0

    def decode(self, frame, *, max_size=None):
        _CountingDeflate.wire += len(frame.data)
        return super().decode(frame, max_size=max_size)


class _CountingFactory(ClientPerMessageDeflateFactory):
    def process_response_params(self, params, accepted):
        e = super().process_response_params(params, accepted)
        return _CountingDeflate(e.remote_no_context_takeover, e.local_no_context_takeover, e.remote_max_window_bits,
                                e.local_max_window_bits, e.compress_settings)


async def login(url: str, user: str, deflate: bool = False, **extra):
    kw = {"extensions": [_CountingFactory()]} if deflate else {}
    ws = await websockets.connect(url, max_size=16 * 1024 * 1024, compression=None, **kw)
    await ws.send(json.dumps({"type": "hello", "user": user, "password": f"{user}-password", **extra}))
    welcome = json.loads(await ws.recv())
    return ws, welcome


async def fresh_snapshot(url: str, deflate: bool = True, compact: bool = True) -> tuple[float, int, int, int]:
    """Seconds from the welcome to the last snapshot page (the login's password check is
    not counted), bytes of JSON, bytes on the wire (compression offered), cases. `compact`:
    the hello offers the compact case form (as the cockpit's does: models/compact.py)."""
    ws, _w = await login(url, "op", deflate=deflate, **({"forms": [COMPACT_FORM]} if compact else {}))
    _CountingDeflate.wire = 0
    t = time.perf_counter()
    size = cases = 0
    # (bytes, not text: the benchmark's process, on the same cores as the server, decodes no
    # more than it must, as a cockpit on its own machine would not take the server's CPU)
    first = json.loads(raw := await ws.recv(decode=False))
    size += len(raw)
    cases += len(first["state"]["cases"])
    for _ in range(first.get("pages", 0)):
        raw = await ws.recv(decode=False)
        size += len(raw)
        cases += raw.count(b'{"id":"C')             # (not parsed: the benchmark's loop stays free)
    dt = time.perf_counter() - t
    await ws.close()
    return dt, size, (_CountingDeflate.wire if deflate else size), cases


async def watch(url: str, lat: list[float], stop: asyncio.Event, tag: str = "") -> None:
    """Delays (ms) of the events whose command id starts with `tag`, from send to here."""
    ws, _w = await login(url, "op")
    first = json.loads(await ws.recv())
    for _ in range(first.get("pages", 0)):
        await ws.recv()
    if os.environ.get("BENCH_DEBUG"):
        print("watching from", first.get("seq"), time.perf_counter())
    async def close_on_stop():
        await stop.wait()
        await ws.close()
    closer = asyncio.ensure_future(close_on_stop())
    needle = f'"command_id":"{tag}'.encode()
    try:
        while True:
            try:
                data = await ws.recv(decode=False)      # (bytes: only the timed frames are decoded)
            except websockets.ConnectionClosed:
                break
            now = time.perf_counter()
            if tag and needle not in data:
                continue
            raw = data.decode()
            t = sent_at_in(raw)
            if os.environ.get("BENCH_DEBUG"):
                print(raw[:200], t)
            if t is not None:
                lat.append((now - t) * 1000)
                if os.environ.get("BENCH_PAIRS"):          # (send, receipt) to line up with the server's trace
                    with open(os.environ["BENCH_PAIRS"], "a") as f:
                        f.write(f"{t:.6f} {now:.6f}\n")
    finally:
        closer.cancel()
        await ws.close()


async def report(url: str, rate: float, stop: asyncio.Event, burst: int = 0, tag: str = "") -> int:
    """An intake reporting at `rate` a second until stop (or `burst` as fast as acks come)."""
    ws, _w = await login(url, "intake")
    first = json.loads(await ws.recv())
    for _ in range(first.get("pages", 0)):
        await ws.recv()

    async def drain():
        k = 0
        async for raw in ws:
            k += 1
            if os.environ.get("BENCH_DEBUG") and k < 4:
                print("intake got", raw[:160])
    d = asyncio.ensure_future(drain())
    n = 0
    start = time.perf_counter()
    while not stop.is_set() and (not burst or n < burst):
        if not burst:
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        args = {"title": "占道经营", "category": "city_management", "source": "grid", "priority": 3,
                "location": {"address": f"九堡大道{n % 400 + 1}号"}}
        await ws.send(protocol.command(tag + new_cid(), "case.report", args))
        n += 1
        if burst and n % 200 == 0:
            await asyncio.sleep(0)                      # (the pipeline batches what queues up)
    await asyncio.sleep(1.0)
    # closed while its frames are still read: a close reply behind unread acks and events
    # (reading paused once the client's queue was full) waited for close_timeout, 10 s (the
    # "slow" bursts of session 10: their reports had gone in as fast as the others)
    await ws.close()
    d.cancel()
    return n


LINK_PROBE = r'''
import asyncio, sys, time, tempfile, os, gc
sys.path.insert(0, sys.argv[2])
from client.cache import Cache
import client.session as session
from client.session import ServerLink
if sys.argv[3] == "deflate":         # what the cockpit gets once it offers compression
    _connect = session.connect
    def connect(*a, **kw):
        kw["compression"] = "deflate"
        return _connect(*a, **kw)
    session.connect = connect
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
async def main():
    d = tempfile.mkdtemp()
    link = ServerLink(sys.argv[1], "op", "op-password", cache=Cache(os.path.join(d, "c.db")), retain_days=30)
    t = time.perf_counter()
    task = asyncio.ensure_future(link.run())
    peak = rss()
    while not (link.status.state == "online" and link.settled()):
        await asyncio.sleep(0.05)
        peak = max(peak, rss())
    dt = time.perf_counter() - t
    gc.collect()
    print(f"{dt:.2f} {rss():.0f} {peak:.0f} {len(link.state['cases'])}", flush=True)
    await link.stop()
    task.cancel()
asyncio.run(main())
'''


def cpu_s(pid: int | None) -> float:
    """A process's CPU time so far (user + system, s): what a query cost the server, whatever the load."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def queries(url: str, pid: int | None = None) -> dict:
    """Archive searches, a year's aggregates by day / category / area / squad (archive.stats)
    and the performance tab's months and years (query.aggregates) over the protocol: for each,
    (fastest ms, slowest ms, rows, what they hold, the server's CPU ms for the slowest)."""
    ws, _w = await login(url, "op")
    first = json.loads(await ws.recv())
    for _ in range(first.get("pages", 0)):
        await ws.recv()
    out = {}

    async def ask(frame):
        t, c = time.perf_counter(), cpu_s(pid)
        await ws.send(frame)
        while True:
            m = json.loads(await ws.recv())
            if m.get("id") == "b":
                return (time.perf_counter() - t) * 1000, m, (cpu_s(pid) - c) * 1000

    async def runs(label, frame, n, what):
        times = []
        for _ in range(n):
            ms, m, cpu = await ask(frame)
            times.append((ms, cpu))
        out[label] = (min(t for t, _ in times), max(t for t, _ in times), *what(m), max(c for _, c in times))
    for label, text in (("words", "九堡大道12号"), ("pinyin", "zdjy jbdd"), ("id", "C000777"),
                        ("rare", "没有这种案件"), ("common", "号"), ("two characters", "扰民"),
                        ("a business", "阿强烧烤")):
        await runs(f"search {label}", protocol.archive_search("b", text), 3,
                   lambda m: (len(m.get("cases", [])), m.get("more")))
    now = time.time()
    from models.timeutil import iso
    year_ago = iso(now - 365 * 86400)[:10]
    for by in ("day", "category", "area", "squad"):
        await runs(f"stats {by}", protocol.archive_stats("b", year_ago, "2100-01-01", by), 3,
                   lambda m: (len(m.get("rows", [])), sum(r["reported"] for r in m.get("rows", []))))
    for unit, count in (("month", 24), ("year", 5)):
        await runs(f"aggregates {count} {unit}s", json.dumps({"type": "query.aggregates", "id": "b", "unit": unit,
                                                              "count": count}), 2,
                   lambda m: (len((m.get("data") or {}).get("rows", [])),
                              sum(r["reported"] for r in (m.get("data") or {}).get("rows", []))))
    await ws.close()
    return out


async def start_probe(url: str, rate: float = 20.0):
    """The watcher, then the paced reporter, each in its own process (bench/live_probe.py)."""
    procs = []
    for mode in ("watch", "report"):
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.live_probe", url, str(rate), mode,
                                                    cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        assert line.strip() == b"ready", line
        procs.append(proc)
    return procs


async def stop_probe(procs) -> list[float]:
    watcher, reporter = procs
    await reporter.communicate(b"stop\n")
    out, _ = await watcher.communicate(b"stop\n")
    return json.loads(out.decode().strip().splitlines()[-1])


LOADS: dict[str, float] = {}


def phase(what: str) -> None:
    """BENCH_PHASES: when each part starts (wall clock), to line up with XIAONAO_STALLS.
    Also the 1-minute load average as each part starts (printed beside its figures)."""
    LOADS[what] = os.getloadavg()[0]
    if os.environ.get("BENCH_PHASES"):
        print(f"{time.time():.3f} {what}", file=sys.stderr, flush=True)


async def measure(url: str, pid: int) -> dict:
    res: dict = {"rss_start": rss_mib(pid)}
    phase("snapshots")
    # the first as a client that offers neither compression nor the compact form, then as the cockpit
    snaps = [await fresh_snapshot(url, deflate=False, compact=False)] + [await fresh_snapshot(url) for _ in range(3)]
    res["snapshot"] = snaps
    res["rss_after_snapshots"] = rss_mib(pid)
    # live-event delay while new cockpits connect (watcher and paced reporter in their own process)
    probe = await start_probe(url)
    phase("connects")
    res["connect_snapshots"] = []
    for _ in range(5):
        res["connect_snapshots"].append(await fresh_snapshot(url))
        await asyncio.sleep(0.3)
    res["delay_connect"] = await stop_probe(probe)
    # a burst past SNAPSHOT_EVERY events, with a paced reporter measured alongside
    probe = await start_probe(url)
    phase("burst")
    t = time.perf_counter()
    n = await report(url, 0, asyncio.Event(), burst=6000)
    res["burst"] = (n, time.perf_counter() - t)
    res["delay_burst"] = await stop_probe(probe)
    res["rss_after_burst"] = rss_mib(pid)
    phase("links")
    for mode in ("plain", "deflate"):
        p = subprocess.run([sys.executable, "-c", LINK_PROBE, url, str(ROOT), mode], capture_output=True, text=True,
                           timeout=600)
        res[f"link {mode}"] = p.stdout.strip() or p.stderr[-500:]
    phase("queries")
    res["queries"] = await queries(url, pid)
    phase("end")
    res["rss_end"] = rss_mib(pid)
    return res


def run(n: int) -> None:
    path = default_path(n)
    header(f"server with {n:,} cases of history ({path})")
    url = generate(n, path)
    from server.cli import upgrade_db
    before, after = upgrade_db(url)               # a history made by an older release
    if before != after:
        print(f"  upgraded the history: schema {before} -> {after}")
    size = os.path.getsize(path) / 2**20
    # a copy per run: the run's reports and bursts must not pile up in the history
    run_path = path + ".run"
    shutil.copyfile(path, run_path)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(run_path + suffix):
            os.remove(run_path + suffix)
    srv = ServerProcess(f"sqlite:///{run_path}", extra=SERVE_EXTRA)
    phase("start")
    t = time.perf_counter()
    srv.start(timeout=300)
    start = time.perf_counter() - t
    try:
        r = asyncio.run(measure(srv.url, srv.proc.pid))
    finally:
        srv.stop()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(run_path + suffix):
                os.remove(run_path + suffix)
    print(f"load average {os.getloadavg()[0]:.1f} (as each part started: "
          + ", ".join(f"{k} {v:.1f}" for k, v in LOADS.items()) + ")")
    print(f"database {size:,.0f} MiB; start to /healthz {start:.2f} s; server RSS {r['rss_start']:.0f} MiB at start, "
          f"{r['rss_after_snapshots']:.0f} after 3 snapshots, {r['rss_after_burst']:.0f} after the burst, "
          f"{r['rss_end']:.0f} at the end")
    for dt, size_b, wire, cases in r["snapshot"]:
        print(f"  new cockpit's snapshot: {size_b / 2**20:.1f} MiB of JSON, {wire / 2**20:.1f} MiB on the wire, "
              f"{cases:,} cases, {dt:.2f} s to the last page")
    sizes = [(size_b / 2**20, wire / 2**20, dt) for dt, size_b, wire, _c in r["connect_snapshots"]]
    print("  the 5 cockpits' snapshots (later: the window's compact form made): "
          + ", ".join(f"{j:.1f} MiB ({w:.1f} on the wire) {dt:.2f} s" for j, w, dt in sizes))
    for label in ("delay_connect", "delay_burst"):
        lat = r[label]
        print(f"  live-event delay {'while 5 cockpits connect' if label == 'delay_connect' else 'during a burst'}: "
              f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, max {max(lat or [0]):.1f} ms (n={len(lat)})")
    print(f"  burst: {r['burst'][0]} reports in {r['burst'][1]:.1f} s")
    for mode in ("plain", "deflate"):
        print(f"  fresh cockpit link, {mode} (s to online + cache written, RSS now, peak, cases in memory): "
              f"{r[f'link {mode}']}")
    for k, (lo, hi, rows, extra, cpu) in r["queries"].items():
        print(f"  {k}: {lo:.0f}-{hi:.0f} ms, server CPU {cpu:.0f} ms ({rows} rows, {extra})")


async def bursts(url: str, reps: int, pid: int | None = None) -> list[tuple[float, list[float], float, float]]:
    """REPS bursts: each one's length, delays, load as it started and the server's RSS (MiB) after it."""
    out = []
    for _ in range(reps):
        probe = await start_probe(url)
        load = os.getloadavg()[0]
        t = time.perf_counter()
        await report(url, 0, asyncio.Event(), burst=6000)
        dt = time.perf_counter() - t
        out.append((dt, await stop_probe(probe), load, rss_mib(pid) if pid else 0.0))
    return out


def run_bursts(n: int, reps: int) -> None:
    """`python -m bench window burst N [REPS]`: only the burst part, REPS times on one
    server (a fresh copy of the history), each figure with its load and the burst's length
    (~1.3 s; some take ~11 s, their sends waiting: those are not a burst, see
    docs/benchmarks.md, session 10)."""
    path = default_path(n)
    header(f"bursts of 6,000 reports, {n:,} cases of history")
    generate(n, path)
    run_path = path + ".run"
    shutil.copyfile(path, run_path)
    os.sync()            # (the copy's writeback would share the disk with the bursts' commits)
    srv = ServerProcess(f"sqlite:///{run_path}", extra=SERVE_EXTRA)
    srv.start(timeout=300)
    try:
        rss0 = rss_mib(srv.proc.pid)
        res = asyncio.run(bursts(srv.url, reps, srv.proc.pid))
    finally:
        srv.stop()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(run_path + suffix):
                os.remove(run_path + suffix)
    if os.environ.get("XIAONAO_BENCH_DELAYS"):     # each report's delay, to pool runs: burst-s load ms
        with open(os.environ["XIAONAO_BENCH_DELAYS"], "a") as f:
            f.writelines(f"{dt:.2f} {load:.2f} {x:.2f}\n" for dt, lat, load, _rss in res for x in lat)
    print(f"  server RSS at start {rss0:.0f} MiB")
    for dt, lat, load, rss_after in res:
        print(f"  burst in {dt:.1f} s, load {load:.1f}: live-event delay p50 {pct(lat, 50):.1f} ms, "
              f"p99 {pct(lat, 99):.1f} ms, max {max(lat or [0]):.1f} ms (n={len(lat)}); server RSS after {rss_after:.0f} MiB")


def main(sizes=None) -> None:
    args = sys.argv[1:]
    if "burst" in args:
        nums = [int(a) for a in args if a.isdigit()]
        run_bursts(nums[0] if nums else SIZES[0], nums[1] if len(nums) > 1 else 2)
        return
    sizes = sizes or [int(a) for a in args if a.isdigit()] or list(SIZES)
    for n in sizes:
        run(n)


if __name__ == "__main__":
    main()
