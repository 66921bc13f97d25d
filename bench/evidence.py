"""Evidence (issue 15): a photo from one client to every cockpit's thumbnail, upload throughput
against a plain HTTP file copy, and the server's memory with many stored files.

    python -m bench evidence            (or python -m bench.evidence [--quick])
    python -m bench.evidence --throughput 12     (the photo throughput alone, 12 runs)

The real server in its own process (SQLite, its own data directory), real clients on loopback:
websockets for the events, client/files.py for the files.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .common import ServerProcess, header, make_server_db, pct, summary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from client.files import FileClient  # noqa: E402
from tests import evidence_files as ef  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Cockpit:
    """A logged-in connection that fetches the thumbnail of every case.attached it receives."""

    def __init__(self, ws, token: str, url: str, seen: dict):
        self.ws, self.files, self.seen = ws, FileClient(url, token), seen
        self.task = asyncio.create_task(self.run())

    async def run(self):
        async for raw in self.ws:
            m = json.loads(raw)
            if m.get("type") == "event" and m.get("name") == "case.attached":
                a = m["data"]["attachment"]
                await self.files.fetch(a["id"], case_id=m["data"]["case_id"], rendition="thumb")
                self.seen.setdefault(a["id"], []).append(time.perf_counter())

    async def close(self):
        self.task.cancel()
        await self.files.close()
        await self.ws.close()


async def login(url: str, user: str, subscribe: bool = True):
    import websockets
    ws = await websockets.connect(url, max_size=8 * 1024 * 1024, compression=None)
    await ws.send(json.dumps({"type": "hello", "user": user, "password": f"{user}-password",
                              **({} if subscribe else {"subscribe": False})}))
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome", welcome
    return ws, welcome["token"]


async def command(ws, name, args) -> dict:
    cid = str(uuid.uuid4())
    await ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
    while True:
        m = json.loads(await ws.recv())
        if m.get("id") == cid and m.get("type") in ("ack", "error"):
            return m


async def report(ws, title="占道经营") -> str:
    cid = str(uuid.uuid4())
    await ws.send(json.dumps({"type": "command", "id": cid, "name": "case.report", "args": {
        "title": title, "category": "city_management", "source": "grid", "priority": 3,
        "location": {"address": "九堡大道88号"}}}))
    while True:
        m = json.loads(await ws.recv())
        if m.get("name") == "case.reported" and m.get("command_id") == cid:
            return m["data"]["case_id"]


# ---- 1. a 5 MB photo to 20 cockpits ------------------------------------------------------

async def fanout(url: str, trials: int, cockpits: int = 20) -> list[float]:
    seen: dict[str, list[float]] = {}
    viewers = []
    for _ in range(cockpits):
        ws, tok = await login(url, "op")
        viewers.append(Cockpit(ws, tok, url, seen))
    ws, tok = await login(url, "op")
    up = FileClient(url, tok)
    cid = await report(ws)
    samples: list[float] = []
    photos = [ef.photo_of_size(5_000_000) for _ in range(trials)]
    for photo in photos:
        t0 = time.perf_counter()
        meta = await up.upload(photo, name="p.jpg", case_id=cid)
        ack = await command(ws, "case.attach", {"case_id": cid, "attachment": meta["id"], "label": "after"})
        assert ack["type"] == "ack", ack
        deadline = time.monotonic() + 30
        while len(seen.get(meta["id"], ())) < cockpits and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        samples += [(t - t0) * 1000 for t in seen.get(meta["id"], ())]
    for v in viewers:
        await v.close()
    await up.close()
    await ws.close()
    return samples


# ---- 2. upload throughput against a plain HTTP file copy --------------------------------

async def plain_copy_server(folder: Path, fsync: bool):
    """The baseline: an asyncio HTTP server that streams a POST body into a file."""
    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter):
        head = await r.readuntil(b"\r\n\r\n")
        length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
        loop = asyncio.get_running_loop()
        path = folder / uuid.uuid4().hex
        f = await loop.run_in_executor(None, open, path, "wb")
        got, buf = 0, []
        while got < length:
            chunk = await r.read(min(256 * 1024, length - got))
            got += len(chunk)
            buf.append(chunk)
            if sum(map(len, buf)) >= 1 << 20:
                await loop.run_in_executor(None, f.write, b"".join(buf))
                buf = []
        if buf:
            await loop.run_in_executor(None, f.write, b"".join(buf))
        if fsync:
            await loop.run_in_executor(None, lambda: (f.flush(), os.fsync(f.fileno())))
        await loop.run_in_executor(None, f.close)
        w.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        await w.drain()
        w.close()
    return await asyncio.start_server(handle, "127.0.0.1", 0)


class CopyServerProcess:
    """The baseline in a process of its own, as the server is (a copy served from the bench's
    own process skips the scheduling between two processes that a loaded machine charges the
    server for: the comparison would not be like with like)."""

    def __init__(self, folder: Path, fsync: bool):
        import subprocess
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.evidence", "--copy-server", str(folder),
                                      "fsync" if fsync else "nofsync"], stdout=subprocess.PIPE,
                                     cwd=Path(__file__).resolve().parent.parent)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def copy_server_main(folder: str, fsync: bool) -> None:
    async def run():
        srv = await plain_copy_server(Path(folder), fsync)
        print(srv.sockets[0].getsockname()[1], flush=True)
        await srv.serve_forever()
    asyncio.run(run())


async def post(port: int, data: bytes, token: str = "x") -> tuple[float, bytes]:
    """(seconds from the connection to the answer's last byte, the answer's body)."""
    t0 = time.perf_counter()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"POST /files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n".encode())
    for i in range(0, len(data), 256 * 1024):
        w.write(data[i:i + 256 * 1024])
        await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    assert b" 20" in head.split(b"\r\n")[0], head
    body = await r.read()
    took = time.perf_counter() - t0
    w.close()
    return took, body


def cpu_s(pid: int, tid: int | None = None) -> float:
    """CPU seconds (user + system) of a process, or of one of its threads."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    f = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def distinct_photos(n: int, size: int) -> list[bytes]:
    """`n` photos of about `size` bytes with distinct bytes (the store keeps one copy of the
    same bytes): one JPEG of random pixels, each copy with 16 bytes of its own after its end
    marker (as a camera pads; the store takes it). One encoding instead of n."""
    base = ef.photo_of_size(size)
    return [base + os.urandom(16) for _ in range(n)]


