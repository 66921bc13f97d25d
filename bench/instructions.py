"""Instructions a row of an import through the server (docs/benchmarks.md, session 13): a figure
that does not move with the machine's load or its day, where the import's time and CPU time do
by 20-40 %. `python -m bench instructions [ROWS]` (3,000 by default) runs the server process
under valgrind (cachegrind without its cache simulation: it counts the instructions both of the
server's threads ran), imports 300 rows and then, with a fresh server, 300 + ROWS rows through
it as the intake account, with a wall and an operator's console connected (native processes:
only the server is counted), and prints the difference a row: what each further row costs the
server, its start-up and the first rows left out. Two runs of the same code agree to ~0.5 %.

Needs valgrind (Debian's package; the bench says so when it is missing). About a minute.
`python -m bench.instructions commit [N]`: the database thread's commit alone
(`EventStore.append` of N import rows a batch, 80 by default: an import's batch beside a
console), from the rows of a database this bench's import leaves."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from .common import ROOT, header, make_server_db

VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def _instructions(log: str) -> int:
    return _instructions_text(Path(log).read_text())


def server_import(rows: int, keep: str | None = None) -> tuple[int, float]:
    """The server's instructions for a whole run (start, `rows` imported, stop) and the
    import's seconds. `keep`: copy the server's database there afterwards."""
    from tests.helpers import free_port

    from .importer import console_latency, wall_count, write_feed
    d = Path(tempfile.mkdtemp(prefix="xiaonao-bench-ir-"))
    feed = d / "feed.jsonl"
    write_feed(feed, rows, True)
    url = make_server_db()
    port = free_port()
    log = str(d / "valgrind.txt")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
    srv = subprocess.Popen([*VALGRIND, f"--log-file={log}", sys.executable, "-m", "server.cli", "serve", "--db", url,
                            "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if srv.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start under valgrind: {Path(log).read_text()[-800:]}")
                time.sleep(0.5)
        ws = f"ws://127.0.0.1:{port}/ws"
        wall: dict = {}
        done, stop = threading.Event(), threading.Event()
        lat: list[float] = []
        w = threading.Thread(target=lambda: asyncio.run(wall_count(ws, rows, done, wall)), daemon=True)
        c = threading.Thread(target=lambda: asyncio.run(console_latency(ws, stop, lat)), daemon=True)
        w.start()
        c.start()
        time.sleep(2)
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "server.cli", "import", str(feed), "--server", ws, "--user",
                            "intake", "--password-stdin"], input="intake-password\n", capture_output=True,
                           text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        took = time.perf_counter() - t0
        if p.returncode != 0 or f"loaded {rows} case" not in p.stdout:
            raise RuntimeError(f"the import failed: {p.stdout[-500:]} {p.stderr[-500:]}")
        stop.set()
        w.join(120)
        c.join(30)
        if wall.get("wall") != rows:
            raise RuntimeError(f"the wall saw {wall.get('wall')} of {rows} cases")
        srv.send_signal(signal.SIGINT)
        srv.wait(300)
        if keep:
            shutil.copy(url.removeprefix("sqlite:///"), keep)
        return _instructions(log), took
    finally:
        if srv.poll() is None:
            srv.kill()
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(os.path.dirname(url.removeprefix("sqlite:///")), ignore_errors=True)


def main(rows: int | None = None) -> None:
    rows = rows or int(sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "instructions" else 3000)
    header(f"Instructions a row of an import through the server ({rows:,} rows beyond 300, valgrind)")
    if shutil.which("valgrind") is None:
        print("  valgrind is not installed (apt-get install valgrind): skipped")
        return
    base, _t = server_import(300)
    full, took = server_import(300 + rows)
    print(f"  the server: {base:,} instructions for 300 rows (its start included), {full:,} for {300 + rows:,}")
    print(f"  -> {(full - base) / rows:,.0f} instructions a row ({took:.0f} s under valgrind)")


def commit(n: int = 80, reps: int = 20) -> None:
    """The database thread's commit of n-row batches alone, instructions a row."""
    header(f"Instructions a row of the database thread's commit ({n}-row batches, valgrind)")
    if shutil.which("valgrind") is None:
        print("  valgrind is not installed (apt-get install valgrind): skipped")
        return
    fd, src = tempfile.mkstemp(suffix=".db")
    os.close(fd)
    server_import(3000, keep=src)
    counts = []
    for k in (0, reps):
        p = subprocess.run([*VALGRIND, sys.executable, "-m", "bench.instructions", "_commit", src, str(n), str(k)],
                           cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0"),
                           capture_output=True, text=True)
        counts.append(_instructions_text(p.stderr))
    os.unlink(src)
    print(f"  -> {(counts[1] - counts[0]) / (n * reps):,.0f} instructions a row")


def _instructions_text(text: str) -> int:
    """The instruction count in valgrind's summary (cachegrind's "I refs" line)."""
    for line in reversed(text.splitlines()):
        if "I   refs" in line or "I refs" in line:
            return int(line.rsplit(":", 1)[1].strip().replace(",", ""))
    raise RuntimeError(f"valgrind printed no count: {text[-800:]}")


def _commit_child(src: str, n: int, reps: int) -> None:
    """(under valgrind) three warm-up batches, then `reps` batches of n rows: the rows of
    `src` with new ids, the cases' JSON as UTF-8 bytes as the hub gives them."""
    import json
    import sqlite3

    from server.cli import init_db
    from server.store import EventStore
    s = sqlite3.connect(src)
    cols = [r[1] for r in s.execute("pragma table_info(cases)")]
    cases = [dict(zip(cols, r)) for r in s.execute("select * from cases where id like 'C%' order by rowid")]
    for c in cases:
        c["body"] = c["body"].encode()
    evs = [{"seq": r[0], "at": r[1], "name": r[2], "actor": r[3], "command_id": r[4], "data": json.loads(r[5])}
           for r in s.execute("select * from events where name = 'case.reported' order by seq")]
    ccols = [r[1] for r in s.execute("pragma table_info(commands)")]
    cmds = [dict(zip(ccols, r)) for r in s.execute("select * from commands order by seq")]
    head = json.loads(s.execute("select head from room").fetchone()[0])
    url = f"sqlite:///{tempfile.mkdtemp()}/commit.db"
    init_db(url, "demo")
    store = EventStore(url)
    seq, k = store.head(), 0
    for i in range(3 + reps):
        e, c, r = [], [], []
        for _ in range(n):
            j = k % len(cases)
            k += 1
            seq += 1
            e.append(dict(evs[j % len(evs)], seq=seq, command_id=f"x{k}"))
            c.append(dict(cmds[j % len(cmds)], seq=seq, id=f"x{k}"))
            r.append(dict(cases[j], id=f"Z{k:07d}", seq=seq))
        store.append(e, c, r, (seq, head, None, {}))
        if i == 2 and reps == 0:
            break


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_commit":
        _commit_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "commit":
        commit(int(sys.argv[2]) if len(sys.argv) > 2 else 80)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