async def throughput(url: str, port: int, reps: int, clip: bool = False, server_pid: int | None = None) -> dict:
    """Median MB/s of `reps` uploads each to the plain copy, the fsync'd copy and the server.

    Interleaved so that all three see the same moment's load, in an order that alternates
    (copy, copy+fsync, xiaonao, then xiaonao, copy+fsync, copy, ...: none is always first after
    a pause or always last). One upload to each first, not counted (a fresh process's first
    request). After each upload to the server, its photo's full check (decoding and thumbnail,
    done after the answer) is waited for outside the timing: otherwise it runs on during the
    next upload, and the copies, which the check does not yield to, pay for it.
    With `server_pid`: the CPU per upload of the copy's process, the server's event loop (its
    main thread: the receiving) and the server's whole process (writer and database threads too)."""
    ws, tok = await login(url, "op")
    files = FileClient(url, tok)
    if clip:
        photos = [ef.padded_mp4(150_000_000) for _ in range(reps + 1)]
    else:
        photos = distinct_photos(reps + 1, 19_000_000)
    folder = Path(tempfile.mkdtemp(prefix="xiaonao-bench-copy-"))
    copies = {fsync: CopyServerProcess(folder, fsync) for fsync in (False, True)}
    cpu: dict[str, list[float]] = {"copy": [], "loop": [], "server": []}
    out: dict[str, list[float]] = {"copy": [], "copy+fsync": [], "xiaonao": []}

    async def to_server(ph: bytes, keep: bool) -> None:
        l0 = cpu_s(server_pid, server_pid) if server_pid else 0.0
        p0 = cpu_s(server_pid) if server_pid else 0.0
        took, body = await post(port, ph, tok)
        if server_pid and keep:
            cpu["loop"].append(cpu_s(server_pid, server_pid) - l0)
            cpu["server"].append(cpu_s(server_pid) - p0)
        if keep:
            out["xiaonao"].append(took)
        if not clip:              # its check, outside the timing (see above)
            await files.fetch(json.loads(body)["id"], rendition="thumb")

    async def to_copy(ph: bytes, fsync: bool, keep: bool) -> None:
        c0 = cpu_s(copies[fsync].proc.pid)
        took, _ = await post(copies[fsync].port, ph)
        if keep:
            out["copy+fsync" if fsync else "copy"].append(took)
            if not fsync:
                cpu["copy"].append(cpu_s(copies[fsync].proc.pid) - c0)

    try:
        for i, ph in enumerate(photos):
            keep = i > 0
            steps = [lambda: to_copy(ph, False, keep), lambda: to_copy(ph, True, keep), lambda: to_server(ph, keep)]
            for step in (steps if i % 2 == 0 else steps[::-1]):
                await step()
    finally:
        for c in copies.values():
            c.stop()
        shutil.rmtree(folder, ignore_errors=True)
        await files.close()
    await ws.close()
    size = len(photos[0])
    med = lambda v: sorted(v)[len(v) // 2] if v else float("nan")  # noqa: E731
    return {k: (size / 1e6) / med(v) for k, v in out.items()} | {
        "size": size, "n": len(out["xiaonao"]), "cpu_copy_ms": med(cpu["copy"]) * 1000,
        "cpu_loop_ms": med(cpu["loop"]) * 1000, "cpu_server_ms": med(cpu["server"]) * 1000}


# ---- 3. many stored files: memory, and a case detail's 50 thumbnails -----------------------

async def many(url: str, proc: ServerProcess, count: int, big: int) -> dict:
    """`count` small photos uploaded by the intake and attached 20 to a report (the intake's
    budget takes a burst), `big` large uploads: the server's RSS after each step."""
    ws, tok = await login(url, "intake", subscribe=False)       # an importer: answers only
    files = FileClient(url, tok)
    rss0 = rss_mb(proc.proc.pid)
    for _ in range(big):                       # bytes stored, nothing attached
        await files.upload(ef.photo_of_size(19_000_000))
    rss_big = rss_mb(proc.proc.pid)
    clients = [FileClient(url, tok) for _ in range(4)]
    sem = asyncio.Semaphore(4)
    t0 = time.perf_counter()

    async def one(i: int) -> str:
        async with sem:
            data = ef.png(32, 24) + hashlib.sha256(str(i).encode()).digest()   # distinct bytes, a valid PNG
            return (await clients[i % 4].upload(data))["id"]
    ids = await asyncio.gather(*(one(i) for i in range(count)))
    t_upload = time.perf_counter() - t0
    pending = set()
    for k in range(0, len(ids), 20):
        cid = str(uuid.uuid4())
        pending.add(cid)
        await ws.send(json.dumps({"type": "command", "id": cid, "name": "case.report", "args": {
            "title": f"案件{k}", "category": "city_management", "source": "grid", "priority": 3,
            "location": {"address": "九堡大道88号"},
            "attachments": [{"attachment": i, "label": "document"} for i in ids[k:k + 20]]}}))
    refused = 0
    while pending:
        m = json.loads(await ws.recv())
        if m.get("type") in ("ack", "error") and m.get("id") in pending:
            pending.discard(m["id"])
            refused += m["type"] == "error"
    # one case with 50 thumbnails, attached by an operator (who logs in now: a cockpit not
    # reading its events while 10,000 arrive would be cut off, as it should be)
    op_ws, op_tok = await login(url, "op")
    last_case = await report(op_ws, "五十张")
    for fid in ids[-50:]:
        ack = await command(op_ws, "case.attach", {"case_id": last_case, "attachment": fid, "label": "document"})
        assert ack["type"] == "ack", ack
    rss_many = rss_mb(proc.proc.pid)
    viewer = FileClient(url, op_tok)
    opens = []
    for _ in range(5):
        await viewer.close()                                    # cold: new connections each time
        t1 = time.perf_counter()
        await asyncio.gather(*(viewer.fetch(f, case_id=last_case) for f in ids[-50:]))
        opens.append((time.perf_counter() - t1) * 1000)
    for c in (*clients, viewer, files):
        await c.close()
    await ws.close(), await op_ws.close()
    stored = sum(p.stat().st_size for p in Path(proc.data_dir).rglob("*") if p.is_file())
    return {"rss0": rss0, "rss_big": rss_big, "rss_many": rss_many, "big": big, "count": len(ids) + 50,
            "upload_s": t_upload, "opens": opens, "stored_mb": stored / 1e6, "n_detail": 50, "refused": refused,
            "n": len(ids)}


def throughput_runs(runs: int, per_run: int = 9) -> None:
    """`--throughput RUNS [--per-run N]`: the photo throughput alone, RUNS times (N photos to
    each of the three, interleaved), one line per run with the load average (a fresh server
    per run). Run it at `nice -n -10` on a shared machine (the server and the copies inherit it)."""
    db = make_server_db(users=(("op", "operator"),))
    header(f"evidence: upload throughput, 19 MB photo, {runs} runs of {per_run} interleaved uploads each "
           f"(median MB/s), nice {os.nice(0)}")
    ratios, fratios = [], []
    for i in range(runs):
        data_dir = tempfile.mkdtemp(prefix="xiaonao-bench-files-")
        load0 = os.getloadavg()[0]
        proc = ServerProcess(db, extra=["--data-dir", data_dir]).start()
        try:
            tp = asyncio.run(throughput(proc.url, proc.port, per_run, server_pid=proc.proc.pid))
        finally:
            proc.stop()
            shutil.rmtree(data_dir, ignore_errors=True)
        ratios.append(tp["copy"] / tp["xiaonao"])
        fratios.append(tp["copy+fsync"] / tp["xiaonao"])
        print(f"run {i + 1}: load {load0:.1f}-{os.getloadavg()[0]:.1f}  copy {tp['copy']:.0f}  "
              f"copy+fsync {tp['copy+fsync']:.0f}  xiaonao {tp['xiaonao']:.0f} MB/s  "
              f"copy/xiaonao {ratios[-1]:.2f}x  copy+fsync/xiaonao {fratios[-1]:.2f}x  "
              f"CPU per upload: copy process {tp['cpu_copy_ms']:.0f} ms, server loop {tp['cpu_loop_ms']:.0f} ms, "
              f"server process {tp['cpu_server_ms']:.0f} ms", flush=True)
    for name, rs in (("copy/xiaonao", ratios), ("copy+fsync/xiaonao", fratios)):
        rs.sort()
        print(f"{name} over {runs} runs: median {rs[len(rs) // 2]:.2f}x, "
              f"{sum(r <= 2 for r in rs)} of {runs} within 2x, range {rs[0]:.2f}-{rs[-1]:.2f}x")


def main(quick: bool = False) -> None:
    db = make_server_db(users=(("op", "operator"), ("intake", "intake"), ("wall", "wall")))
    data_dir = tempfile.mkdtemp(prefix="xiaonao-bench-files-")
    proc = ServerProcess(db, extra=["--data-dir", data_dir]).start()
    proc.data_dir = data_dir
    try:
        header("evidence: a 5 MB photo, upload to thumbnail on 20 cockpits")
        samples = asyncio.run(fanout(proc.url, 3 if quick else 10))
        print(summary(samples), f"(p99 {pct(samples, 99):.0f} ms)")
        for clip in (False, True):
            header(f"evidence: upload throughput ({'150 MB clip' if clip else '19 MB photo'}), MB/s, "
                   "median of the runs")
            tp = asyncio.run(throughput(proc.url, proc.port, 3 if quick or clip else 5, clip, proc.proc.pid))
            print("  ".join(f"{k} {tp[k]:.0f} MB/s" for k in ("copy", "copy+fsync", "xiaonao")),
                  f"ratio copy/xiaonao {tp['copy'] / tp['xiaonao']:.2f}, copy+fsync/xiaonao "
                  f"{tp['copy+fsync'] / tp['xiaonao']:.2f}; CPU per upload: copy process {tp['cpu_copy_ms']:.0f} ms, "
                  f"server loop {tp['cpu_loop_ms']:.0f} ms")
        header("evidence: many stored files")
        m = asyncio.run(many(proc.url, proc, 500 if quick else 10_000, 3 if quick else 10))
        print(f"server RSS {m['rss0']:.0f} MB; after {m['big']} x 19 MB uploads {m['rss_big']:.0f} MB; "
              f"after {m['count']} attachments {m['rss_many']:.0f} MB; stored {m['stored_mb']:.0f} MB; "
              f"{m['n']} small uploads in {m['upload_s']:.1f} s ({m['n'] / m['upload_s']:.0f}/s); "
              f"reports refused {m['refused']}")
        print(f"a case detail's {m['n_detail']} thumbnails (cold connections): {summary(m['opens'])}")
        print(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        proc.stop()


if __name__ == "__main__":
    if "--copy-server" in sys.argv:
        i = sys.argv.index("--copy-server")
        copy_server_main(sys.argv[i + 1], sys.argv[i + 2] == "fsync")
    elif "--throughput" in sys.argv:
        per = int(sys.argv[sys.argv.index("--per-run") + 1]) if "--per-run" in sys.argv else 9
        throughput_runs(int(sys.argv[sys.argv.index("--throughput") + 1]), per)
    else:
        main(quick="--quick" in sys.argv)
